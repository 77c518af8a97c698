"""Mnih et al. 2016 (A3C): the actor-learner machinery of papers/a3c/agent.py."""

import threading
import time

import numpy as np
import pytest
import tensorflow as tf

from common.config import build
from common.seeding import Seeds
from papers.a3c import losses
from papers.a3c.agent import Learner, SharedRMSProp, draw_final_epsilon
from papers.a3c.config import PROFILES, A3CConfig
from papers.a3c.train import start_workers, stop_workers


def cartpole_cfg(**sets):
    return build(A3CConfig, PROFILES, "cartpole", sets)[0]


def in_thread(fn):
    t = threading.Thread(target=fn)
    t.start()
    t.join()


def test_shared_rmsprop_statistics_are_shared_between_threads():
    """Two threads apply gradients a then b through ONE optimizer: g must hold both,
    g = alpha (1 - alpha) a^2 + (1 - alpha) b^2 (starting from g = 0)."""
    theta = [tf.Variable([1.0, -1.0])]
    opt = SharedRMSProp(theta, alpha=0.99, epsilon=0.1, g0=0.0)
    a, b = np.array([2.0, 0.0], np.float32), np.array([1.0, 3.0], np.float32)
    in_thread(lambda: opt.apply([tf.constant(a)], theta, 0.01))
    in_thread(lambda: opt.apply([tf.constant(b)], theta, 0.01))
    g_expected = 0.99 * 0.01 * a ** 2 + 0.01 * b ** 2
    np.testing.assert_allclose(opt.g[0].numpy(), g_expected, rtol=1e-6)
    step1 = 0.01 * a / np.sqrt(0.01 * a ** 2 + 0.1)
    step2 = 0.01 * b / np.sqrt(g_expected + 0.1)
    np.testing.assert_allclose(theta[0].numpy(), np.array([1.0, -1.0]) - step1 - step2, rtol=1e-5)


def test_shared_rmsprop_starts_from_g0():
    """TensorFlow 1's convention g0 = 1: with grad 2, alpha 0.99, eps 1e-5, lr 0.01 the first
    step is g = 0.99 * 1 + 0.01 * 4 = 1.03, theta -= 0.01 * 2 / sqrt(1.03 + 1e-5) = 0.019707;
    from g0 = 0 it would be 0.01 * 2 / sqrt(0.04 + 1e-5) = 0.099988, 5x larger."""
    for g0, step in ((1.0, 0.019707), (0.0, 0.099988)):
        theta = [tf.Variable([0.5])]
        opt = SharedRMSProp(theta, alpha=0.99, epsilon=1e-5, g0=g0)
        opt.apply([tf.constant([2.0])], theta, 0.01)
        np.testing.assert_allclose(opt.g[0].numpy(), [0.99 * g0 + 0.04], rtol=1e-6)
        np.testing.assert_allclose(theta[0].numpy(), [0.5 - step], rtol=1e-4)


def rollout(n=5, obs_dim=4, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n + 1, obs_dim)).astype(np.float32), rng.integers(0, 2, n).astype(np.int32),
            rng.normal(size=n).astype(np.float32))


def test_learner_threads_update_one_optimizer_state():
    """Two learner threads train on the same rollout from the same snapshot theta': the shared
    statistics see both gradients, g = alpha^2 g0 + (1 - alpha^2) G^2 when both gradients are G."""
    L = Learner(cartpole_cfg(max_grad_norm=1e9), (4,), 2)
    obs, actions, rewards = rollout()
    theta = L.sync()
    for _ in range(2):
        in_thread(lambda: L.train(theta, obs, actions, rewards, False, [], 1e-3))
    with tf.GradientTape() as tape:
        tape.watch(theta)
        head, value, _ = L._forward(theta, obs, [])
        R = losses.nstep_returns(rewards, tf.stop_gradient(value[5]), 0.99)
        loss = losses.actor_critic_loss(head[:5], value[:5], actions, R, 0.01)[0]
    G = tape.gradient(loss, theta)
    for g, grad in zip(L.optimizer.g, G):       # g0 = 1 decays twice: 0.99^2 + (1 - 0.99^2) G^2
        np.testing.assert_allclose(g.numpy(), 0.99 ** 2 + (1 - 0.99 ** 2) * grad.numpy() ** 2, rtol=1e-4)


def test_accumulated_gradients_equal_the_sum_of_per_step_gradients():
    """Algorithm S3 accumulates d theta over the rollout one step at a time; the learner's single
    batched update must move theta by RMSProp applied to that sum."""
    L = Learner(cartpole_cfg(max_grad_norm=1e9), (4,), 2)
    obs, actions, rewards = rollout(seed=1)
    theta = L.sync()
    before = [v.numpy().copy() for v in L.variables]
    bootstrap = L.act(theta, obs[5:], [])[1].numpy()[0]
    R = losses.nstep_returns(rewards, bootstrap, 0.99).numpy()
    total = [np.zeros(v.shape, np.float32) for v in L.variables]
    for i in range(5):                                   # d theta <- d theta + grad of step i
        with tf.GradientTape() as tape:
            tape.watch(theta)
            head, value, _ = L._forward(theta, obs[i:i + 1], [])
            loss = losses.actor_critic_loss(head, value, actions[i:i + 1], R[i:i + 1], 0.01)[0]
        total = [t + g.numpy() for t, g in zip(total, tape.gradient(loss, theta))]
    L.train(theta, obs, actions, rewards, False, [], 1e-3)
    for b, v, G in zip(before, L.variables, total):
        g = 0.99 * 1.0 + 0.01 * G ** 2                   # from g0 = 1
        np.testing.assert_allclose(b - v.numpy(), 1e-3 * G / np.sqrt(g + 0.1), rtol=1e-4, atol=1e-7)


def test_gradient_norm_is_clipped_to_max_grad_norm():
    L = Learner(cartpole_cfg(max_grad_norm=1e-3, rmsprop_g0=0.0), (4,), 2)
    obs, actions, rewards = rollout(seed=2)
    out = L.train(L.sync(), obs, actions, rewards * 100, True, [], 0.0).numpy()
    assert out[3] > 1e-3                                  # the reported norm is before clipping
    # with lr 0 theta does not move; g (from 0) saw the clipped gradient: sum g / (1 - alpha) = norm^2
    assert sum(float(tf.reduce_sum(g)) for g in L.optimizer.g) / 0.01 == pytest.approx(1e-6, rel=1e-3)


def test_lstm_state_carried_across_calls_equals_one_sequence():
    """Acting one state at a time while carrying (h, c) gives the same outputs as one forward
    over the whole sequence (what the rollout's gradient uses); a fresh state differs."""
    cfg = build(A3CConfig, PROFILES, "smoke", {"network": "lstm"})[0]
    L = Learner(cfg, (84, 84, 4), 3)
    obs = np.random.default_rng(0).integers(0, 255, (3, 84, 84, 4), dtype=np.uint8)
    theta, state = L.sync(), L.initial_state()
    heads, values = [], []
    for t in range(3):
        h, v, state = L.act(theta, obs[t:t + 1], state)
        heads.append(h.numpy()[0])
        values.append(v.numpy()[0])
    seq_h, seq_v, seq_state = L.act(theta, obs, L.initial_state())
    np.testing.assert_allclose(seq_h.numpy(), np.array(heads), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(seq_v.numpy(), np.array(values), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(seq_state[0].numpy(), state[0].numpy(), rtol=1e-4, atol=1e-6)
    fresh_h = L.act(theta, obs[2:3], L.initial_state())[0].numpy()[0]
    assert not np.allclose(fresh_h, heads[2], atol=1e-6)
    out = L.train(theta, obs, np.array([0, 1], np.int32), np.array([1.0, 0.0], np.float32), False,
                  L.initial_state(), 1e-4).numpy()
    assert np.all(np.isfinite(out))


def test_final_epsilon_distribution():
    cfg = A3CConfig()
    rng = np.random.default_rng(0)
    draws = np.array([draw_final_epsilon(cfg, rng) for _ in range(20_000)])
    for eps, p in zip((0.1, 0.01, 0.5), (0.4, 0.3, 0.3)):
        assert np.mean(draws == eps) == pytest.approx(p, abs=0.02)


@pytest.mark.parametrize("method", ["a3c", "one_step_sarsa"])
def test_threads_learn_and_stop_cleanly(method):
    """4 threads run A3C and Sarsa (whose a' crosses rollouts) on CartPole; after stop all have returned without error and the
    shared counters and parameters have moved."""
    cfg = cartpole_cfg(method=method, threads=4)
    L = Learner(cfg, (4,), 2)
    before = [v.numpy().copy() for v in L.variables]
    stop = threading.Event()
    workers = start_workers(L, cfg, Seeds(0), cfg.lr, stop.is_set, lambda *a: None)
    time.sleep(1.5)
    stop_workers(workers, stop)
    assert not any(w.is_alive() for w in workers)
    assert L.updates > 0 and L.frames >= L.updates
    assert all(w.n_updates > 0 for w in workers)
    assert any(not np.allclose(b, v.numpy()) for b, v in zip(before, L.variables))


@pytest.mark.parametrize("horizon, expected", [(None, 0.75e-3), (4_000_000, 0.9375e-3)])
def test_learning_rate_reaches_zero_at_lr_anneal_frames_or_total_frames(horizon, expected):
    """eta = lr0 (1 - T / horizon): cartpole's lr0 1e-3 and total_frames 1M, T = 250k."""
    L = Learner(cartpole_cfg(lr_anneal_frames=horizon), (4,), 2)
    L.frames = 250_000
    assert L.learning_rate(1e-3) == pytest.approx(expected)
