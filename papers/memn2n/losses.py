"""The equations of End-To-End Memory Networks (Sukhbaatar et al. 2015) as small pure functions.

Sec. 2.1 (one memory layer):  p_i = Softmax(u^T m_i)   (eq. 1)
                              o   = sum_i p_i c_i      (eq. 2)
                              a^  = Softmax(W(o + u))  (eq. 3)
Sec. 2.2 (K hops):            u^{k+1} = u^k + o^k      (eq. 4 / adjacent tying; layer-wise: H u^k + o^k)
Sec. 4.1 Position Encoding:   m_i = sum_j l_j . A x_ij,  l_kj = (1 - j/J) - (k/d)(1 - 2j/J)
Sec. 4.2 Linear Start:        p_i = u^T m_i (the softmax of eq. 1 removed) during the LS phase.
Training loss:                cross-entropy summed over the batch (not averaged), SGD, the
                              gradient rescaled to l2 norm <= 40.

Arrays may carry leading batch axes, e.g. [R repeats, B questions, ...].
"""

from __future__ import annotations

import math

import tensorflow as tf


def position_encoding_paper(J, sentence_len: int, d: int):
    """l[..., j-1, k-1] = (1 - j/J) - (k/d)(1 - 2j/J)  (Sec. 4.1), J = words in each sentence.

    J: int tensor [...] (0 for an empty slot; its words are nil anyway). Returns [..., L, d]."""
    J = tf.cast(tf.maximum(J, 1), tf.float32)[..., None, None]           # [..., 1, 1]
    j = tf.range(1, sentence_len + 1, dtype=tf.float32)[:, None]         # [L, 1]
    k = tf.range(1, d + 1, dtype=tf.float32)[None, :]                    # [1, d]
    return (1.0 - j / J) - (k / d) * (1.0 - 2.0 * j / J)


def position_encoding_code(J: int, d: int):
    """The official code's variant (build_model.m): l_kj = 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J),
    with J the fixed number of word slots (longest sentence + 1 time word). Returns [J, d]."""
    j = tf.range(1, J + 1, dtype=tf.float32)[:, None]
    k = tf.range(1, d + 1, dtype=tf.float32)[None, :]
    return 1.0 + 4.0 * (k - (d + 1) / 2.0) * (j - (J + 1) / 2.0) / (d * J)


def attention(scores, linear: bool | tf.Tensor):
    """Eq. 1: p = Softmax(u^T m) over the memory axis (last); Linear Start drops the softmax."""
    return tf.where(linear, scores, tf.nn.softmax(scores, axis=-1))


def cross_entropy_sum(logits, answers):
    """Sum over the batch (last axis of `answers`) of -log a^_answer (eq. 3 + cross-entropy).
    logits [..., B, V], answers [..., B] -> [...] (one loss per repeat)."""
    nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=answers, logits=logits)
    return tf.reduce_sum(nll, axis=-1)


def errors(logits, answers):
    """Number of wrong argmax answers: [..., B, V], [..., B] -> [...] float."""
    wrong = tf.not_equal(tf.argmax(logits, axis=-1, output_type=answers.dtype), answers)
    return tf.reduce_sum(tf.cast(wrong, tf.float32), axis=-1)


def matrix_norm(g, ord: str, repeat_axis: bool = True):
    """Norm of each weight matrix's gradient (per run with repeat_axis), shaped to broadcast on g.
    ord="spectral": the largest singular value, sqrt(max eig(g^T g)) (Matlab's norm(), which the
    official nn/Weight.m uses); ord="frobenius": the square root of the sum of squares."""
    if ord == "frobenius":
        axes = list(range(1 if repeat_axis else 0, len(g.shape)))
        return tf.sqrt(tf.reduce_sum(tf.square(g), axis=axes, keepdims=True))
    gram = tf.linalg.matmul(g, g, transpose_a=True)                          # [..., d, d]
    top = tf.reduce_max(tf.linalg.eigvalsh(gram), axis=-1)                  # [...]
    return tf.sqrt(tf.maximum(top, 0.0))[..., None, None]


def clip_per_matrix(grads, max_norm: float, repeat_axis: bool = True, ord: str = "frobenius"):
    """Rescale each weight matrix's gradient to norm <= max_norm (official nn/Weight.m:
    `if norm(grad) > max_grad_norm, grad = grad * max_grad_norm / norm(grad)`).
    With repeat_axis the leading axis indexes independent runs, each clipped on its own.
    The spectral norm is at most the Frobenius norm, so it is computed only when some
    Frobenius norm exceeds max_norm (otherwise nothing is clipped under either norm)."""
    out = []
    for g in grads:
        norm = matrix_norm(g, "frobenius", repeat_axis)
        if ord == "spectral":
            norm = tf.cond(tf.reduce_any(norm > max_norm), lambda g=g: matrix_norm(g, "spectral", repeat_axis),
                           lambda norm=norm: norm)
        out.append(g * tf.minimum(1.0, max_norm / tf.maximum(norm, 1e-12)))
    return out


def clip_global(grads, max_norm: float, repeat_axis: bool = True):
    """Rescale all gradients together to one l2 norm <= max_norm (per run with repeat_axis)."""
    if repeat_axis:
        sq = tf.add_n([tf.reduce_sum(tf.square(g), axis=list(range(1, len(g.shape)))) for g in grads])
        scale = tf.minimum(1.0, max_norm / tf.maximum(tf.sqrt(sq), 1e-12))       # [R]
        return [g * tf.reshape(scale, [-1] + [1] * (len(g.shape) - 1)) for g in grads]
    return tf.clip_by_global_norm(grads, max_norm)[0]


def babi_learning_rate(epoch: int, base_lr: float, decay_every: int) -> float:
    """Step size of 1-based `epoch` of a phase: halved whenever epoch % decay_every == 0
    (official train.m: `if mod(ep, lrate_decay_step) == 0, lrate = lrate * 0.5`)."""
    return base_lr * 0.5 ** (epoch // decay_every)


def perplexity(nll_sum: float, count: int) -> float:
    """exp(mean negative log-likelihood per word); inf where that overflows a float (a mean
    above ~709.78 nats, reached only by a diverged model) or where the NLL is nan."""
    mean = nll_sum / max(count, 1)
    return math.exp(mean) if mean < 709.0 else math.inf
