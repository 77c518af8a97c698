"""End-To-End Memory Networks (Sukhbaatar 2015): the equations, checked against hand-worked numbers."""

import numpy as np
import pytest
import tensorflow as tf

from papers.memn2n import losses
from papers.memn2n.config import BabiConfig, LMConfig
from papers.memn2n.networks import MemN2N, MemN2NLM
from papers.memn2n.train import phase_schedule, total_epochs


def test_position_encoding_paper_three_word_sentence():
    # l_kj = (1 - j/J) - (k/d)(1 - 2j/J), J = 3 words, d = 2:
    # j=1: 2/3 - (k/2)(1/3)  -> k=1: 1/2, k=2: 1/3
    # j=2: 1/3 - (k/2)(-1/3) -> k=1: 1/2, k=2: 2/3
    # j=3: 0   - (k/2)(-1)   -> k=1: 1/2, k=2: 1
    l = losses.position_encoding_paper(tf.constant(3), sentence_len=3, d=2).numpy()
    np.testing.assert_allclose(l, [[1 / 2, 1 / 3], [1 / 2, 2 / 3], [1 / 2, 1.0]], rtol=1e-6)


def test_position_encoding_paper_uses_each_sentence_length():
    # a 1-word sentence (J=1) padded to 3 slots: j=1 gives (1-1) - (k/2)(1-2) = k/2
    l = losses.position_encoding_paper(tf.constant([1, 3]), sentence_len=3, d=2).numpy()
    np.testing.assert_allclose(l[0, 0], [0.5, 1.0], rtol=1e-6)
    np.testing.assert_allclose(l[1, 2], [0.5, 1.0], rtol=1e-6)


def test_position_encoding_code_variant():
    # official build_model.m: l_kj = 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J), J = 3, d = 2
    l = losses.position_encoding_code(3, 2).numpy()
    np.testing.assert_allclose(l, [[4 / 3, 2 / 3], [1, 1], [2 / 3, 4 / 3]], rtol=1e-6)


def _one_hop_model():
    """V = 3 (0 nil, 1 'a', 2 'b'), d = 2, one hop, BoW, no temporal encoding.
    E0 = A^1 = B: a -> [1, 0], b -> [0, 1];  E1 = C^1 = W^T: a -> [1, 1], b -> [0, 2]."""
    cfg = BabiConfig(hops=1, embedding_dim=2, sentence_repr="bow", temporal_encoding=False, repeats=1)
    model = MemN2N(vocab_size=3, memory_size=2, sentence_len=1, cfg=cfg, repeats=1)
    model.E[0].assign([[[0, 0], [1, 0], [0, 1]]])
    model.E[1].assign([[[0, 0], [1, 1], [0, 2]]])
    q = tf.constant([[[1]]])                 # question "a"           [R=1, B=1, L=1]
    s = tf.constant([[[[1], [2]]]])          # memories "a", "b"      [R, B, M=2, L]
    t = tf.zeros([1, 1, 2], tf.int32)
    return model, q, s, t


def test_one_hop_forward_matches_hand_computed_answer_distribution():
    # u = B q = [1, 0]; m = [1, 0], [0, 1]; p = softmax([1, 0]) = [e/(e+1), 1/(e+1)] = [.7311, .2689]
    # o = p1 [1, 1] + p2 [0, 2] = [.7311, 1.2689]; u2 = u + o = [1.7311, 1.2689]
    # logits = W u2 = [0 (nil), 1.7311 + 1.2689 = 3.0, 2 x 1.2689 = 2.5379]
    # a^ = softmax(logits) = [0.029640, 0.595332, 0.375028]
    model, q, s, t = _one_hop_model()
    logits = model(q, s, t, linear=False)
    np.testing.assert_allclose(logits.numpy()[0, 0], [0.0, 3.0, 2.5378828], rtol=1e-5)
    np.testing.assert_allclose(tf.nn.softmax(logits).numpy()[0, 0], [0.0296398, 0.5953318, 0.3750284], rtol=1e-5)


def test_linear_start_removes_and_restores_softmax():
    # LS: p = u^T m = [1, 0] (no softmax) -> o = [1, 1], u2 = [2, 1], logits = [0, 3, 2]
    model, q, s, t = _one_hop_model()
    np.testing.assert_allclose(model(q, s, t, linear=True).numpy()[0, 0], [0.0, 3.0, 2.0], rtol=1e-6)
    np.testing.assert_allclose(model(q, s, t, linear=False).numpy()[0, 0], [0.0, 3.0, 2.5378828], rtol=1e-5)
    cfg = BabiConfig()
    assert [phase_schedule(cfg, e)[0] for e in (1, 20, 21, 120)] == [True, True, False, False]
    assert total_epochs(cfg) == 120 and total_epochs(BabiConfig(linear_start=False)) == 100


def test_learning_rate_schedule():
    cfg = BabiConfig()
    # LS phase: 0.005 without decay; then 0.005 halved whenever (epoch after LS) % 25 == 0
    assert phase_schedule(cfg, 20) == (True, 0.005)
    assert phase_schedule(cfg, 21 + 23) == (False, 0.005)      # main-phase epoch 24
    assert phase_schedule(cfg, 20 + 25) == (False, 0.0025)
    assert phase_schedule(cfg, 20 + 100) == (False, 0.005 / 16)
    assert phase_schedule(BabiConfig(linear_start=False), 1) == (False, 0.01)


def test_cross_entropy_is_summed_over_the_batch():
    logits = tf.constant([[[0.0, 0.0], [0.0, 0.0]]])            # [R=1, B=2, V=2]
    np.testing.assert_allclose(losses.cross_entropy_sum(logits, tf.constant([[0, 1]])).numpy(),
                               [2 * np.log(2)], rtol=1e-6)


def test_clipping_per_matrix_and_per_repeat():
    g = tf.constant([[[30.0, 40.0]], [[3.0, 4.0]]])             # two repeats, norms 50 and 5
    clipped = losses.clip_per_matrix([g], 40.0)[0].numpy()
    np.testing.assert_allclose(clipped, [[[24.0, 32.0]], [[3.0, 4.0]]], rtol=1e-6)
    a, b = losses.clip_global([tf.constant([[30.0]]), tf.constant([[40.0]])], 40.0)
    np.testing.assert_allclose([a.numpy()[0, 0], b.numpy()[0, 0]], [24.0, 32.0], rtol=1e-6)


def test_spectral_clipping_uses_the_largest_singular_value():
    # 30 I: spectral norm 30 (Matlab norm(), official nn/Weight.m) -> untouched; Frobenius 42.43 -> scaled to 40
    g = tf.constant([[[30.0, 0.0], [0.0, 30.0]], [[60.0, 0.0], [0.0, 0.0]]])   # two repeats; the 2nd: norm 60
    spectral = losses.clip_per_matrix([g], 40.0, ord="spectral")[0].numpy()
    np.testing.assert_allclose(spectral, [[[30.0, 0.0], [0.0, 30.0]], [[40.0, 0.0], [0.0, 0.0]]], rtol=1e-5)
    frobenius = losses.clip_per_matrix([g], 40.0, ord="frobenius")[0].numpy()
    np.testing.assert_allclose(frobenius[0], 30.0 * np.eye(2) * 40.0 / np.sqrt(1800.0), rtol=1e-5)
    # below the threshold under the Frobenius norm, nothing is clipped under either norm
    small = tf.constant([[[3.0, 4.0], [0.0, 0.0]]])
    np.testing.assert_allclose(losses.clip_per_matrix([small], 40.0, ord="spectral")[0].numpy(), small.numpy())


def test_perplexity():
    assert losses.perplexity(4 * np.log(10.0), 4) == pytest.approx(10.0)


@pytest.mark.parametrize("tying", ["adjacent", "layerwise"])
def test_every_weight_matrix_gets_its_own_random_draw(tying):
    """Sec. 4.2 / official nn/Weight.m: each matrix is drawn from N(0, 0.1^2) on its own. (One
    shared Keras initializer made B = A^1 = C^1 = ... = W at the start of every run.)"""
    model = MemN2N(30, 5, 4, BabiConfig(tying=tying), repeats=2)
    weights = [w.numpy() for w in model.weights]
    for i in range(len(weights)):
        for j in range(i + 1, len(weights)):
            if weights[i].shape == weights[j].shape:
                assert not np.allclose(weights[i], weights[j]), (model.weights[i].name, model.weights[j].name)
    E = weights[0][:, 1:]                                     # nil row is zero
    assert abs(E.std() - 0.1) < 0.01 and not np.allclose(E[0], E[1])   # N(0, 0.1), repeats differ
    lm = MemN2NLM(40, LMConfig(hidden=8, linear_dim=4, memory_size=8))
    assert not np.allclose(lm.A.numpy(), lm.C.numpy()) and not np.allclose(lm.T_A.numpy(), lm.T_C.numpy())
