"""Zoph & Le 2017: the controller (papers/nas/controller.py) -- REINFORCE on a toy, anchor
probabilities, and the paper's controller values."""

import itertools

import numpy as np
import tensorflow as tf

from common.config import build
from papers.nas import losses
from papers.nas.config import PROFILES, NASConfig
from papers.nas.controller import Controller
from papers.nas.search_space import Step, all_steps, cnn_steps


def _toy():
    steps = [Step("cat", "a", (0, 1)), Step("cat", "b", (0, 1, 2))]
    return steps, Controller(steps, units=6, seed=3)


def test_reinforce_gradient_equals_analytic_score_function_gradient():
    """Enumerating the 2 x 3 architectures: E_a[(R(a) - b) grad log P(a)] (the estimator, any b)
    must equal grad J for J = sum_a P(a) R(a), differentiated exactly."""
    steps, ctrl = _toy()
    archs = list(itertools.product(range(2), range(3)))
    reward = {a: 0.1 + 0.13 * a[0] + 0.05 * a[1] ** 2 for a in archs}
    batched = [np.array([a[0] for a in archs]), np.array([a[1] for a in archs])]
    with tf.GradientTape(persistent=True) as tape:
        logp = ctrl.run(steps, len(archs), actions=batched)[1]
        j = tf.reduce_sum(tf.exp(logp) * [reward[a] for a in archs])
        # the estimator's surrogate per architecture (m = 1), weighted by its probability
        surrogate = tf.add_n([tf.stop_gradient(tf.exp(logp[k])) *
                              losses.reinforce_loss(logp[k:k + 1], [reward[a]], 0.7)
                              for k, a in enumerate(archs)])
    variables = ctrl.trainable_variables
    exact = tape.gradient(j, variables)
    estimate = tape.gradient(surrogate, variables)
    np.testing.assert_allclose(np.exp(logp.numpy()).sum(), 1.0, rtol=1e-5)
    n_checked = 0
    for g_exact, g_est in zip(exact, estimate):
        if g_exact is None:
            continue
        np.testing.assert_allclose(-tf.convert_to_tensor(g_est).numpy(),
                                   tf.convert_to_tensor(g_exact).numpy(), atol=1e-6)
        n_checked += 1
    assert n_checked >= 6     # LSTM kernels/biases, both heads, embedding of a, go vector


def test_sampled_actions_are_scored_consistently():
    cfg, _ = build(NASConfig, PROFILES, "smoke")
    steps = cnn_steps(cfg, 3)
    ctrl = Controller(steps, seed=1)
    acts, logp_sampling = ctrl.run(steps, 5, rng=np.random.default_rng(0))
    logp_scoring = ctrl.run(steps, 5, actions=acts)[1]
    np.testing.assert_allclose(logp_sampling.numpy(), logp_scoring.numpy(), rtol=1e-5)
    assert np.all(logp_scoring.numpy() < 0)


def test_anchor_probabilities_are_sigmoid_attention_by_hand():
    cfg, _ = build(NASConfig, PROFILES, "smoke")
    steps = cnn_steps(cfg, 3)
    ctrl = Controller(steps, seed=2)
    trace = {}
    ctrl.run(steps, 1, rng=np.random.default_rng(1), trace=trace)
    h = [x[0] for x in trace["anchor_h"]]                              # anchor states of layers 0,1,2
    w_prev, w_curr, v = (x.numpy() for x in (ctrl.w_prev, ctrl.w_curr, ctrl.v))
    for i, probs in zip((1, 2), trace["probs"]):
        expected = [1 / (1 + np.exp(-(v[:, 0] @ np.tanh(h[j] @ w_prev + h[i] @ w_curr)))) for j in range(i)]
        np.testing.assert_allclose(probs[0], expected, rtol=1e-5)


def test_controller_matches_the_paper():
    cfg = NASConfig()
    assert (cfg.controller_layers, cfg.controller_units, cfg.controller_init) == (2, 35, 0.08)
    assert (cfg.controller_lr, cfg.architectures_per_update, cfg.total_architectures) == (6e-4, 8, 12800)
    steps = all_steps(cfg)
    assert len(steps) == 4 * 20           # curriculum 6 -> 20 layers over 12,800 samples, 4 decisions each
    ctrl = Controller(steps[:8], seed=0)
    assert len(ctrl.cells) == 2 and ctrl.cells[0].units == 35
    for w in ctrl.trainable_variables:
        assert np.abs(w.numpy()).max() <= 0.08 + 1e-7, w.name
