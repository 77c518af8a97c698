"""float32 means float32 on every device: TF32 (10-bit mantissa matmuls on Ampere/Hopper GPUs) is
off after `set_precision("float32")`, and DQN's entry points set it from the config."""

import pytest
import tensorflow as tf

from common.precision import set_precision
from papers.dqn import train


@pytest.fixture
def tf32_restored():
    before = tf.config.experimental.tensor_float_32_execution_enabled()
    yield
    tf.config.experimental.enable_tensor_float_32_execution(before)


def test_float32_turns_tf32_off(tf32_restored):
    set_precision("mixed_bfloat16")
    assert tf.config.experimental.tensor_float_32_execution_enabled()
    set_precision("float32")
    assert not tf.config.experimental.tensor_float_32_execution_enabled()


def test_dqn_training_in_float32_runs_without_tf32(tmp_path, tf32_restored):
    tf.config.experimental.enable_tensor_float_32_execution(True)
    assert train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "run"),
                       "--set", "total_agent_steps=110", "--set", "save_replay=false"]) == 0
    assert not tf.config.experimental.tensor_float_32_execution_enabled()
