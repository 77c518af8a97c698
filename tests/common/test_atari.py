"""common/atari.py: the DQN papers' preprocessing, worked by hand, and the environment contract."""

import numpy as np
import pytest

from common.atari import AtariEnv, AtariError, FrameHistory, game_id, preprocess


def test_preprocess_takes_max_per_colour_then_luminance_then_resizes():
    a = np.zeros((210, 160, 3), np.uint8)
    b = np.zeros((210, 160, 3), np.uint8)
    a[..., 0] = 100          # red only in the older frame
    b[..., 1] = 200          # green only in the newer frame
    # max per colour gives (100, 200, 0) everywhere; Y = 0.299*100 + 0.587*200 = 147.3 -> 147
    out = preprocess(a, b, "nature")
    assert out.shape == (84, 84) and out.dtype == np.uint8
    assert np.all(out == 147)
    # max of luminances would be max(29.9, 117.4) = 117: the order max-then-Y matters
    assert not np.any(out == 117)


def test_nature_rescales_the_whole_frame_nips_crops():
    frame = np.zeros((210, 160, 3), np.uint8)
    frame[:105] = 255        # top half white, bottom half black
    nature = preprocess(frame, frame, "nature")
    assert nature[:41].min() == 255 and nature[43:].max() == 0   # boundary at 84/2
    nips = preprocess(frame, frame, "nips2013")
    assert nips.shape == (84, 84)
    # 110-row rescale puts the boundary at row 55; the crop starts at row 18 -> row 37
    assert nips[:36].min() == 255 and nips[38:].max() == 0
    with pytest.raises(AtariError, match="unknown screen preprocessing"):
        preprocess(frame, frame, "full")


def test_nature_shrinks_by_area_average_as_torch_image_scale():
    """torch image.scale 'bilinear' shrinking 210 -> 84 rows (scale 2.5): target row 0 averages
    source rows 0, 1 and half of row 2; row 1 the other half of row 2 and rows 3, 4. With one
    bright row (100) in every 5, each target row is (0.5 * 100) / 2.5 = 20; a bilinear sample at
    the target row's centre (source rows 0.75 and 3.25) would give 0."""
    frame = np.zeros((210, 160, 3), np.uint8)
    frame[2::5] = 100                      # grey: Y = 100
    out = preprocess(frame, frame, "nature")
    assert np.all(out == 20)


def test_game_ids_and_unknown_game_error():
    assert game_id("ALE/Pong-v5") == game_id("Pong") == game_id("PongNoFrameskip-v4") == "pong"
    assert game_id("SpaceInvaders") == "space_invaders"
    with pytest.raises(AtariError) as e:
        game_id("Pongg")
    assert str(e.value).startswith("unknown Atari game 'Pongg'; did you mean pong")


def test_breakout_minimal_actions_lives_and_frame_counts():
    env = AtariEnv("Breakout", seed=0, noop_max=0)
    assert env.n_actions == 4 and env.action_meanings == ["NOOP", "FIRE", "RIGHT", "LEFT"]
    frame = env.reset()
    assert frame.shape == (84, 84) and frame.dtype == np.uint8
    lost, steps = 0, 0
    env.step(1)  # FIRE launches the ball
    while True:
        step = env.step(0)
        steps += 1
        lost += step.life_lost
        if step.life_lost:
            env.step(1)
        if step.game_over:
            break
    assert lost == 4            # 5 lives: 4 losses reported as life_lost, the 5th as game over
    assert env.frames % 4 == 0 or step.game_over
    assert env.episode_return == 0.0


def test_noop_starts_and_seeding_repeat():
    def first_frames(seed):
        env = AtariEnv("Pong", seed=seed, noop_max=30)
        out = [env.reset(), env.step(2).frame]
        return out, env.episode_frames
    (a, fa), (b, fb) = first_frames(3), first_frames(3)
    assert fa == fb and fa % 4 == 0 and 4 <= fa - 4 <= 120
    np.testing.assert_array_equal(a[1], b[1])


def test_noops_in_emulator_frames_and_again_after_a_lost_life():
    """noop_unit='emulator_frames' (Lua nextRandomGame): k + 1 single frames, k in 1..30."""
    lengths = set()
    for seed in range(8):
        env = AtariEnv("Breakout", seed=seed, noop_max=30, noop_unit="emulator_frames")
        env.reset()
        lengths.add(env.episode_frames)
        before = env.episode_frames
        out = env.noop_start()                        # as after a lost life: more no-op frames
        assert 2 <= env.episode_frames - before <= 31 and out.frame.shape == (84, 84)
    assert lengths <= set(range(2, 32)) and len(lengths) > 1
    with pytest.raises(AtariError, match="noop_unit"):
        AtariEnv("Pong", seed=0, noop_unit="seconds")


def test_frame_history_starts_from_zeros():
    h = FrameHistory(4)
    s = h.reset(np.full((84, 84), 7, np.uint8))
    assert s.shape == (84, 84, 4) and s[..., :3].max() == 0 and s[..., 3].min() == 7
    s = h.push(np.full((84, 84), 9, np.uint8))
    assert list(s[0, 0]) == [0, 0, 7, 9]


def test_frame_cap_is_truncation_not_game_over():
    env = AtariEnv("Pong", seed=0, noop_max=0, max_episode_frames=100)
    env.reset()
    steps = [env.step(0) for _ in range(25)]
    assert [s.truncated for s in steps].index(True) == 24      # 25 steps x 4 frames = 100
    assert not any(s.game_over for s in steps)
