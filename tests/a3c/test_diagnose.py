"""Mnih et al. 2016 (A3C): papers/a3c/diagnose.py counts dead units and state dependence."""

import json

import numpy as np
import pytest

from papers.a3c import diagnose, train
from papers.a3c.evaluate import EvalError
from papers.a3c.networks import build_network


def states(n=12, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 84, 84, 4), dtype=np.uint8)


def test_a_dead_first_layer_makes_everything_constant():
    net = build_network("ff", (84, 84, 4), 6)
    w, b = net.get_layer("conv1").get_weights()
    net.get_layer("conv1").set_weights([w, np.full_like(b, -100.0)])      # every channel negative
    h = diagnose.health(net, states())
    assert (h["conv1_units"], h["conv2_units"], h["fc_units"]) == (16, 32, 256)
    assert h["conv1_dead"] == 16 and h["conv1_zero_frac"] == 1.0 and h["conv1_state_std"] == 0.0
    assert h["conv2_state_std"] == 0.0 and h["fc_state_std"] == 0.0
    assert h["pi_state_std"] == pytest.approx(0.0, abs=1e-7) and h["v_state_std"] == pytest.approx(0.0, abs=1e-6)


def test_a_fresh_network_is_alive_and_near_uniform():
    h = diagnose.health(build_network("ff", (84, 84, 4), 6), states())
    assert h["conv1_dead"] < 16 and h["fc_dead"] < 256 and h["fc_state_std"] > 0
    assert 0 < h["entropy_mean"] <= np.log(6) + 1e-6


def test_diagnose_a_smoke_run_and_its_init(tmp_path, capsys):
    run_dir = tmp_path / "run"
    train.main(["--profile", "smoke", "--run-dir", str(run_dir)])
    trained = diagnose.main(["--run-dir", str(run_dir), "--states", "8"])
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == trained
    assert trained["checkpoint_env_frames"] >= 400
    fresh = diagnose.main(["--run-dir", str(run_dir), "--states", "8", "--init"])
    assert fresh["checkpoint_env_frames"] == 0 and fresh["v_mean"] != trained["v_mean"]
    with pytest.raises(EvalError, match="no config.json"):
        diagnose.main(["--run-dir", str(tmp_path / "none")])
