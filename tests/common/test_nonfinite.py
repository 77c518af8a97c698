"""common/run.py refuses to checkpoint a run that diverged: `save` checks every floating-point
variable, `check_finite` the losses a trainer reads at a log row; both raise NonFiniteLossError
(one line naming the step and the last good checkpoint) and leave the newest checkpoint as it was."""

import pytest
import tensorflow as tf

from common.config import RunArgs, build
from common.errors import NonFiniteLossError, UserError
from common.run import Run
from tests.common.toy_train import PROFILES, ToyConfig


def _run(tmp_path, **trackables) -> Run:
    cfg, devs = build(ToyConfig, PROFILES, "paper")
    run = Run(RunArgs(cfg, "paper", devs, 0, tmp_path, "auto", False, []), paper="toy",
              step_column="updates", lr_fields=("lr",))
    run.track(**trackables)
    return run


def test_save_refuses_nan_weights_and_keeps_the_last_good_checkpoint(tmp_path):
    w, opt_slot = tf.Variable([1.0, 2.0]), tf.Variable([0.5])
    run = _run(tmp_path, w=w, slot=opt_slot, steps=tf.Variable(3, dtype=tf.int64))
    run.save(3)
    opt_slot.assign([float("inf")])                     # any saved float variable counts, not only weights
    with pytest.raises(NonFiniteLossError) as e:
        run.save(4)
    assert isinstance(e.value, UserError)
    assert str(e.value) == ("a weight became nan or inf at updates 4 (the last good checkpoint is updates 3; "
                            "nothing after it was saved); the run diverged: start a new run with a lower "
                            "learning rate (lr is 0.1; --run-dir NEW --set lr=...)")
    assert run.complete_checkpoints() == [3] and not list((tmp_path / "checkpoints").glob("ckpt-4*"))


def test_check_finite_names_the_loss_and_the_step(tmp_path):
    run = _run(tmp_path, w=tf.Variable([1.0]))
    run.check_finite(5, {"loss": 0.25, "q": -3.0})      # finite: nothing happens
    with pytest.raises(NonFiniteLossError, match=r"^q became inf at updates 7 \(no checkpoint was saved\)"):
        run.check_finite(7, {"loss": 0.25, "q": float("inf")})
