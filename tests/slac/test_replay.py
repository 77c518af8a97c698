"""papers/slac/replay.py: SLAC's sequence replay never returns a window that crosses an episode
end or the write cursor, and round-trips through a checkpoint."""

import numpy as np

from papers.slac.replay import SequenceReplay


def fill(replay, episode_lengths, start=0):
    """Episodes whose frames carry (episode, step) so windows can be checked."""
    value = start
    for ep, length in enumerate(episode_lengths):
        for t in range(length):
            replay.add(np.full((2, 2, 3), value % 256, np.uint8), [float(ep)], float(t), 1.0)
            value += 1
        replay.end_episode(np.full((2, 2, 3), value % 256, np.uint8))
        value += 1


def test_windows_stay_inside_one_episode():
    replay = SequenceReplay(1000, (2, 2, 3), 1, window=9)
    fill(replay, [3, 12, 8, 20, 9])      # the 3-step episode holds no window (4 entries)
    rng = np.random.default_rng(0)
    batch = replay.sample(500, rng)
    actions = batch["actions"][..., 0]
    frames = batch["images"][:, :, 0, 0, 0].astype(int)
    # all steps of a window belong to one episode (the final frame carries action 0, so check
    # the first 8), and frames are consecutive entries
    assert (actions[:, :8] == actions[:, :1]).all()
    assert (np.diff(frames, axis=1) == 1).all()
    # rewards count steps within the episode: consecutive, starting >= 0
    assert (np.diff(batch["rewards"][:, :8], axis=1) == 1).all()
    # episode 0 (3 steps + final frame) holds no window; episode 2 (8 + 1 entries) exactly one
    assert set(np.unique(actions[:, 0])) == {1.0, 2.0, 3.0, 4.0}
    assert (frames[actions[:, 0] == 2.0, 0] == frames[actions[:, 0] == 2.0, 0][0]).all()


def test_valid_starts_reject_episode_end_and_cursor():
    replay = SequenceReplay(30, (2, 2, 3), 1, window=9)
    fill(replay, [10, 25])                # wraps: capacity 30 < 37 entries written
    starts = np.arange(30)
    valid = replay.valid_starts(starts)
    idx = (starts[:, None] + np.arange(9)) % 30
    stamps = replay.stamp[idx]
    episodes = replay.episode[idx]
    expected = (episodes == episodes[:, :1]).all(1) & (np.diff(stamps, axis=1) == 1).all(1)
    np.testing.assert_array_equal(valid, expected)
    # the cursor sits at 37 % 30 = 7: no valid window may contain both index 6 and index 7
    assert not valid[(np.arange(30) <= 6) & (np.arange(30) + 8 >= 7)].any()
    assert valid.any()


def test_save_load_roundtrip_and_new_episode(tmp_path):
    replay = SequenceReplay(100, (2, 2, 3), 1, window=9)
    fill(replay, [12, 15])
    replay.add(np.zeros((2, 2, 3), np.uint8), [5.0], 0.0, 1.0)   # an unfinished episode
    replay.save(tmp_path)
    other = SequenceReplay(100, (2, 2, 3), 1, window=9)
    other.load(tmp_path)
    assert other.written == replay.written and len(other) == len(replay)
    np.testing.assert_array_equal(other.images[:len(replay)], replay.images[:len(replay)])
    a = replay.sample(50, np.random.default_rng(3))
    b = other.sample(50, np.random.default_rng(3))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    # after a resume the interrupted episode is closed: new entries never join it
    assert other.episode_id == replay.episode_id + 1
