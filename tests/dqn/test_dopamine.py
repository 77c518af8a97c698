"""The `dopamine` profile (google/dopamine dqn.gin, the legacy TF agent of its published curves)
and the like-for-like comparison (papers/dqn/dopamine.py): values pinned to the gin file, ALE's
sticky actions, Dopamine's screen and network, TF1's RMSProp start, the target period in agent
steps, and Dopamine's grouping of training games into iterations."""

import json

import ale_py
import cv2
import numpy as np
import pytest
import tensorflow as tf

from common.config import apply_overrides, build
from common.errors import UserError
from papers.dqn import dopamine
from papers.dqn.agent import DQNAgent, make_optimizer, start_mean_square
from papers.dqn.config import PROFILES, NatureConfig
from papers.dqn.envs import make_env
from papers.dqn.networks import build_q_network


@pytest.fixture(scope="module")
def cfg():
    return build(NatureConfig, PROFILES, "dopamine")[0]


def test_profile_is_dqn_gin(cfg):
    # dopamine/tf/agents/dqn/configs/dqn.gin, line by line
    assert (cfg.gamma, cfg.replay_start, cfg.update_period) == (0.99, 20_000, 4)
    assert (cfg.target_update_period, cfg.target_update_unit) == (8_000, "agent_steps")
    assert (cfg.eps_start, cfg.eps_end, cfg.eps_decay_steps, cfg.eval_epsilon) == (1.0, 0.01, 250_000, 0.001)
    assert (cfg.optimizer, cfg.learning_rate, cfg.rms_decay, cfg.rms_epsilon) == (
        "deepmind_rmsprop", 2.5e-4, 0.95, 1e-5)
    assert cfg.rms_initial_mean_square == 1.0 and cfg.loss_reduction == "mean" and cfg.clip_delta == 1.0
    assert (cfg.replay_capacity, cfg.batch_size) == (1_000_000, 32)
    assert cfg.sticky_action_prob == 0.25 and cfg.noop_max == 0 and not cfg.terminal_on_life_loss
    assert cfg.train_episode_frames == 27_000 * 4 == cfg.eval_episode_frames
    assert cfg.total_agent_steps == 200 * 250_000
    assert (cfg.screen, cfg.network, cfg.precision) == ("dopamine", "dopamine", "float32")
    reasons = {k: v for k, v in PROFILES["dopamine"].reasons.items()}
    assert set(reasons) == set(PROFILES["dopamine"].overrides)        # every override has its source
    assert all("google/dopamine@" in r or "tensorflow/python/training/rmsprop.py" in r
               or "Dopamine" in r for r in reasons.values())


def test_sticky_actions_are_ales_own(cfg):
    env = make_env(cfg, seed=0, max_episode_frames=cfg.train_episode_frames)
    assert env.ale.getFloat("repeat_action_probability") == pytest.approx(0.25)
    nature = make_env(NatureConfig(), seed=0, max_episode_frames=1_000)
    assert nature.ale.getFloat("repeat_action_probability") == 0.0


def test_dopamine_screen_is_the_max_of_ale_grayscale_frames_area_resized(cfg):
    """Every frame equals INTER_AREA(max(gray of frame 3, gray of frame 4 of the repeat)),
    with the grayscale screens read from ALE (atari_lib.py AtariPreprocessing)."""
    env = make_env(apply_overrides(cfg, {"sticky_action_prob": 0.0}), seed=0, max_episode_frames=100_000)
    env.reset()
    rng = np.random.default_rng(1)
    for _ in range(30):
        action = int(rng.integers(env.n_actions))
        saved = env.ale.cloneState()
        grays = []
        for _ in range(4):
            env.ale.act(ale_py.Action[env.action_meanings[action]])
            grays.append(env.ale.getScreenGrayscale())
        env.ale.restoreState(saved)
        out = env.step(action)
        expected = cv2.resize(np.maximum(grays[-2], grays[-1]), (84, 84), interpolation=cv2.INTER_AREA)
        np.testing.assert_array_equal(out.frame, expected)


def test_dopamine_network_pads_same_and_uses_keras_initialisers(cfg):
    net = build_q_network(cfg, 6, (84, 84, 4))
    # 'same' padding: 84 -> 21 -> 11 -> 11; the fc layer sees 11 * 11 * 64 = 7,744 inputs
    assert net.get_layer("conv1").output.shape[1:] == (21, 21, 32)
    assert net.get_layer("conv3").output.shape[1:] == (11, 11, 64)
    assert net.get_layer("fc").get_weights()[0].shape == (7_744, 512)
    assert all(not np.any(net.get_layer(n).get_weights()[1]) for n in ("conv1", "fc", "q"))   # zero biases
    kernel = net.get_layer("fc").get_weights()[0]
    glorot = np.sqrt(6.0 / (7_744 + 512))
    assert np.abs(kernel).max() <= glorot and np.abs(kernel).max() > 0.9 * glorot


def test_tf1_rmsprop_starts_its_mean_square_at_one_by_hand():
    """TF1 RMSPropOptimizer(centered): ms = 1 at the start; ms = .95 ms + .05 g^2, mg = .95 mg + .05 g,
    w -= lr g / sqrt(ms - mg^2 + eps)."""
    cfg = apply_overrides(NatureConfig(), {"rms_epsilon": 1e-5, "rms_initial_mean_square": 1.0})
    opt = make_optimizer(cfg)
    w = tf.Variable([1.0, -2.0])
    opt.build([w])
    start_mean_square(opt, cfg.rms_initial_mean_square)
    opt.apply([tf.constant([0.5, -1.0])], [w])
    # ms = .95 + .05 * (0.25, 1) = (0.9625, 1.0); mg = (0.025, -0.05)
    # w = 1 - 2.5e-4 * 0.5 / sqrt(0.9625 - 0.000625 + 1e-5), -2 + 2.5e-4 / sqrt(1.0 - 0.0025 + 1e-5)
    np.testing.assert_allclose(w.numpy(), [1 - 1.25e-4 / np.sqrt(0.961885), -2 + 2.5e-4 / np.sqrt(0.99751)],
                               rtol=0, atol=1e-7)


def test_target_period_in_agent_steps_leaves_the_update_alone(cfg):
    """With target_update_unit=agent_steps the update never syncs (the training loop does, every
    C agent steps); with updates it syncs every C updates."""
    small = apply_overrides(cfg, {"batch_size": 4, "target_update_period": 2, "network": "nature"})
    rng = np.random.default_rng(0)
    batch = (rng.integers(0, 256, (4, 4, 84, 84)).astype(np.uint8), np.array([0, 1, 2, 0], np.int32),
             np.ones(4, np.float32), rng.integers(0, 256, (4, 4, 84, 84)).astype(np.uint8), np.zeros(4, bool))
    for unit, synced in (("agent_steps", False), ("updates", True)):
        agent = DQNAgent(apply_overrides(small, {"target_update_unit": unit}), 3, (84, 84, 4), np.uint8)
        for _ in range(2):
            agent.train_step(batch)
        same = np.array_equal(agent.target.get_layer("q").get_weights()[0],
                              agent.online.get_layer("q").get_weights()[0])
        assert same == synced


def _games(ends, frames=3_000):
    return [{"agent_steps": str(e), "return": str(-21 + i), "frames": str(frames)} for i, e in enumerate(ends)]


def test_iterations_run_to_the_end_of_the_game_that_crosses_250k_steps():
    its = dopamine.iterations(_games([100_000, 200_000, 260_000, 400_000, 520_000, 600_000]))
    # iteration 0: games ending at 100k, 200k, 260k (260k - 0 >= 250k closes it)
    # iteration 1: from 260k: 400k (140k), 520k (260k >= 250k closes it); iteration 2: unfinished
    assert [(i["games"], i["complete"], i["end_agent_steps"]) for i in its] == [
        (3, True, 260_000), (2, True, 520_000), (1, False, 600_000)]
    assert its[0]["mean_return"] == pytest.approx(-20.0) and its[1]["mean_return"] == pytest.approx(-17.5)
    assert dopamine.iterations(_games([300_000], frames=108_000))[0]["capped"] == 1


def _run_dir(tmp_path, name, profile, ends):
    d = tmp_path / name
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"profile": profile, "seed": 0}))
    rows = _games(ends)
    (d / "episodes.csv").write_text("agent_steps,env_frames,return,frames\n" + "".join(
        f"{r['agent_steps']},{4 * int(r['agent_steps'])},{r['return']},{r['frames']}\n" for r in rows))
    # metrics are logged on a period: the last row can be older than the last game
    logged = ends[-1] - ends[-1] % 100_000
    (d / "metrics.csv").write_text(f"agent_steps,env_frames\n{logged},{4 * logged}\n")
    return d


def test_comparison_uses_only_iterations_every_seed_completed(tmp_path):
    a = _run_dir(tmp_path, "a", "dopamine", [250_000, 500_000])
    b = _run_dir(tmp_path, "b", "dopamine", [250_000, 400_000])
    c = dopamine.collect([a, b], 4)
    assert [r["iteration"] for r in c["compared"]] == [0]
    row = c["compared"][0]
    assert row["ours_mean"] == pytest.approx(-21.0)
    pub = dopamine.published(1)[0]
    assert row["inside"] == (pub["min"] <= -21.0 <= pub["max"])
    ev = dopamine.evidence(c)
    assert ev["dopamine_pong_seeds"] == 2 and ev["dopamine_pong_env_frames_min"] == 1_600_000
    assert "1 of 1" in dopamine.render(c, None) or "0 of 1" in dopamine.render(c, None)
    assert dopamine.headline(c) == (
        f"Pong like for like with Dopamine's DQN (2 seeds, at least 1.60M frames each): our seed mean "
        f"inside Dopamine's 5-seed range in {int(row['inside'])} of 1 iterations (4 planned)")
    late = _run_dir(tmp_path, "late", "dopamine", [250_000, 430_000])     # metrics logged at 400k
    assert dopamine.collect([late], 4)["runs"][0]["env_frames"] == 1_720_000
    unfinished = _run_dir(tmp_path, "u", "dopamine", [100_000])
    assert dopamine.headline(dopamine.collect([unfinished], 4)) is None    # nothing compared yet
    with pytest.raises(UserError, match="not a --profile dopamine run"):
        dopamine.collect([_run_dir(tmp_path, "n", "nature", [10])], 4)


def test_command_writes_results_evidence_and_the_readme_block(tmp_path):
    a = _run_dir(tmp_path, "a", "dopamine", [250_000, 400_000])
    results = tmp_path / "results"
    results.mkdir()
    (results / "evidence.json").write_text(json.dumps({"commit": "x"}))
    readme = tmp_path / "README.md"
    readme.write_text("top\n<!-- GENERATED:dopamine (python -m papers.dqn.dopamine) -->\nold\n"
                      "<!-- /GENERATED:dopamine -->\nbottom\n")
    assert dopamine.main([str(a), "--results", str(results), "--readme", str(readme)]) == 0
    ev = json.loads((results / "evidence.json").read_text())
    assert ev["commit"] == "x" and ev["dopamine_pong_seeds"] == 1 and len(ev["dopamine_pong_iterations"]) == 1
    text = readme.read_text()
    assert "old" not in text and "| 0 | -21.00 |" in text and "](../../results/dqn/dopamine_pong.png)" in text
    assert (results / "dopamine_pong.png").stat().st_size > 0
