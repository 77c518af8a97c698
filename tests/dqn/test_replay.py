"""replay.py: frames stored once, stacks rebuilt at sample time, never across an episode end or the
write cursor, and a save/load round trip."""

import numpy as np
import pytest

from papers.dqn.replay import ReplayError, ReplayMemory


def _frame(i):
    """A frame whose every pixel is its slot's id (1-based, so 0 means 'zero padding')."""
    return np.full((84, 84), i, np.uint8)


def _fill(mem, n, ends=(), terminals=()):
    for i in range(n):
        mem.add(_frame(i + 1), action=i % 3, reward=float(i), terminal=i in terminals,
                episode_end=i in ends or i in terminals)


def _ids(stacks):
    return stacks[:, :, 0, 0]          # (B, 4): the frame id of each history slot


def test_memory_is_one_frame_per_transition():
    mem = ReplayMemory(1_000_000)
    assert mem.obs.shape == (1_000_000, 84, 84)
    assert 84 * 84 <= mem.bytes_per_transition <= 7_200
    assert "7.06 GB" in mem.describe()


def test_stacks_zero_frames_from_before_the_episode_start():
    mem = ReplayMemory(100)
    _fill(mem, 10, terminals={4})          # episode A: slots 0..4, episode B: slots 5..9
    # s_2 = (pad, o1, o2, o3): slot -1 is before the first episode
    np.testing.assert_array_equal(_ids(mem.states(np.array([2]))), [[0, 1, 2, 3]])
    # s_6 starts an episode at slot 5: (0, 0, o6, o7), never o4/o5 from episode A
    np.testing.assert_array_equal(_ids(mem.states(np.array([6]))), [[0, 0, 6, 7]])
    s, a, r, s2, term = mem.sample(64, np.random.default_rng(0))
    assert s.shape == s2.shape == (64, 4, 84, 84) and s.dtype == np.uint8
    for state in np.concatenate([_ids(s), _ids(s2)]):
        nonzero = state[state > 0]
        assert np.all(np.diff(nonzero) == 1)                      # consecutive frames
        assert not (nonzero.min() <= 5 < nonzero.max())           # never spans slots 4 | 5


def test_never_samples_the_newest_slot_or_a_cut_episode_end():
    mem = ReplayMemory(100)
    _fill(mem, 20, ends={7})               # slot 7 ends an episode without a terminal (frame cap)
    valid = mem.valid(np.arange(100))
    assert not valid[19]                   # newest: its next frame is not written yet
    assert not valid[7]                    # truncated: its next state was never stored
    assert not valid[20:].any()            # never written
    assert valid[[0, 6, 8, 18]].all()
    t = mem.sample_indices(2_000, np.random.default_rng(1))
    assert not np.isin(t, [7, 19]).any() and t.max() < 19


def test_after_wrapping_stacks_never_cross_the_write_cursor():
    mem = ReplayMemory(50)
    _fill(mem, 130)                        # cursor at slot 30; slot 29 is the newest
    assert mem.count == 50 and mem.cursor == 30
    valid = mem.valid(np.arange(50))
    assert not valid[[29, 30, 31, 32]].any()   # newest, and stacks reaching back behind the cursor
    assert valid[33] and valid[28]
    s, _, r, s2, _ = mem.sample(500, np.random.default_rng(2))
    for state in np.concatenate([_ids(s), _ids(s2)]).astype(int):
        assert np.all(np.diff(state) == 1)   # ids 81..130 are contiguous in time
    # the reward stored with slot t matches its frame: r = id - 1
    t = mem.sample_indices(100, np.random.default_rng(3))
    np.testing.assert_array_equal(mem.reward[t], _ids(mem.states(t))[:, -1] - 1.0)


def test_terminal_flag_and_next_state_line_up():
    mem = ReplayMemory(100)
    _fill(mem, 12, terminals={5})
    s, a, r, s2, term = mem.sample(300, np.random.default_rng(4))
    last = _ids(s)[:, -1]
    np.testing.assert_array_equal(term, last == 6)                  # slot 5 holds frame id 6
    np.testing.assert_array_equal(_ids(s2)[~term, -1], last[~term] + 1)
    np.testing.assert_array_equal(a, (last - 1) % 3)


def _random_fill(mem, n, rng):
    """n transitions of random frames, actions, rewards and episode ends."""
    for _ in range(n):
        terminal = rng.random() < 0.01
        mem.add(rng.integers(0, 256, mem.obs_shape, np.uint8), int(rng.integers(18)),
                float(rng.choice([-1.0, 0.0, 1.0])), terminal, terminal or rng.random() < 0.002)


@pytest.mark.parametrize("written", [3_210, 12_345])       # partly filled; wrapped twice
def test_save_load_round_trip(tmp_path, written):
    mem = ReplayMemory(5_000)
    _random_fill(mem, written, np.random.default_rng(written))
    mem.save(tmp_path / "replay")
    assert sorted(p.name for p in (tmp_path / "replay").iterdir()) == [
        "action.npy", "episode_end.npy", "meta.json", "obs.npy", "reward.npy", "terminal.npy"]
    assert not (tmp_path / "replay.partial").exists()
    back = ReplayMemory(5_000)
    back.load(tmp_path / "replay")
    assert (back.cursor, back.count) == (mem.cursor, mem.count) == (written % 5_000, min(written, 5_000))
    for name in ("obs", "action", "reward", "terminal", "episode_end"):
        np.testing.assert_array_equal(getattr(back, name), getattr(mem, name))
    a = mem.sample(32, np.random.default_rng(5))
    b = back.sample(32, np.random.default_rng(5))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_save_replaces_an_older_save_and_load_refuses_another_memory(tmp_path):
    mem = ReplayMemory(40)
    _fill(mem, 57, terminals={10, 33}, ends={20})
    (tmp_path / "replay.partial").mkdir()                   # left by an interrupted save
    mem.save(tmp_path / "replay")
    _fill(mem, 5)
    mem.save(tmp_path / "replay")                           # over the first save
    back = ReplayMemory(40)
    back.load(tmp_path / "replay")
    assert (back.cursor, back.count) == (22, 40)
    np.testing.assert_array_equal(back.obs, mem.obs)
    with pytest.raises(ReplayError, match="capacity 40"):
        ReplayMemory(41).load(tmp_path / "replay")
    obs = tmp_path / "replay" / "obs.npy"
    obs.write_bytes(obs.read_bytes()[:-100])                # a truncated file
    with pytest.raises(ReplayError, match="ends after"):
        ReplayMemory(40).load(tmp_path / "replay")


def test_end_episode_cuts_the_newest_transition():
    mem = ReplayMemory(100)
    _fill(mem, 10)
    mem.end_episode()                      # a resumed run starts a new game
    _fill(mem, 3)
    assert not mem.valid(np.array([9]))[0]
    np.testing.assert_array_equal(_ids(mem.states(np.array([11]))), [[0, 0, 1, 2]])   # slots 10, 11 hold ids 1, 2


def test_cartpole_vectors_stack_on_the_last_axis():
    mem = ReplayMemory(20, obs_shape=(4,), obs_dtype=np.float32, history=1)
    for i in range(10):
        mem.add(np.full(4, i, np.float32), 0, 1.0, False, False)
    s, _, _, s2, _ = mem.sample(8, np.random.default_rng(6))
    assert s.shape == (8, 1, 4)
    np.testing.assert_array_equal(s2[:, 0, 0], s[:, 0, 0] + 1)


def test_replay_checkpoint_benchmark_runs_and_cleans_up(tmp_path):
    from papers.dqn.benchmark import measure_replay_checkpoint
    out = measure_replay_checkpoint(tmp_path, capacity=2_000)
    assert out["replay_size_gb_1m"] == pytest.approx(2_000 * 7_063 / 1e9, abs=1e-3)
    # the loading process holds at least the memory itself (its peak is measured, not guessed)
    assert out["replay_load_peak_rss_gb_1m"] > out["replay_size_gb_1m"]
    assert out["replay_save_seconds_1m"] >= 0 and list(tmp_path.iterdir()) == []
