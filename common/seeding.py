"""One call seeds Python, NumPy and TensorFlow/Keras, and hands out independent env seeds."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Seeds:
    """Seeds derived from one global seed with NumPy's SeedSequence (independent streams)."""
    seed: int

    def env_seed(self, i: int = 0) -> int:
        """An integer seed for environment / worker `i`, independent of the others."""
        return int(np.random.SeedSequence(self.seed, spawn_key=(1, i)).generate_state(1)[0])

    def generator(self, i: int = 0) -> np.random.Generator:
        """A NumPy generator for stream `i` (exploration, sampling, data shuffling)."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(2, i)))


def seed_everything(seed: int, deterministic: bool = False) -> Seeds:
    """Seed Python, NumPy, TensorFlow and Keras; optionally turn on TF op determinism."""
    import keras
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # also seeds Python, NumPy and tf.random
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return Seeds(seed)
