"""Mnih et al. 2016 (A3C): is the conv network of a run still alive?

    python -m papers.a3c.diagnose --run-dir runs/a3c/pong-cpu-seed0 [--init] [--states 400]

A3C FF can fail on Pong without any error: ReLU units whose input stays negative on every state
("dead") pass no gradient and never recover, and once a layer is dead the policy and value no
longer depend on the state. This script plays random actions from no-op starts, keeps every
4th state until it has --states of them, and prints one JSON object for the newest checkpoint
(or, with --init, for a freshly initialised network of the same config):

  <layer>_dead        units (channels for conv layers) never positive on any of the states
  <layer>_zero_frac   share of all activations that are 0
  <layer>_state_std   std over states of the activations, averaged over units
  pi_state_std        std over states of pi(a|s), averaged over actions (0: a constant policy)
  entropy_mean        mean policy entropy (ln 6 = 1.79 is uniform on Pong's 6 actions)
  v_state_std, v_mean std and mean over states of V(s)

For a checkpoint (not --init) it also writes <run-dir>/diagnosis.json, which reproduce.py
reports. The README's dead-unit counts come from this script.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common.errors import run_main
from papers.a3c.evaluate import EvalError, load_config, newest_checkpoint

LAYERS = ("conv1", "conv2", "fc")


def random_play_states(task, n: int, seed: int) -> np.ndarray:
    """n states [n, 84, 84, 4] from random play, every 4th state kept."""
    rng = np.random.default_rng(seed)
    states, t = [], 0
    task.reset()
    while len(states) < n:
        tr = task.step(int(rng.integers(task.n_actions)))
        t += 1
        if t % 4 == 0:
            states.append(tr.state)
        if tr.episode_end:
            task.reset()
    return np.stack(states)


def diagnose(run_dir: Path, init: bool = False, n_states: int = 400, seed: int = 7) -> dict:
    import keras
    import tensorflow as tf

    from papers.a3c.agent import Learner
    from papers.a3c.envs import make_task
    run_dir = Path(run_dir)
    cfg = load_config(run_dir)
    if cfg.network != "ff":
        raise EvalError(f"{run_dir} trains a '{cfg.network}' network; the diagnosis reads the ff conv network")
    task = make_task(cfg, seed)
    keras.utils.set_random_seed(seed)                             # the --init network
    learner = Learner(cfg, task.obs_shape, task.n_actions)
    out = {"checkpoint_env_frames": 0, "states": n_states}
    if not init:
        out["checkpoint_env_frames"], prefix = newest_checkpoint(run_dir)
        tf.train.Checkpoint(model=learner.model).restore(str(prefix)).expect_partial()
    out.update(health(learner.model, random_play_states(task, n_states, seed)))
    return out


def health(model, S: np.ndarray) -> dict:
    """The statistics above for a network `model` on states S [n, 84, 84, 4]."""
    import keras
    import tensorflow as tf
    probe = keras.Model(model.input, [model.get_layer(name).output for name in LAYERS] + list(model.outputs))
    *activations, logits, v = probe(S)                            # one forward for every statistic
    out = {}
    for name, a in zip(LAYERS, activations):
        a = a.numpy().reshape(len(S), -1, a.shape[-1])            # [states, positions, units]
        out[f"{name}_units"] = int(a.shape[-1])
        out[f"{name}_dead"] = int((a.max(axis=(0, 1)) <= 0).sum())
        out[f"{name}_zero_frac"] = round(float((a <= 0).mean()), 4)
        out[f"{name}_state_std"] = float(a.std(axis=0).mean())
    pi = tf.nn.softmax(logits).numpy()
    v = np.asarray(v)
    out["pi_state_std"] = float(pi.std(axis=0).mean())
    out["entropy_mean"] = float(-(pi * np.log(pi + 1e-12)).sum(-1).mean())
    out["v_state_std"], out["v_mean"] = float(v.std()), float(v.mean())
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m papers.a3c.diagnose", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", type=Path, required=True, help="a training run dir")
    ap.add_argument("--init", action="store_true", help="a fresh network of the run's config instead")
    ap.add_argument("--states", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    out = diagnose(args.run_dir, args.init, args.states, args.seed)
    if not args.init:
        (args.run_dir / "diagnosis.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    run_main(main)
