"""The SLAC agent (Lee et al. 2020, Algorithm 1): the latent model, a soft actor-critic whose
critic sees latent samples z_t = (z^1_t, z^2_t) (stop-gradient) and whose actor sees the
history h_t of 8 image features and 7 actions, and their update steps (official code
`slac_agent.py` with tf_agents SacAgent: twin critics, targets with tau 0.005 every update,
tanh-squashed Gaussian policy, automatic entropy tuning with target -|A|).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from papers.slac import losses
from papers.slac.model import LatentModel
from papers.slac.networks import Actor, Critic, LogAlpha


class SlacAgent:
    def __init__(self, cfg, action_size: int, seed: int):
        self.cfg, self.action_size = cfg, action_size
        self.history = cfg.sequence_length                      # 8 features, 7 actions
        self.target_entropy = -float(action_size)               # -|A|
        self.model = LatentModel(cfg, action_size, seed)
        self.actor = Actor(action_size, cfg.hidden_units)
        self.critic1, self.critic2 = Critic(cfg.hidden_units), Critic(cfg.hidden_units)
        self.target1, self.target2 = Critic(cfg.hidden_units), Critic(cfg.hidden_units)
        self.log_alpha = LogAlpha(cfg.initial_log_alpha)
        self.rng = tf.random.Generator.from_seed(seed + 1)      # policy noise
        self.model_opt = keras.optimizers.Adam(cfg.model_learning_rate)
        self.actor_opt = keras.optimizers.Adam(cfg.actor_learning_rate)
        self.critic_opt = keras.optimizers.Adam(cfg.critic_learning_rate)
        self.alpha_opt = keras.optimizers.Adam(cfg.alpha_learning_rate)
        self._build(cfg)

    def _build(self, cfg):
        shape = (cfg.image_size, cfg.image_size, 3)
        self.model.build_all(shape)
        feat = 8 * cfg.base_depth
        self.actor(tf.zeros((1, self.history * feat + (self.history - 1) * self.action_size)))
        z, a = tf.zeros((1, cfg.latent1_size + cfg.latent2_size)), tf.zeros((1, self.action_size))
        for q in (self.critic1, self.critic2, self.target1, self.target2):
            q([z, a])
        for src, dst in ((self.critic1, self.target1), (self.critic2, self.target2)):
            dst.set_weights(src.get_weights())
        self.critic_vars = self.critic1.trainable_variables + self.critic2.trainable_variables
        self.model_opt.build(self.model.trainable_variables)
        self.actor_opt.build(self.actor.trainable_variables)
        self.critic_opt.build(self.critic_vars)
        self.alpha_opt.build([self.log_alpha.value])

    def trackables(self) -> dict:
        """Everything a checkpoint must hold (networks, targets, optimizers, RNGs)."""
        return dict(model=self.model, actor=self.actor, critic1=self.critic1, critic2=self.critic2,
                    target1=self.target1, target2=self.target2, log_alpha=self.log_alpha,
                    model_opt=self.model_opt, actor_opt=self.actor_opt, critic_opt=self.critic_opt,
                    alpha_opt=self.alpha_opt, model_rng=self.model.rng, policy_rng=self.rng)

    # ------------------------------------------------------------------ policy
    def _policy(self, history):
        """a = tanh(u), u ~ N(mean, std) reparameterised; returns (a, log pi(a|h), tanh(mean))."""
        mean, std = self.actor(history)
        u = mean + std * self.rng.normal(tf.shape(mean))
        return tf.tanh(u), losses.tanh_gaussian_log_prob(u, mean, std), tf.tanh(mean)

    @staticmethod
    def history_input(features, actions):
        """h = [x-features of 8 frames, 7 actions] flattened: [B, 8, F], [B, 7, A] -> [B, 8F+7A]."""
        b = tf.shape(features)[0]
        return tf.concat([tf.reshape(features, (b, -1)), tf.reshape(actions, (b, -1))], -1)

    @tf.function
    def encode(self, image):
        """One uint8 frame [H, W, 3] -> its feature [F] (for acting)."""
        return self.model.encoder(image[None])[0]

    @tf.function
    def act(self, features, actions, noise):
        """features [8, F], actions [7, A], noise [A] ~ N(0, I) -> a = tanh(mean + std * noise),
        the policy's sample (noise = 0: the greedy action tanh(mean))."""
        mean, std = self.actor(self.history_input(features[None], actions[None]))
        return tf.tanh(mean + std * noise)[0]

    # ------------------------------------------------------------------ updates
    @tf.function
    def update_model(self, images, actions, rewards):
        """One Adam step on -ELBO for a batch of [B, 8+1] sequences; returns the ELBO terms."""
        with tf.GradientTape() as tape:
            terms = self.model.compute_loss_terms(images, actions, rewards)
        grads = tape.gradient(terms["loss"], self.model.trainable_variables)
        self.model_opt.apply(grads, self.model.trainable_variables)
        return terms

    @tf.function
    def update_actor_critic(self, images, actions, rewards, discounts):
        """One SAC step on the last transition of each [B, 8+1] sequence (critic, actor, alpha,
        then the target networks), as the official SlacAgent._train does."""
        features = tf.stop_gradient(self.model.encoder(images))                 # [B, 9, F]
        z1, z2, _, _ = self.model.sample_posterior(features, actions)
        z = tf.stop_gradient(tf.concat([z1, z2], -1))
        z_t, z_next = z[:, -2], z[:, -1]
        a_t, r_t, d_t = actions[:, -2], rewards[:, -2], discounts[:, -2]
        h_t = self.history_input(features[:, :-1], actions[:, :-2])             # x_{0..7}, a_{0..6}
        h_next = self.history_input(features[:, 1:], actions[:, 1:-1])          # x_{1..8}, a_{1..7}
        alpha = tf.exp(self.log_alpha.value)

        next_a, next_log_pi, _ = self._policy(h_next)
        y = losses.soft_q_target(r_t, d_t, self.cfg.gamma, self.target1([z_next, next_a]),
                                 self.target2([z_next, next_a]), next_log_pi, alpha)
        # As tf_agents' SAC: all three losses on the pre-update parameters, then three steps;
        # the alpha loss draws its own action sample.
        with tf.GradientTape(persistent=True) as tape:
            critic_loss = losses.critic_loss(self.critic1([z_t, a_t]), self.critic2([z_t, a_t]), y)
            a, log_pi, _ = self._policy(h_t)
            actor_loss = losses.actor_loss(alpha, log_pi, self.critic1([z_t, a]), self.critic2([z_t, a]))
            _, log_pi_alpha, _ = self._policy(h_t)
            alpha_loss = losses.alpha_loss(self.log_alpha.value, log_pi_alpha, self.target_entropy)
        actor_vars, alpha_vars = self.actor.trainable_variables, [self.log_alpha.value]
        self.critic_opt.apply(tape.gradient(critic_loss, self.critic_vars), self.critic_vars)
        self.actor_opt.apply(tape.gradient(actor_loss, actor_vars), actor_vars)
        self.alpha_opt.apply(tape.gradient(alpha_loss, alpha_vars), alpha_vars)
        del tape

        tau = self.cfg.tau
        for src, dst in ((self.critic1, self.target1), (self.critic2, self.target2)):
            for s, d in zip(src.weights, dst.weights):
                d.assign((1.0 - tau) * d + tau * s)
        return {"critic_loss": critic_loss, "actor_loss": actor_loss, "alpha_loss": alpha_loss,
                "alpha": tf.exp(self.log_alpha.value), "entropy": -tf.reduce_mean(log_pi),
                "q_mean": tf.reduce_mean(y)}


class History:
    """The acting-time history h_t: features of the last 8 frames and the last 7 actions.
    At an episode start the missing frames are copies of the first frame and the missing
    actions are zeros, as the official `filter_before_first_step` (slac_agent.py) does.
    The policy's noise comes from the agent's RNG (training: part of the checkpoint), or from a
    generator of its own when an episode starts with `noise_seed` (evaluation: a return then
    depends on the weights and the seed alone)."""

    def __init__(self, agent: SlacAgent):
        self.agent = agent
        self.n = agent.history
        self.rng = agent.rng

    def reset(self, frame, noise_seed: int | None = None):
        self.features = np.stack([self._encode(frame)] * self.n)
        self.actions = np.zeros((self.n - 1, self.agent.action_size), np.float32)
        if noise_seed is not None:
            self.rng = tf.random.Generator.from_seed(noise_seed)

    def _encode(self, frame):
        return self.agent.encode(tf.constant(frame)).numpy()

    def act(self, greedy: bool) -> np.ndarray:
        shape = (self.agent.action_size,)
        noise = tf.zeros(shape) if greedy else self.rng.normal(shape)
        return self.agent.act(tf.constant(self.features), tf.constant(self.actions), noise).numpy()

    def push(self, action, frame):
        self.actions = np.concatenate([self.actions[1:], np.asarray(action, np.float32)[None]])
        self.features = np.concatenate([self.features[1:], self._encode(frame)[None]])
