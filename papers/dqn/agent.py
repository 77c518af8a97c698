"""The DQN agent of Mnih et al. 2015 (Algorithm 1): epsilon-greedy acting, the Q-learning update
with a target network, DeepMind's RMSProp.

  * epsilon: 1 during the replay warm-up, then linear to eps_end over eps_decay_steps agent steps
    counted from replay_start (Lua NeuralQLearner:perceive).
  * Greedy actions go through a concrete tf.function with a fixed uint8 input signature
    (~0.8 ms on this CPU against ~6.5 ms for an eager call; measured on these cores).
  * Update (every update_period agent steps): y from the target network Q_hat, loss from
    losses.py, one optimizer step; every target_update_period updates theta^- <- theta (inside
    the same tf.function, so the loop reads nothing back from the device per update).
    With target_update_period = 0 (Mnih 2013) the targets come from the online network.
    With double_q (van Hasselt 2016, Eq. 4) the online network picks argmax_a' Q(s', a') and the
    target network values it (config.py refuses double_q without a target network).
  * DeepMind's RMSProp (Lua NeuralQLearner:qLearnMinibatch, no momentum buffer):
        g  <- 0.95 g  + 0.05 dw          g2 <- 0.95 g2 + 0.05 dw^2
        w  <- w - lr * dw / sqrt(g2 - g^2 + 0.01)
    which is exactly keras RMSprop(rho=0.95, momentum=0, epsilon=0.01, centered=True)
    (tested in tests/dqn/test_losses.py against the formula by hand). g2 starts at
    `rms_initial_mean_square`: 0 in the Lua code, 1 in TF1's RMSPropOptimizer (Dopamine's; its
    `_create_slots` fills the "rms" slot with ones).
  * Target network period C: counted in updates (the paper's text) or, with
    target_update_unit="agent_steps", in agent steps after replay_start (the Lua code and
    Dopamine); then the training loop calls `sync_target` itself.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from papers.dqn import losses
from papers.dqn.networks import build_q_network


def epsilon(cfg, agent_step: int) -> float:
    """eps = eps_end + max(0, (eps_start - eps_end) * (T - max(0, step - replay_start)) / T)."""
    t = max(0, agent_step - cfg.replay_start)
    return cfg.eps_end + max(0.0, (cfg.eps_start - cfg.eps_end)
                             * (cfg.eps_decay_steps - t) / cfg.eps_decay_steps)


def make_optimizer(cfg) -> keras.optimizers.Optimizer:
    if cfg.optimizer == "deepmind_rmsprop":
        return keras.optimizers.RMSprop(learning_rate=cfg.learning_rate, rho=cfg.rms_decay,
                                        momentum=0.0, epsilon=cfg.rms_epsilon, centered=True)

    return keras.optimizers.Adam(learning_rate=cfg.learning_rate)


def start_mean_square(optimizer: keras.optimizers.Optimizer, value: float) -> None:
    """Set a built RMSprop's running mean of squared gradients (g2) to `value` everywhere (TF1's
    RMSPropOptimizer starts it at 1; Keras and the Lua code at 0). No-op for other optimizers."""
    for g2 in getattr(optimizer, "_velocities", []):
        g2.assign(tf.fill(g2.shape, value))


class DQNAgent:
    def __init__(self, cfg, n_actions: int, state_shape, state_dtype, jit_compile: bool = False):
        """`jit_compile`: the update through XLA (benchmark.py --xla measures it: slower on
        this CPU, and not bit-identical, so training keeps the plain graph)."""
        self.cfg, self.n_actions = cfg, n_actions
        self.online = build_q_network(cfg, n_actions, state_shape, name="online")
        self.target = (build_q_network(cfg, n_actions, state_shape, name="target")
                       if cfg.target_update_period else None)
        self.optimizer = make_optimizer(cfg)
        self.optimizer.build(self.online.trainable_variables)
        start_mean_square(self.optimizer, cfg.rms_initial_mean_square)
        self.sync_target()
        self.updates = tf.Variable(0, dtype=tf.int64, name="updates", trainable=False)
        batch = cfg.batch_size
        history_first = (state_shape[-1],) + tuple(state_shape[:-1])      # replay layout
        state_spec = tf.TensorSpec((batch,) + history_first, state_dtype)
        self._to_nhwc = [0] + list(range(2, len(state_shape) + 1)) + [1]
        self._greedy = tf.function(self._greedy_fn).get_concrete_function(
            tf.TensorSpec((1,) + tuple(state_shape), state_dtype))
        self._q = tf.function(self._q_fn).get_concrete_function(
            tf.TensorSpec((None,) + tuple(state_shape), state_dtype))
        self._train = tf.function(self._train_fn, jit_compile=jit_compile).get_concrete_function(
            state_spec, tf.TensorSpec((batch,), tf.int32), tf.TensorSpec((batch,), tf.float32),
            state_spec, tf.TensorSpec((batch,), tf.bool))

    # ------------------------------------------------------------------ acting
    def _greedy_fn(self, state):
        return tf.argmax(self.online(state, training=False), axis=-1, output_type=tf.int32)[0]

    def _q_fn(self, states):
        return self.online(states, training=False)

    def q_values(self, states: np.ndarray) -> np.ndarray:
        return self._q(tf.constant(states)).numpy()

    def act(self, state: np.ndarray, eps: float, rng: np.random.Generator) -> int:
        """epsilon-greedy: a uniform random action with probability eps, else argmax_a Q(s, a)."""
        if rng.random() < eps:
            return int(rng.integers(self.n_actions))
        return int(self._greedy(tf.constant(state[None])))

    # ------------------------------------------------------------------ learning
    def _train_fn(self, states, actions, rewards, next_states, terminals):
        """One update on replay minibatch stacks, history-first (B, 4, 84, 84) -> NHWC here."""
        cfg = self.cfg
        states = tf.transpose(states, self._to_nhwc)
        next_states = tf.transpose(next_states, self._to_nhwc)
        bootstrap_net = self.target if self.target is not None else self.online
        next_q = tf.cast(bootstrap_net(next_states, training=False), tf.float32)
        if cfg.double_q:
            next_q_online = tf.cast(self.online(next_states, training=False), tf.float32)
            y = losses.double_q_targets(rewards, terminals, next_q_online, next_q, cfg.gamma)
        else:
            y = losses.td_targets(rewards, terminals, next_q, cfg.gamma)
        with tf.GradientTape() as tape:
            q = tf.cast(self.online(states, training=True), tf.float32)
            loss = losses.q_learning_loss(q, actions, y, cfg.clip_delta, cfg.loss_reduction)
        grads = tape.gradient(loss, self.online.trainable_variables)
        self.optimizer.apply(grads, self.online.trainable_variables)
        self.updates.assign_add(1)
        if (self.target is not None and cfg.target_update_unit == "updates"
                and self.updates % cfg.target_update_period == 0):
            for target_w, online_w in zip(self.target.weights, self.online.weights):
                target_w.assign(online_w)             # theta^- <- theta every C updates
        return loss, tf.reduce_mean(losses.chosen_q(q, actions))

    def train_step(self, batch) -> tuple[tf.Tensor, tf.Tensor]:
        """One update on a replay minibatch (s, a, r, s', terminal), then the target sync when
        the update count reaches a multiple of target_update_period. Returns the loss and the
        mean Q(s, a) as scalar tensors: the caller converts them when it logs, so the loop never
        waits for the device after an update."""
        return self._train(*(tf.constant(x) for x in batch))

    def sync_target(self) -> None:
        if self.target is not None:
            self.target.set_weights(self.online.get_weights())

    def trackables(self) -> dict:
        """What a checkpoint holds: networks, optimizer slots and the update counter."""
        out = {"online": self.online, "optimizer": self.optimizer, "updates": self.updates}
        if self.target is not None:
            out["target"] = self.target
        return out
