"""Smoke runs of `python -m papers.dqn.train` and `python -m papers.dqn.evaluate` that check the run
directory, resume (every restored weight, optimizer slot and replay slot), the replay alignment of
the train loop, the Double-DQN and dueling variants, bad input, and the CartPole algorithm check
(slow)."""

import csv
import json
import math
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from common.atari import AtariError
from common.run import Run, RunDirError
from papers.dqn import agent as agent_module
from papers.dqn import envs as envs_module
from papers.dqn import evaluate, train
from papers.dqn import replay as replay_module


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_smoke_train_then_evaluate_writes_the_run_dir(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) == 0
    for name in ("config.json", "deviations.json", "command.txt", "versions.json", "metrics.csv",
                 "eval.csv", "summary.json", "DONE"):
        assert (run_dir / name).exists(), name
    metrics = _rows(run_dir / "metrics.csv")
    assert list(metrics[0])[:4] == ["agent_steps", "env_frames", "updates", "wall_time"]
    last = metrics[-1]
    assert int(last["agent_steps"]) == 300
    assert int(last["env_frames"]) >= 4 * 300            # action repeat 4 (+ no-op starts)
    assert int(last["updates"]) == (300 - 100) // 4      # every 4 agent steps after replay start
    assert math.isfinite(float(last["loss"]))
    assert float(metrics[0]["epsilon"]) == 1.0 and float(last["epsilon"]) == pytest.approx(0.1)
    assert [int(r["agent_steps"]) for r in _rows(run_dir / "eval.csv")] == [200, 300]
    marker = json.loads((run_dir / "checkpoints" / "ckpt-300.complete.json").read_text())
    assert {"rng", "env_frames", "episodes"} <= set(marker["state"])
    assert (run_dir / "checkpoints" / "ckpt-300.files" / "replay" / "meta.json").exists()
    assert "replay memory: 1,000 transitions" in capsys.readouterr().out

    assert evaluate.main(["--run-dir", str(run_dir), "--episodes", "2", "--max-frames", "300"]) == 0
    rows = _rows(run_dir / "evaluation" / "eval.csv")
    assert len(rows) == 2 and all(int(r["env_frames"]) <= 300 for r in rows)
    summary = json.loads((run_dir / "evaluation" / "eval_summary.json").read_text())
    assert summary["agent_steps"] == 300 and summary["episodes"] == 2
    # re-running a finished run does nothing
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) == 0


@pytest.fixture
def built(monkeypatch):
    """The agents and replay memories that train() builds, newest last."""
    made = {"agents": [], "replays": []}

    class RecordedAgent(agent_module.DQNAgent):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made["agents"].append(self)

    class RecordedReplay(replay_module.ReplayMemory):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made["replays"].append(self)

    monkeypatch.setattr(agent_module, "DQNAgent", RecordedAgent)
    monkeypatch.setattr(replay_module, "ReplayMemory", RecordedReplay)
    return made


def _learner_state(agent, replay) -> dict:
    """Copies of everything a resume must bring back: online and target weights, optimizer
    slots and iteration count, the update counter, the written replay slots and cursor."""
    state = {f"online/{i}": w for i, w in enumerate(agent.online.get_weights())}
    state |= {f"target/{i}": w for i, w in enumerate(agent.target.get_weights())}
    state |= {f"optimizer/{v.name}": np.array(v) for v in agent.optimizer.variables}
    state["updates"] = agent.updates.numpy()
    n = replay.count
    state |= {"replay/obs": replay.obs[:n].copy(), "replay/action": replay.action[:n].copy(),
              "replay/reward": replay.reward[:n].copy(), "replay/terminal": replay.terminal[:n].copy(),
              "replay/episode_end": replay.episode_end[:n].copy(),
              "replay/cursor": np.array([replay.cursor, replay.count])}
    return state


def test_resume_restores_networks_optimizer_slots_and_replay(tmp_path, built, monkeypatch):
    """A SIGTERM at agent step 200 (25 updates in, 5 after the last target sync) saves and stops;
    re-running the command restores, in a fresh agent and replay memory, exactly the weights,
    optimizer slots and replay contents the stopped process held, then finishes the run."""
    run_dir = tmp_path / "run"
    args = ["--profile", "smoke", "--run-dir", str(run_dir)]
    at_stop, at_resume = {}, {}
    exit_if_interrupted, restore = Run.exit_if_interrupted, Run.restore

    def sigterm_at_200(run, step, state=None, save_files=None, time_box=True):
        if step == 200:
            at_stop.update(_learner_state(built["agents"][-1], built["replays"][-1]), rng=state["rng"])
            run._on_signal(signal.SIGTERM, None)          # as if the signal arrived in this step
        return exit_if_interrupted(run, step, state, save_files, time_box)

    def restore_and_record(run, load_files=None):
        step, state = restore(run, load_files)
        at_resume.update(_learner_state(built["agents"][-1], built["replays"][-1]), rng=state["rng"])
        return step, state

    monkeypatch.setattr(Run, "exit_if_interrupted", sigterm_at_200)
    with pytest.raises(SystemExit) as e:
        train.main(args)
    assert e.value.code == 128 + signal.SIGTERM
    monkeypatch.setattr(Run, "exit_if_interrupted", exit_if_interrupted)
    monkeypatch.setattr(Run, "restore", restore_and_record)
    assert train.main(args) == 0
    assert len(built["agents"]) == 2 and built["agents"][0] is not built["agents"][1]

    # what was saved is a learner in mid-run, not a fresh one
    assert at_stop["updates"] == (200 - 100) // 4
    assert not all(np.array_equal(at_stop[f"online/{i}"], at_stop[f"target/{i}"])
                   for i in range(len(built["agents"][0].online.weights)))
    optimizer = built["agents"][0].optimizer.variables
    assert sum(k.startswith("optimizer/") for k in at_stop) == len(optimizer)   # one key each
    velocities = [v for k, v in at_stop.items() if k.endswith("_velocity")]      # RMSProp's g2
    assert len(velocities) == len(built["agents"][0].online.weights) and all(np.any(v) for v in velocities)
    assert at_stop["replay/cursor"].tolist() == [200, 200]
    # and the resumed process holds exactly it
    assert at_resume.keys() == at_stop.keys()
    for key in at_stop:
        np.testing.assert_array_equal(at_resume[key], at_stop[key], err_msg=key)

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["agent_steps"] == 300
    assert summary["updates"] == (300 - 100) // 4
    steps = [int(r["agent_steps"]) for r in _rows(run_dir / "metrics.csv")]
    assert steps == [50, 100, 150, 200, 250, 300]            # one continuous curve
    assert len((run_dir / "command.txt").read_text().splitlines()) == 2


def test_bad_input_raises_a_user_error(tmp_path):
    """In-process, main raises; `python -m` prints the one line (tests/common/test_entry_points.py)."""
    with pytest.raises(AtariError, match="unknown Atari game 'pongg'"):
        train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "r"), "--set", "env=pongg"])
    with pytest.raises(RunDirError, match="config.json not found"):
        evaluate.main(["--run-dir", str(tmp_path / "nothing")])
    with pytest.raises(SystemExit) as e:
        train.main(["--profile", "smoke", "--set", "gamma=high"])
    assert e.value.code == 2


@pytest.mark.slow
def test_cartpole_is_solved_within_50k_agent_steps(tmp_path):
    """Algorithm check: the same agent, replay and loss with a 64-64 MLP reach a mean return
    >= 195 over 100 evaluation episodes within the cartpole profile's 50,000 agent steps."""
    run_dir = tmp_path / "cartpole"
    assert train.main(["--profile", "cartpole", "--run-dir", str(run_dir)]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["solved_at_agent_steps"] is not None
    assert summary["solved_at_agent_steps"] <= 50_000
    best = max(float(r["eval_return"]) for r in _rows(run_dir / "eval.csv"))
    assert best >= 195.0
    assert int(_rows(run_dir / "eval.csv")[-1]["eval_episodes"]) == 100


def test_same_seed_same_curve(tmp_path):
    """Determinism: two smoke runs with one seed log the same metrics (wall time aside)."""
    curves = []
    for name in ("a", "b"):
        run_dir = tmp_path / name
        assert train.main(["--profile", "smoke", "--run-dir", str(run_dir), "--seed", "3",
                           "--deterministic", "--set", "precision=float32",
                           "--set", "save_replay=false", "--set", "total_agent_steps=160",
                           "--set", "checkpoint_period=1000"]) == 0
        curves.append([{k: v for k, v in r.items() if k != "wall_time"}
                       for r in _rows(run_dir / "metrics.csv")])
    assert curves[0] == curves[1]
    assert any(r["loss"] != "nan" for r in curves[0])


def test_a_diverging_run_keeps_its_last_good_checkpoint(tmp_path):
    """`python -m papers.dqn.train` with a learning rate of 1e30: the first updates (after the
    100 random steps) make the loss nan; the run stops at the next log row (step 150) with one
    line and exit 2, and its newest checkpoint stays the one of step 100, with finite weights."""
    run_dir = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "papers.dqn.train", "--profile", "smoke", "--run-dir", str(run_dir),
                           "--set", "learning_rate=1e30", "--set", "checkpoint_period=100"],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "error: loss became nan at agent_steps 150 (the last good checkpoint is agent_steps 100; nothing after "
        "it was saved); the run diverged: start a new run with a lower learning rate (learning_rate is 1e+30;")
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in (run_dir / "checkpoints").glob("*.complete.json")) == ["ckpt-100.complete.json"]
    reader = tf.train.load_checkpoint(str(run_dir / "checkpoints" / "ckpt-100"))
    floats = [name for name, dtype in reader.get_variable_to_dtype_map().items() if dtype.is_floating]
    assert floats and all(np.isfinite(reader.get_tensor(name)).all() for name in floats)
    assert [int(r["agent_steps"]) for r in _rows(run_dir / "metrics.csv")] == [50, 100]   # no row of nan


def test_smoke_run_with_double_q_and_dueling(tmp_path):
    """Both later variants on (van Hasselt 2016 targets, Wang 2016 head): the run trains with
    finite losses, records them as deviations, and evaluate.py rebuilds the dueling network."""
    run_dir = tmp_path / "run"
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir),
                       "--set", "double_q=true", "--set", "dueling=true"]) == 0
    for name in ("config.json", "deviations.json", "metrics.csv", "eval.csv", "summary.json", "DONE"):
        assert (run_dir / name).exists(), name
    config = json.loads((run_dir / "config.json").read_text())["config"]
    assert config["double_q"] is True and config["dueling"] is True
    devs = {d["field"]: d for d in json.loads((run_dir / "deviations.json").read_text())}
    assert (devs["double_q"]["paper"], devs["dueling"]["paper"]) == (False, False)
    losses = [float(r["loss"]) for r in _rows(run_dir / "metrics.csv") if int(r["agent_steps"]) > 100]
    assert len(losses) == 4 and all(math.isfinite(x) for x in losses)
    assert json.loads((run_dir / "summary.json").read_text())["updates"] == (300 - 100) // 4
    assert evaluate.main(["--run-dir", str(run_dir), "--episodes", "1", "--max-frames", "200"]) == 0


class _RecordedEnv:
    """An environment that logs what the agent saw: ("reset", frame) and ("step", a, AtariStep)."""

    def __init__(self, env, log: list):
        self._env, self._log = env, log

    def reset(self):
        frame = self._env.reset()
        self._log.append(("reset", frame.copy()))
        return frame

    def step(self, action):
        out = self._env.step(action)
        self._log.append(("step", action, out._replace(frame=out.frame.copy())))
        return out

    def __getattr__(self, name):
        return getattr(self._env, name)


def test_replay_slot_t_holds_s_t_a_t_r_t_and_whether_the_step_from_s_t_was_terminal(tmp_path, built,
                                                                                     monkeypatch):
    """The train loop's replay alignment (replay.py's layout), checked against what the
    environment returned, on Breakout (5 lives) with a 200-step frame cap: slot t holds the newest
    frame of s_t, a_t and the clipped r_t; terminal[t] says whether the step from s_t lost a life
    or ended the game (Nature: a life loss is terminal for the learner), i.e. that s_{t+1} is
    terminal; episode_end[t] also marks the frame cap."""
    log, make_env = [], envs_module.make_env
    monkeypatch.setattr(envs_module, "make_env", lambda *a, **k: _RecordedEnv(make_env(*a, **k), log))
    assert train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "run"), "--set", "env=breakout",
                       "--set", "train_episode_frames=800", "--set", "total_agent_steps=400",
                       "--set", "save_replay=false"]) == 0
    expected, newest = [], None
    for entry in log:
        if entry[0] == "reset":
            newest = entry[1]
            continue
        _, a, out = entry
        terminal = out.game_over or out.life_lost
        expected.append((newest, a, np.clip(out.reward, -1, 1), terminal, terminal or out.truncated))
        newest = out.frame
    replay = built["replays"][0]
    assert replay.count == len(expected) == 400
    np.testing.assert_array_equal(replay.obs[:400], np.stack([e[0] for e in expected]))
    for i, name in enumerate(("action", "reward", "terminal", "episode_end"), start=1):
        np.testing.assert_array_equal(getattr(replay, name)[:400], [e[i] for e in expected], err_msg=name)
    steps = [e[2] for e in log if e[0] == "step"]
    # the run met every case: lives lost, a game over, the frame cap
    assert sum(o.life_lost for o in steps) >= 2
    assert sum(o.game_over for o in steps) >= 1 and sum(o.truncated for o in steps) >= 1
