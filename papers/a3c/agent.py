"""Mnih et al. 2016, "Asynchronous Methods for Deep RL": the actor-learner threads.

One process holds the global parameters theta (a Keras model), the target network theta^-
(value-based methods), the shared RMSProp statistics g and the global frame counter T. Each
`ActorLearner` is a Python thread with its own environment. Before every rollout it copies the
global parameters into a thread-local snapshot theta' (`Learner.sync`), acts for up to t_max
steps with theta', computes the gradients of the rollout's summed loss with respect to theta'
(= the per-step gradients accumulated, Algorithm S3's d theta), clips their global norm and
applies them to theta with shared RMSProp -- with no lock around parameters or statistics
(Hogwild-style, as the paper). Only the bookkeeping counters (T, updates) take a small lock.

    A3C             Algorithm S3: n-step returns bootstrapped from V(s_t; theta'_v)
    n_step_q        Algorithm S2: n-step returns bootstrapped from max_a Q(s_t, a; theta^-)
    one_step_q      Algorithm 1:  y = r + gamma max_a' Q(s', a'; theta^-), I_AsyncUpdate = t_max
    one_step_sarsa  Sec. 4:       y = r + gamma Q(s', a'; theta^-)

Value-based threads act epsilon-greedily; each thread draws its final epsilon from
{0.1, 0.01, 0.5} with probabilities {0.4, 0.3, 0.3} and anneals 1 -> final over 4M frames.
The one-step methods act with the snapshot theta' (refreshed every t_max steps) rather than
the live theta; with lock-free updates the two differ only by the last few updates.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import numpy as np
import tensorflow as tf

from papers.a3c import losses
from papers.a3c.networks import LSTM_CELLS, build_network


class SharedRMSProp(tf.Module):
    """RMSProp whose statistics g are shared by all threads (Sec. 4 "Optimization"); `apply`
    is called concurrently by every thread without a lock. g starts at g0 (1 in TensorFlow 1's
    RMSProp, which the reference A3C codes used: the first steps are then small and grow as g
    forgets its start; from 0 they are 10x the learning rate per parameter)."""

    def __init__(self, variables, alpha: float, epsilon: float, g0: float):
        super().__init__(name="shared_rmsprop")
        self.alpha, self.epsilon = alpha, epsilon
        self.g = [tf.Variable(tf.fill(v.shape, tf.constant(g0, v.dtype)), trainable=False, name=f"g_{i}")
                  for i, v in enumerate(variables)]

    def apply(self, grads, variables, lr) -> None:
        for theta, g, grad in zip(variables, self.g, grads):
            new_g, step = losses.rmsprop_update(g, grad, lr, self.alpha, self.epsilon)
            g.assign(new_g)
            theta.assign_sub(step)


class Learner:
    """The shared state (theta, theta^-, g, T) and the compiled per-rollout functions."""

    def __init__(self, cfg, obs_shape, n_actions: int):
        self.cfg = cfg
        self.n_actions = n_actions
        self.recurrent = cfg.network == "lstm"
        self.value_based = cfg.method != "a3c"
        if self.recurrent and self.value_based:
            raise ValueError("the LSTM network is used with A3C only (Mnih 2016, Sec. 5.1)")
        head = "q" if self.value_based else "actor_critic"
        build = lambda name: build_network(cfg.network, tuple(obs_shape), n_actions, head,  # noqa: E731
                                           cfg.mlp_units, cfg.center_frames, name=name)
        self.model = build("global")
        self.target = build("target") if self.value_based else None
        self.variables = self.model.trainable_variables
        self.optimizer = SharedRMSProp(self.variables, cfg.rmsprop_decay, cfg.rmsprop_epsilon, cfg.rmsprop_g0)
        if self.target is not None:
            self.target.set_weights(self.model.get_weights())
        # counters (Python ints under a lock; copied into tf.Variables for checkpoints)
        self.lock = threading.Lock()
        self.frames = 0
        self.updates = 0
        self.frames_var = tf.Variable(0, dtype=tf.int64, name="T_frames")
        self.updates_var = tf.Variable(0, dtype=tf.int64, name="updates")
        self.next_target_update = cfg.target_update_frames
        self._compile(obs_shape)

    # ------------------------------------------------------------------ compiled functions
    def _compile(self, obs_shape):
        obs_dtype = tf.uint8 if self.cfg.network in ("ff", "lstm") else tf.float32
        theta_spec = [tf.TensorSpec(v.shape, tf.float32) for v in self.variables]
        obs_spec = tf.TensorSpec([None, *obs_shape], obs_dtype)
        state_spec = [tf.TensorSpec([1, LSTM_CELLS], tf.float32)] * (2 if self.recurrent else 0)
        i32, f32 = tf.TensorSpec([None], tf.int32), tf.TensorSpec([None], tf.float32)
        scalar_b, scalar_f = tf.TensorSpec([], tf.bool), tf.TensorSpec([], tf.float32)
        # concrete functions: a call skips tf.function's argument matching (about 1 ms less
        # per single-state forward on this CPU, see benchmark.py)
        self.sync = tf.function(lambda: [tf.identity(v) for v in self.variables]).get_concrete_function()
        self.act = tf.function(self._forward).get_concrete_function(theta_spec, obs_spec, state_spec)
        self.train = tf.function(self._train).get_concrete_function(theta_spec, obs_spec, i32, f32, scalar_b,
                                                                    state_spec, scalar_f)

    def _forward(self, theta, obs, state):
        """(head, value, new_state) of the network with parameters theta (a snapshot)."""
        inputs = [obs, *state] if self.recurrent else obs
        out, _ = self.model.stateless_call(theta, self.model.non_trainable_variables, inputs)
        if self.recurrent:
            return out[0], out[1], out[2:]
        return out[0], out[1], []

    def _train(self, theta, obs, actions, rewards, terminal, state, lr):
        """One rollout s_0..s_n (obs has n+1 states; actions n, or n+1 for Sarsa's a'):
        gradients w.r.t. theta', clipped to max_grad_norm, applied to the global theta."""
        cfg, n = self.cfg, tf.shape(rewards)[0]
        with tf.GradientTape() as tape:
            tape.watch(theta)
            head, value, _ = self._forward(theta, obs, state)
            if not self.value_based:                                     # Algorithm S3
                bootstrap = tf.where(terminal, 0.0, tf.stop_gradient(value[n]))
                returns = losses.nstep_returns(rewards, bootstrap, cfg.gamma)
                loss, pol, val, ent = losses.actor_critic_loss(head[:n], value[:n], actions[:n], returns,
                                                               cfg.entropy_beta, cfg.value_loss_coef)
                stats = [pol, val, ent]
            else:
                q_next = self.target(obs[1:])[0]                         # Q(s_{i+1}, .; theta^-)
                terminals = tf.logical_and(terminal, tf.range(n) == n - 1)
                if cfg.method == "n_step_q":                             # Algorithm S2
                    y = losses.nstep_returns(rewards, tf.where(terminal, 0.0, tf.reduce_max(q_next[n - 1])),
                                             cfg.gamma)
                elif cfg.method == "one_step_q":                         # Algorithm 1
                    y = losses.one_step_q_targets(rewards, q_next, terminals, cfg.gamma)
                else:                                                    # one-step Sarsa
                    y = losses.sarsa_targets(rewards, q_next, actions[1:n + 1], terminals, cfg.gamma)
                loss = losses.q_loss(head[:n], actions[:n], y)
                stats = [loss, tf.reduce_mean(y), 0.0]
        grads = tape.gradient(loss, theta)
        grads, norm = tf.clip_by_global_norm(grads, cfg.max_grad_norm)
        self.optimizer.apply(grads, self.variables, lr)
        return tf.stack([tf.cast(s, tf.float32) for s in stats] + [norm])

    # ------------------------------------------------------------------ shared counters
    def count(self, frames: int, updates: int) -> int:
        """T <- T + frames (and the update counter); refreshes theta^- every I_target frames."""
        with self.lock:
            self.frames += frames
            self.updates += updates
            refresh = self.target is not None and self.frames >= self.next_target_update
            if refresh:
                self.next_target_update += self.cfg.target_update_frames
            t = self.frames
        if refresh:
            for tv, v in zip(self.target.trainable_variables, self.variables):
                tv.assign(v)
        return t

    def learning_rate(self, lr0: float) -> float:
        """eta annealed linearly from lr0 to 0 over lr_anneal_frames (default total_frames) of the
        shared counter T."""
        horizon = self.cfg.lr_anneal_frames or self.cfg.total_frames
        return losses.linear_anneal(lr0, 0.0, self.frames, horizon)

    def checkpoint_counters(self) -> None:
        self.frames_var.assign(self.frames)
        self.updates_var.assign(self.updates)

    def restore_counters(self) -> None:
        self.frames, self.updates = int(self.frames_var.numpy()), int(self.updates_var.numpy())
        step = self.cfg.target_update_frames
        self.next_target_update = (self.frames // step + 1) * step

    def initial_state(self):
        return [tf.zeros([1, LSTM_CELLS])] * 2 if self.recurrent else []


def draw_final_epsilon(cfg, rng: np.random.Generator) -> float:
    """Supp. Sec. 8: each thread's final epsilon from {0.1, 0.01, 0.5} w.p. {0.4, 0.3, 0.3}."""
    return float(rng.choice(cfg.final_epsilons, p=cfg.final_epsilon_probs))


class ActorLearner(threading.Thread):
    """One actor-learner thread. `should_stop()` is polled before every rollout (it reads the
    Run's stop_requested flag, set by the signal handler in the main thread)."""

    def __init__(self, index: int, learner: Learner, task, rng: np.random.Generator, lr0: float,
                 should_stop, episode_sink):
        super().__init__(name=f"actor-learner-{index}", daemon=True)
        self.index, self.learner, self.task, self.rng, self.lr0 = index, learner, task, rng, lr0
        self.should_stop, self.episode_sink = should_stop, episode_sink
        self.final_epsilon = draw_final_epsilon(learner.cfg, rng) if learner.value_based else None
        self.seconds = defaultdict(float)     # env / forward / update / sync time of this thread
        self.stats = np.zeros(4)              # running sums of the train function's outputs
        self.n_updates = 0
        self.error: BaseException | None = None

    def epsilon(self) -> float:
        cfg = self.learner.cfg
        return losses.linear_anneal(1.0, self.final_epsilon, self.learner.frames, cfg.epsilon_anneal_frames)

    def choose(self, head: np.ndarray) -> int:
        if not np.all(np.isfinite(head)):                 # no policy to act with: the run diverged
            raise FloatingPointError("the network's output became nan or inf")
        if self.learner.value_based:                      # epsilon-greedy on Q(s, .; theta')
            if self.rng.random() < self.epsilon():
                return int(self.rng.integers(self.learner.n_actions))
            return int(np.argmax(head))
        p = np.exp(head - head.max())                     # sample a ~ pi(.|s; theta')
        return int(self.rng.choice(len(p), p=p / p.sum()))

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as e:  # noqa: BLE001 -- reported by the main thread
            self.error = e

    def _loop(self) -> None:
        L, cfg, clock = self.learner, self.learner.cfg, time.perf_counter
        t0 = clock()
        s = self.task.reset()
        state = L.initial_state()
        pending = None                                    # Sarsa: a' chosen at the end of the last rollout
        self.seconds["env"] += clock() - t0
        while not self.should_stop():
            t0 = clock()
            theta = L.sync()                              # theta' <- theta
            lr = L.learning_rate(self.lr0)
            t1 = clock()
            self.seconds["sync"] += t1 - t0
            obs, actions, rewards, state0 = [s], [], [], state
            terminal = episode_end = False
            frames = 0
            for _ in range(cfg.t_max):
                t0 = clock()
                head, _, new_state = L.act(theta, s[None], state)
                a = pending if pending is not None else self.choose(head.numpy()[0])
                pending = None
                t1 = clock()
                tr = self.task.step(a)
                t2 = clock()
                self.seconds["forward"] += t1 - t0
                self.seconds["env"] += t2 - t1
                state, s = new_state, tr.state
                obs.append(s)
                actions.append(a)
                rewards.append(tr.reward)
                frames += tr.frames
                terminal, episode_end = tr.terminal, tr.episode_end
                if terminal or episode_end:
                    break
            t0 = clock()
            if cfg.method == "one_step_sarsa":            # a' ~ epsilon-greedy(Q(s_t, .; theta'))
                pending = None if episode_end else self.choose(L.act(theta, s[None], state)[0].numpy()[0])
                actions.append(0 if pending is None else pending)
            t1 = clock()
            out = L.train(theta, np.stack(obs), np.asarray(actions, np.int32),
                          np.asarray(rewards, np.float32), terminal, state0, lr)
            self.stats += out.numpy()
            self.n_updates += 1
            t2 = clock()
            self.seconds["forward"] += t1 - t0
            self.seconds["update"] += t2 - t1
            total = L.count(frames, 1)
            if episode_end:
                self.episode_sink(self.index, total, tr.episode_return)
                t0 = clock()
                s = self.task.reset()
                self.seconds["env"] += clock() - t0
                state = L.initial_state()
            elif terminal and L.recurrent:                # life loss as terminal: fresh LSTM state
                state = L.initial_state()
