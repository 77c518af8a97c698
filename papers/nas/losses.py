"""Zoph & Le 2017, the search's equations as small pure functions.

Sec. 3.2, REINFORCE with a baseline over m sampled architectures:

    grad J(theta_c) ~= 1/m sum_{k=1..m} sum_{t=1..T} grad log P(a_t | a_{t-1:1}; theta_c) (R_k - b)

`reinforce_loss` is the surrogate whose gradient is MINUS that estimator (we minimise it).
b is an exponential moving average of previous rewards (`ema_baseline`).
Sec. 3.3, anchor points: P(layer j is an input to layer i) = sigmoid(v^T tanh(W_prev h_j + W_curr h_i)).
Sec. 4.1 reward: (max validation accuracy of the last 5 epochs)^3; Sec. 4.2: c / (val ppl)^2.
"""

from __future__ import annotations

import math
from typing import Sequence

import tensorflow as tf


def categorical_log_prob(logits: tf.Tensor, actions: tf.Tensor) -> tf.Tensor:
    """log softmax(logits)[a] per row: logits [B, n], actions int [B] -> [B]."""
    return -tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(actions, tf.int32),
                                                           logits=logits)


def anchor_scores(h_prev: tf.Tensor, h_curr: tf.Tensor, w_prev: tf.Tensor, w_curr: tf.Tensor,
                  v: tf.Tensor) -> tf.Tensor:
    """Sec. 3.3 logits s_ji = v^T tanh(W_prev h_j + W_curr h_i); P(j -> i) = sigmoid(s_ji).

    h_prev [B, i, U] (anchor states of layers j < i), h_curr [B, U]; w_* [U, U], v [U, 1] -> [B, i]."""
    return tf.squeeze(tf.tanh(tf.einsum("bju,uv->bjv", h_prev, w_prev)
                              + tf.matmul(h_curr, w_curr)[:, None, :]) @ v, axis=-1)


def bernoulli_log_prob(scores: tf.Tensor, actions: tf.Tensor) -> tf.Tensor:
    """Sum over j of log P(a_j) with P(a_j = 1) = sigmoid(s_j): scores/actions [B, i] -> [B]."""
    a = tf.cast(actions, scores.dtype)
    return tf.reduce_sum(a * tf.math.log_sigmoid(scores) + (1.0 - a) * tf.math.log_sigmoid(-scores),
                         axis=-1)


def reinforce_loss(log_probs: tf.Tensor, rewards: tf.Tensor, baseline: tf.Tensor | float) -> tf.Tensor:
    """Surrogate with gradient = -(1/m) sum_k (R_k - b) grad sum_t log P(a_t^k | a_<t^k).

    log_probs [m]: sum_t log P(a_t | a_<t) of each architecture (differentiable);
    rewards [m] and baseline are constants."""
    advantage = tf.stop_gradient(tf.cast(rewards, log_probs.dtype) - tf.cast(baseline, log_probs.dtype))
    return -tf.reduce_mean(advantage * log_probs)


def ema_baseline(baseline: float | None, rewards: Sequence[float], decay: float) -> float:
    """b <- decay * b + (1 - decay) * R, applied to each reward in turn; the first reward ever
    seen (baseline None) initialises b (our choice; the paper gives no initial value)."""
    for r in rewards:
        baseline = float(r) if baseline is None else decay * baseline + (1.0 - decay) * float(r)
    return baseline


def cifar_reward(val_accuracies: Sequence[float], last: int = 5, power: float = 3.0) -> float:
    """Sec. 4.1: R = (max validation accuracy over the last `last` epochs) ** 3."""
    if not val_accuracies:
        raise ValueError("no validation accuracy to reward")
    return max(val_accuracies[-last:]) ** power


def ptb_reward(val_perplexity: float, c: float = 80.0) -> float:
    """Sec. 4.2: R = c / (validation perplexity) ** 2."""
    if not math.isfinite(val_perplexity) or val_perplexity <= 0:
        raise ValueError(f"perplexity {val_perplexity} is not a finite positive number")
    return c / val_perplexity ** 2
