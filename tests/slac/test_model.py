"""papers/slac/model.py + agent.py: SLAC's latent model (Lee et al. 2020) -- shapes of the
factors, the fixed first prior, the ELBO of a tiny model falling with training on a fixed
sequence, and the actor-critic update touching only what it should."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from papers.slac.agent import SlacAgent
from papers.slac.config import SlacConfig

TINY = dataclasses.replace(SlacConfig(), base_depth=4, latent1_size=4, latent2_size=8,
                           hidden_units=16, model_learning_rate=1e-3)


def fixed_sequence(batch=2, steps=9, seed=0):
    """A moving white square on black: learnable in a few dozen updates."""
    images = np.zeros((batch, steps, 64, 64, 3), np.uint8)
    for b in range(batch):
        for t in range(steps):
            x = 4 + 5 * t + 3 * b
            images[b, t, 20:36, x:x + 16] = 255
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (batch, steps, 1)).astype(np.float32)
    rewards = np.linspace(0, 1, steps, dtype=np.float32)[None].repeat(batch, 0)
    return tf.constant(images), tf.constant(actions), tf.constant(rewards)


def test_posterior_shapes_and_first_prior():
    agent = SlacAgent(TINY, 1, seed=0)
    images, actions, _ = fixed_sequence()
    z1, z2, (qm, qs), (pm, ps) = agent.model.sample_posterior(agent.model.encoder(images), actions)
    assert z1.shape == (2, 9, 4) and z2.shape == (2, 9, 8) and qm.shape == (2, 9, 4)
    np.testing.assert_array_equal(pm[:, 0], 0.0)   # p(z^1_1) = N(0, I)
    np.testing.assert_array_equal(ps[:, 0], 1.0)
    assert (qs.numpy() > 0).all() and (ps.numpy() > 0).all()


def test_paper_sizes_of_the_encoder_and_latents():
    agent = SlacAgent(SlacConfig(), 6, seed=0)
    feats = agent.model.encoder(tf.zeros((2, 3, 64, 64, 3), tf.uint8))
    assert feats.shape == (2, 3, 256)
    assert agent.model.decoder(tf.zeros((5, 32 + 256))).shape == (5, 64, 64, 3)
    assert agent.target_entropy == -6.0
    assert agent.actor.trainable_variables[0].shape == (8 * 256 + 7 * 6, 256)  # h_t: 8 x, 7 a


def test_elbo_of_tiny_model_decreases_with_training():
    agent = SlacAgent(TINY, 1, seed=0)
    images, actions, rewards = fixed_sequence()
    first = [float(agent.update_model(images, actions, rewards)["loss"]) for _ in range(3)]
    for _ in range(40):
        terms = agent.update_model(images, actions, rewards)
    last = [float(agent.update_model(images, actions, rewards)["loss"]) for _ in range(3)]
    assert np.isfinite(last).all()
    assert np.mean(last) < 0.8 * np.mean(first)
    assert float(terms["recon_mse"]) < 0.2


def test_actor_critic_update_moves_critics_actor_alpha_not_model():
    agent = SlacAgent(TINY, 1, seed=0)
    images, actions, rewards = fixed_sequence()
    model_before = [v.numpy().copy() for v in agent.model.trainable_variables]
    critic_before = [v.numpy().copy() for v in agent.critic_vars]
    target_before = [v.numpy().copy() for v in agent.target1.weights]
    actor_before = [v.numpy().copy() for v in agent.actor.trainable_variables]
    out = agent.update_actor_critic(images, actions, rewards, tf.ones_like(rewards))
    assert all(np.isfinite(float(v)) for v in out.values())
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(model_before, agent.model.trainable_variables))
    assert not all(np.array_equal(a, b.numpy()) for a, b in zip(critic_before, agent.critic_vars))
    assert not all(np.array_equal(a, b.numpy()) for a, b in zip(actor_before, agent.actor.trainable_variables))
    # soft target update: target <- 0.995 target + 0.005 critic (critic moved by one Adam step)
    new_target = agent.target1.weights[0].numpy()
    expected = 0.995 * target_before[0] + 0.005 * agent.critic1.weights[0].numpy()
    np.testing.assert_allclose(new_target, expected, atol=1e-6)
    assert float(out["alpha"]) == pytest.approx(np.exp(float(agent.log_alpha.value)))
    assert float(agent.log_alpha.value) != 0.0


def test_encoder_input_standardisation_by_hand():
    """Official input x/255 until set_input_statistics; then (x/255 - mean) / (std + floor) per pixel."""
    from papers.slac.networks import Encoder
    enc = Encoder(base_depth=4, image_size=64)
    frames = np.zeros((4, 64, 64, 3), np.uint8)
    frames[:, 0, 0, 0] = (0, 51, 102, 153)           # one pixel: 0, .2, .4, .6 on [0, 1]
    frames[:, 5, 5, 1] = 255                           # a constant pixel
    enc(tf.constant(frames[:1]))
    np.testing.assert_array_equal(enc.pixel_mean.numpy(), 0.0)
    np.testing.assert_array_equal(enc.pixel_scale.numpy(), 1.0)
    enc.set_input_statistics(frames, floor=0.05)
    std = np.sqrt(np.mean(np.square(np.array([0, .2, .4, .6]) - 0.3)))   # 0.2236
    assert enc.pixel_mean.numpy()[0, 0, 0] == pytest.approx(0.3)
    assert enc.pixel_scale.numpy()[0, 0, 0] == pytest.approx(std + 0.05)
    assert enc.pixel_mean.numpy()[5, 5, 1] == pytest.approx(1.0)
    assert enc.pixel_scale.numpy()[5, 5, 1] == pytest.approx(0.05)
    assert enc.pixel_scale.numpy()[10, 10, 2] == pytest.approx(0.05)   # never-lit pixel: scale = floor
