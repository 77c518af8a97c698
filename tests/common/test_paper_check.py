"""common/paper_check.py: the slice / resume / verify machinery of every paper's check, at smoke
size (fast), and the real paper-size check of DQN and MemN2N (slow)."""

import json

import pytest

from common import paper_check

DATA = {"memn2n_babi": ("babi",), "memn2n_lm": ("ptb",), "nas": ("cifar10",)}


def _check(name, tmp_path, profile="smoke", seconds=4.0, **kw):
    return paper_check.run_check(name, profile, seconds, tmp_path / name, **kw)


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.data(*DATA[n])] if n in DATA else [])
                                  for n in paper_check.CHECKS])
def test_every_check_slices_resumes_and_continues(name, tmp_path):
    result = _check(name, tmp_path)
    assert result["ok"], (result.get("why"), result["slice1"], result["slice2"])
    first, second = result["slice1"], result["slice2"]
    assert first["exit"] == 0 and second["exit"] == 0
    assert second["restored_step"] == first["checkpoint_step"] and second["variables_verified"]
    assert second["checkpoint_step"] > first["checkpoint_step"]
    assert result["unit"] and result["paper_budget_units"] > 0
    import tensorflow as tf                    # the train command ran float32 with TF32 off
    assert result["precision"] == "float32" and not tf.config.experimental.tensor_float_32_execution_enabled()


@pytest.mark.data("babi")
def test_check_fails_when_the_resume_restores_other_values(tmp_path):
    """A checkpoint that restores values other than those saved (here: the marker's fingerprint
    no longer matches) makes the check fail instead of measuring on."""
    def tamper(run_dir):
        markers = sorted((run_dir / "checkpoints").glob("ckpt-*.complete.json"),
                         key=lambda p: int(p.name.split("-")[1].split(".")[0]))
        record = json.loads(markers[-1].read_text())
        record["fingerprint"] = "f" * 64
        markers[-1].write_text(json.dumps(record))

    result = _check("memn2n_babi", tmp_path, between_slices=tamper)
    assert not result["ok"]
    assert result["slice2"]["exit"] == 2 and "restored other values" in result["slice2"]["error"]
    assert "did not resume" in result["why"]


def test_paper_checks_change_no_size():
    """The check-only settings shorten schedules or the time per child; none is a model, batch,
    replay or data size of the paper profile."""
    sizes = ("batch", "hidden", "hops", "memory", "capacity", "threads", "size", "layers", "filters", "units")
    for name, check in paper_check.CHECKS.items():
        for key, (value, reason) in check.sets.items():
            assert reason, (name, key)
            assert not any(s in key for s in sizes) or key in ("epoch_size",), (name, key)


@pytest.mark.slow
@pytest.mark.data("babi", "ptb")
@pytest.mark.parametrize("name", ["dqn", "memn2n_babi", "memn2n_lm"])
def test_paper_size_check(name, tmp_path):
    """The real `paper` profile at full size (DQN: the 1M-transition replay, filled to replay
    start and checkpointed), one slice and its resume."""
    result = _check(name, tmp_path, profile="paper", seconds=90.0 if name == "dqn" else 45.0)
    assert result["ok"], result.get("why")
    assert result["seconds_per_unit"] and result["projected_hours_this_machine"] > 0
