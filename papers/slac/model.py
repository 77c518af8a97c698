"""The sequential latent variable model of SLAC (Lee et al. 2020: Sec. 5, 'latent variable
model', and App. B, its factorisation and model diagram; numbers of the NeurIPS 2020 submission,
see README), per the official code (alexlee-gk/slac `SlacModelDistributionNetwork`).

Two latent levels per step, z_t = (z^1_t [32], z^2_t [256]):
    p(z^1_1) = N(0, I)                         q(z^1_1 | x_1)
    p(z^2_1 | z^1_1)                           (shared: q(z^2_1 | z^1_1) = p(z^2_1 | z^1_1))
    p(z^1_{t+1} | z^2_t, a_t)                  q(z^1_{t+1} | x_{t+1}, z^2_t, a_t)
    p(z^2_{t+1} | z^1_{t+1}, z^2_t, a_t)       (shared by prior and posterior: zero KL)
    p(x_t | z_t) = N(decoder(z_t), decoder_stddev^2 I)      p(r_t | z_t, a_t, z_{t+1})
Time index 0 below is the paper's t = 1. Every factor is a diagonal Gaussian (TFP-compatible
(mean, std) pairs); samples are reparameterised with a checkpointed tf.random.Generator so a
resumed run draws the same numbers.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from papers.slac import losses
from papers.slac.networks import Decoder, Encoder, GaussianMLP


class LatentModel(keras.Model):
    def __init__(self, cfg, action_size: int, seed: int, **kw):
        super().__init__(**kw)
        hidden = 8 * cfg.base_depth
        self.z1_size, self.z2_size, self.action_size = cfg.latent1_size, cfg.latent2_size, action_size
        self.decoder_stddev = cfg.decoder_stddev
        self.encoder = Encoder(cfg.base_depth, cfg.compute_dtype, cfg.image_size)
        self.decoder = Decoder(cfg.base_depth, dtype_policy=cfg.compute_dtype)
        self.q_z1_first = GaussianMLP(cfg.latent1_size, hidden)   # q(z^1_1 | x_1)
        self.p_z2_first = GaussianMLP(cfg.latent2_size, hidden)   # p(z^2_1 | z^1_1) = q(...)
        self.p_z1 = GaussianMLP(cfg.latent1_size, hidden)         # p(z^1_{t+1} | z^2_t, a_t)
        self.q_z1 = GaussianMLP(cfg.latent1_size, hidden)         # q(z^1_{t+1} | x_{t+1}, z^2_t, a_t)
        self.p_z2 = GaussianMLP(cfg.latent2_size, hidden)         # p(z^2_{t+1} | z^1_{t+1}, z^2_t, a_t) = q(...)
        self.p_reward = GaussianMLP(1, hidden)                    # p(r_t | z_t, a_t, z_{t+1})
        self.rng = tf.random.Generator.from_seed(seed)

    def build_all(self, image_shape):
        """Create every variable (before optimizer.build and checkpoint restore)."""
        images = tf.zeros((1, 2) + tuple(image_shape), tf.uint8)
        actions = tf.zeros((1, 2, self.action_size))
        self.compute_loss_terms(images, actions, tf.zeros((1, 2)))

    def sample(self, mean, std):
        return mean + std * self.rng.normal(tf.shape(mean))

    def sample_posterior(self, features, actions):
        """Filter a sequence: features [B, T+1, F], actions [B, T+1, A] (a_t taken after x_t).
        Returns z1, z2 [B, T+1, .] sampled from q, and the (mean, std) of q(z^1_t) and of the
        prior p(z^1_t) evaluated at the posterior's previous sample, each [B, T+1, z1]."""
        steps = features.shape[1]
        z1s, z2s, q_stats, p_stats = [], [], [], []
        for t in range(steps):
            if t == 0:
                q_mean, q_std = self.q_z1_first([features[:, 0]])
                p_mean, p_std = tf.zeros_like(q_mean), tf.ones_like(q_std)
                z1 = self.sample(q_mean, q_std)
                z2 = self.sample(*self.p_z2_first([z1]))
            else:
                z2_prev, a_prev = z2s[-1], actions[:, t - 1]
                p_mean, p_std = self.p_z1([z2_prev, a_prev])
                q_mean, q_std = self.q_z1([features[:, t], z2_prev, a_prev])
                z1 = self.sample(q_mean, q_std)
                z2 = self.sample(*self.p_z2([z1, z2_prev, a_prev]))
            z1s.append(z1), z2s.append(z2)
            q_stats.append((q_mean, q_std)), p_stats.append((p_mean, p_std))
        stack = lambda xs: tf.stack(xs, axis=1)  # noqa: E731
        return (stack(z1s), stack(z2s),
                tuple(stack(s) for s in zip(*q_stats)), tuple(stack(s) for s in zip(*p_stats)))

    def sample_prior(self, z1_first, z2_first, actions):
        """Open-loop rollout from the posterior's first latent: z^1_{t+1} ~ p(.|z^2_t, a_t),
        z^2_{t+1} ~ p(.|z^1_{t+1}, z^2_t, a_t); returns [B, T+1, z1 + z2]."""
        z1, z2, zs = z1_first, z2_first, [tf.concat([z1_first, z2_first], -1)]
        for t in range(actions.shape[1] - 1):
            z1 = self.sample(*self.p_z1([z2, actions[:, t]]))
            z2 = self.sample(*self.p_z2([z1, z2, actions[:, t]]))
            zs.append(tf.concat([z1, z2], -1))
        return tf.stack(zs, axis=1)

    def compute_loss_terms(self, images, actions, rewards):
        """Per-step ELBO terms for a batch of sequences: images uint8 [B, T+1, H, W, 3],
        actions [B, T+1, A], rewards [B, T+1] (r_t follows a_t; the last one is unused)."""
        features = self.encoder(images)
        z1, z2, (q_mean, q_std), (p_mean, p_std) = self.sample_posterior(features, actions)
        z = tf.concat([z1, z2], -1)
        kl = losses.kl_diag_gaussians(q_mean, q_std, p_mean, p_std)                    # [B, T+1]
        x = tf.cast(images, tf.float32) / 255.0
        x_mean = self.decoder(z)
        log_px = losses.gaussian_log_prob(x, x_mean, self.decoder_stddev, event_axes=[2, 3, 4])
        r_mean, r_std = self.p_reward([z[:, :-1], actions[:, :-1], z[:, 1:]])
        log_pr = losses.gaussian_log_prob(rewards[:, :-1, None], r_mean, r_std, event_axes=-1)  # [B, T]
        return {"loss": losses.negative_elbo(log_px, kl, log_pr),
                "kl": tf.reduce_mean(tf.reduce_sum(kl, 1)),
                "log_px": tf.reduce_mean(tf.reduce_sum(log_px, 1)),
                "log_pr": tf.reduce_mean(tf.reduce_sum(log_pr, 1)),
                "recon_mse": tf.reduce_mean(tf.square(x - x_mean)),
                # the same error for the batch's average frame: recon_mse below it is what the
                # latents carry beyond the static scene (the cart and pole)
                "mean_frame_mse": tf.reduce_mean(tf.square(x - tf.reduce_mean(x, [0, 1], keepdims=True))),
                "reward_mse": tf.reduce_mean(tf.square(rewards[:, :-1] - r_mean[..., 0]))}

    def reconstructions(self, images, actions):
        """The qualitative figure: posterior reconstructions and an open-loop prior rollout
        (conditioned on the first frame only), both as decoder means in [0, 1]."""
        z1, z2, _, _ = self.sample_posterior(self.encoder(images), actions)
        posterior = self.decoder(tf.concat([z1, z2], -1))
        prior = self.decoder(self.sample_prior(z1[:, 0], z2[:, 0], actions))
        return tf.clip_by_value(posterior, 0.0, 1.0), tf.clip_by_value(prior, 0.0, 1.0)
