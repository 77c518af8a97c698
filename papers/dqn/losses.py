"""The DQN update's equations (Mnih et al. 2013, Eq. 2-3; Mnih et al. 2015, the loss L_i(theta_i)
and Methods 'error clipping') as small pure functions of tensors.

  Target (Algorithm 1):      y_j = r_j                                   if episode ends at j+1
                             y_j = r_j + gamma * max_a' Q_hat(s_{j+1}, a')   otherwise
  Double DQN (van Hasselt, Guez & Silver 2016, Eq. 4; `double_q`, off in both DQN papers):
                             y_j = r_j + gamma * Q_hat(s_{j+1}, argmax_a' Q(s_{j+1}, a'; theta))
                             the online network picks the action, the target network values it
  TD error:                  delta_j = y_j - Q(s_j, a_j; theta)
  Error clipping:            the error term is clipped to [-1, 1], i.e. the gradient of the loss
                             with respect to Q(s_j, a_j) is -clip(delta_j, -1, 1). That is the
                             gradient of the Huber loss with threshold 1, which we minimise.
  Reduction:                 the Lua code backpropagates the per-transition clipped errors and
                             sums the minibatch gradients (no 1/32); `reduction="sum"` does that.
"""

from __future__ import annotations

from keras import ops


def td_targets(rewards, terminals, next_q, gamma: float):
    """y = r + gamma * (1 - terminal) * max_a' Q_hat(s', a').  Shapes: (B,), (B,), (B, |A|)."""
    not_done = 1.0 - ops.cast(terminals, "float32")
    return ops.cast(rewards, "float32") + gamma * not_done * ops.max(next_q, axis=-1)


def double_q_targets(rewards, terminals, next_q_online, next_q_target, gamma: float):
    """van Hasselt 2016, Eq. 4: y = r + gamma * (1 - terminal) * Q_hat(s', argmax_a' Q(s', a')).
    Shapes: (B,), (B,), (B, |A|) from the online network, (B, |A|) from the target network."""
    not_done = 1.0 - ops.cast(terminals, "float32")
    best = ops.argmax(next_q_online, axis=-1)                     # argmax_a' Q(s', a'; theta)
    return ops.cast(rewards, "float32") + gamma * not_done * chosen_q(next_q_target, best)


def chosen_q(q_values, actions):
    """Q(s_j, a_j): pick each row's taken action. Shapes: (B, |A|), (B,) -> (B,)."""
    one_hot = ops.one_hot(ops.cast(actions, "int32"), ops.shape(q_values)[-1], dtype=q_values.dtype)
    return ops.sum(q_values * one_hot, axis=-1)


def clipped_error_loss(delta, clip: float):
    """Per-transition loss whose gradient w.r.t. Q(s,a) is -clip(delta, -clip, clip) (Huber with
    threshold `clip`); clip=0 means no clipping: 0.5 * delta^2."""
    if clip <= 0:
        return 0.5 * ops.square(delta)
    abs_delta = ops.abs(delta)
    quadratic = ops.minimum(abs_delta, clip)
    return 0.5 * ops.square(quadratic) + clip * (abs_delta - quadratic)


def q_learning_loss(q_values, actions, targets, clip: float, reduction: str = "sum"):
    """The minibatch loss: clipped_error_loss(y - Q(s, a)) summed (Lua) or averaged."""
    delta = ops.stop_gradient(targets) - chosen_q(q_values, actions)
    per_transition = clipped_error_loss(delta, clip)
    return ops.sum(per_transition) if reduction == "sum" else ops.mean(per_transition)
