"""papers/dqn/bench_peer.py: the alternation, the medians and the ratio, the settings it shares
with benchmark.py, its one-line errors; SB3's side itself only where .venv-peer exists (make
bench-peer builds it; make test never does)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from common.errors import UserError
from papers.dqn import bench_peer
from papers.dqn.config import NatureConfig

ROOT = Path(__file__).resolve().parent.parent.parent
PEER = ROOT / bench_peer.PEER_PYTHON


def test_side_order_alternates_starting_with_ours():
    assert [bench_peer.side_order(i) for i in range(4)] == [
        ("ours", "sb3"), ("sb3", "ours"), ("ours", "sb3"), ("sb3", "ours")]


def test_summarize_medians_and_ratio_by_hand():
    # ours agent steps/s 300, 250, 280 -> median 280; SB3 100, 120, 90 -> median 100; 280/100 = 2.8.
    # frames/s: ours 1204, 1000, 1120 -> median 1120 (benchmark.py counts no-op starts, so not
    # 4 x 280); SB3 400, 480, 360 -> median 400. Medians are per side, not of per-round ratios
    # (3.0, 2.08, 3.11 -> 3.0).
    rounds = [{"ours_agent_steps_per_s": 300, "ours_env_frames_per_s": 1204,
               "sb3_agent_steps_per_s": 100, "sb3_env_frames_per_s": 400},
              {"ours_agent_steps_per_s": 250, "ours_env_frames_per_s": 1000,
               "sb3_agent_steps_per_s": 120, "sb3_env_frames_per_s": 480},
              {"ours_agent_steps_per_s": 280, "ours_env_frames_per_s": 1120,
               "sb3_agent_steps_per_s": 90, "sb3_env_frames_per_s": 360}]
    out = bench_peer.summarize(rounds)
    assert out["loop_env_frames_per_s"] == 1120
    assert out["sb3_loop_env_frames_per_s"] == 400
    assert out["loop_agent_steps_per_s"] == 280
    assert out["sb3_loop_agent_steps_per_s"] == 100
    assert out["loop_vs_sb3_ratio"] == 2.8


def test_summarize_ratio_uses_agent_steps_not_frames():
    # ours 1,030 frames/s from 250 agent steps/s (30 frames of no-op starts); SB3 1,000 frames/s
    # = 4 x 250: the same speed, ratio 1.0, where frames would say 1.03
    out = bench_peer.summarize([{"ours_agent_steps_per_s": 250, "ours_env_frames_per_s": 1030,
                                 "sb3_agent_steps_per_s": 250, "sb3_env_frames_per_s": 1000}])
    assert out["loop_vs_sb3_ratio"] == 1.0


def test_sb3_env_id():
    assert bench_peer.sb3_env_id("pong") == "PongNoFrameskip-v4"
    assert bench_peer.sb3_env_id("space_invaders") == "SpaceInvadersNoFrameskip-v4"


def test_sb3_target_interval_is_nature_10000_updates_in_env_steps():
    assert bench_peer._sb3_target_interval(NatureConfig()) == 10_000 * 4


def test_replay_size_matches_benchmark_loop():
    # SB3's buffer_size must stay the size of benchmark.py's loop replay
    source = (ROOT / "papers/dqn/benchmark.py").read_text()
    sizes = re.findall(r"replay = ReplayMemory\(([\d_]+)\)", source)
    assert [int(s) for s in sizes] == [bench_peer.LOOP_REPLAY_CAPACITY]


@pytest.mark.parametrize("steps,starts,warmup", [(4_001, 1_000, 200), (4_000, 1_000, 201)])
def test_window_off_the_update_period_is_a_user_error(steps, starts, warmup):
    with pytest.raises(UserError, match="multiples of the update period, 4 agent steps"):
        bench_peer.check_window(steps, starts, warmup, 4)
    bench_peer.check_window(4_000, 1_000, 200, 4)            # the defaults pass


def test_missing_peer_venv_names_make_bench_peer(tmp_path):
    with pytest.raises(UserError, match="run make bench-peer"):
        bench_peer.main(["--peer-python", str(tmp_path / "nope" / "python"), "--rounds", "1"])


def test_missing_peer_venv_cli_is_one_line_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "papers.dqn.bench_peer", "--peer-python",
                           str(tmp_path / "python")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "make bench-peer" in lines[0]


def test_a_sides_user_error_is_relayed_and_a_crash_is_not():
    says = "import sys; print('error: no such game; pick another', file=sys.stderr); sys.exit(2)"
    with pytest.raises(UserError, match="^SB3's side: no such game; pick another$"):
        bench_peer._run([sys.executable, "-c", says], "SB3's side")
    with pytest.raises(RuntimeError, match="exit 1"):
        bench_peer._run([sys.executable, "-c", "raise ValueError('bug')"], "SB3's side")


@pytest.mark.skipif(not PEER.exists(),
                    reason=f"{bench_peer.PEER_VENV} absent (make bench-peer builds it)")
def test_sb3_side_times_exactly_its_window(tmp_path):
    # 8 random steps, 8 learning steps (2 updates) untimed, then 16 timed steps = 4 updates
    out = tmp_path / "sb3.json"
    subprocess.run([str(PEER), "-m", "papers.dqn.bench_peer", "--side", "sb3", "--steps", "16",
                    "--sb3-learning-starts", "8", "--sb3-warmup-steps", "8", "--threads", "1",
                    "--json", str(out)], cwd=ROOT, check=True, capture_output=True)
    r = json.loads(out.read_text())
    assert (r["sb3_timed_agent_steps"], r["sb3_timed_updates"]) == (16, 4)
    assert r["sb3_seconds"] > 0
    assert r["sb3_env_frames_per_s"] == pytest.approx(4 * r["sb3_agent_steps_per_s"], rel=0.02)
    s = r["sb3_settings"]
    assert (s["batch_size"], s["train_freq"]) == (32, 4)
    assert s["buffer_size"] == bench_peer.LOOP_REPLAY_CAPACITY
    assert s["exploration_initial_eps"] == s["exploration_final_eps"] == 0.1
    assert r["versions"]["torch"].endswith("+cpu")
