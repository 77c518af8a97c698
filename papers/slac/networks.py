"""Keras networks of SLAC (Lee et al. 2020), per the official code
(alexlee-gk/slac `model_distribution_network.py`, tf_agents actor/critic networks):
the 5-layer conv encoder and its mirrored decoder (leaky ReLU, slope 0.2), the Gaussian MLP
used by every latent factor, the tanh-Gaussian actor and the Q-network.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

LEAKY = "leaky_relu"  # keras' default negative slope 0.2 = tf.nn.leaky_relu's (the official code)


class Encoder(keras.Model):
    """The "compressor": uint8 images [..., 64, 64, 3] -> features [..., 8*base_depth].
    Its input is (x / 255 - pixel_mean) / pixel_scale; both stay at 0 and 1 (the official
    `convert_image_dtype` to [0, 1]) unless `set_input_statistics` is called."""

    def __init__(self, base_depth: int = 32, dtype_policy: str = "float32", image_size: int = 64, **kw):
        super().__init__(**kw)
        d = base_depth
        shape = (image_size, image_size, 3)
        self.pixel_mean = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="pixel_mean")
        self.pixel_scale = self.add_weight(shape=shape, initializer="ones", trainable=False, name="pixel_scale")
        conv = dict(padding="same", activation=LEAKY, dtype=dtype_policy)
        self.feature_size = 8 * d
        # direct attributes (not a list), so that tf.train.Checkpoint tracks every weight
        self.conv1 = layers.Conv2D(d, 5, 2, **conv)          # 64x64x3  -> 32x32x32
        self.conv2 = layers.Conv2D(2 * d, 3, 2, **conv)      # 32x32x32 -> 16x16x64
        self.conv3 = layers.Conv2D(4 * d, 3, 2, **conv)      # 16x16x64 -> 8x8x128
        self.conv4 = layers.Conv2D(8 * d, 3, 2, **conv)      # 8x8x128  -> 4x4x256
        self.conv5 = layers.Conv2D(8 * d, 4, 1, padding="valid", activation=LEAKY,
                                   dtype=dtype_policy)       # 4x4x256  -> 1x1x256

    def set_input_statistics(self, images, floor: float = 0.05) -> None:
        """Standardise each pixel with the statistics of `images` (uint8 [N, H, W, 3]):
        mean and std over N on the [0, 1] scale; the scale is std + floor."""
        self.pixel_mean.assign((images.mean(0, dtype=np.float64) / 255.0).astype("float32"))
        self.pixel_scale.assign((images.std(0, dtype=np.float64) / 255.0 + floor).astype("float32"))

    def call(self, images):
        lead = ops.shape(images)[:-3]
        x = (ops.cast(images, "float32") / 255.0 - self.pixel_mean) / self.pixel_scale
        x = ops.reshape(x, (-1,) + tuple(images.shape[-3:]))
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5):
            x = conv(x)
        return ops.reshape(ops.cast(x, "float32"), tuple(lead) + (self.feature_size,))


class Decoder(keras.Model):
    """Mirror of the encoder: latents [..., z1+z2] -> pixel means [..., 64, 64, 3] on the [0, 1]
    scale (the Normal's loc; its std is the fixed `decoder_stddev`)."""

    def __init__(self, base_depth: int = 32, channels: int = 3, dtype_policy: str = "float32", **kw):
        super().__init__(**kw)
        d = base_depth
        deconv = dict(padding="same", activation=LEAKY, dtype=dtype_policy)
        self.deconv1 = layers.Conv2DTranspose(8 * d, 4, 1, padding="valid", activation=LEAKY,
                                              dtype=dtype_policy)     # 1x1   -> 4x4x256
        self.deconv2 = layers.Conv2DTranspose(4 * d, 3, 2, **deconv)  # 4x4   -> 8x8x128
        self.deconv3 = layers.Conv2DTranspose(2 * d, 3, 2, **deconv)  # 8x8   -> 16x16x64
        self.deconv4 = layers.Conv2DTranspose(d, 3, 2, **deconv)      # 16x16 -> 32x32x32
        self.deconv5 = layers.Conv2DTranspose(channels, 5, 2, **deconv)  # -> 64x64x3 (leaky too, as official)

    def call(self, z):
        lead = ops.shape(z)[:-1]
        x = ops.reshape(z, (-1, 1, 1, z.shape[-1]))
        for deconv in (self.deconv1, self.deconv2, self.deconv3, self.deconv4, self.deconv5):
            x = deconv(x)
        return ops.reshape(ops.cast(x, "float32"), tuple(lead) + tuple(x.shape[1:]))


class GaussianMLP(keras.Model):
    """A latent factor: inputs -> (mean, std) of a diagonal Gaussian; two Dense(hidden, leaky ReLU)
    layers, std = softplus(.) + 1e-5 (official `Normal` network)."""

    def __init__(self, output_size: int, hidden: int = 256, **kw):
        super().__init__(**kw)
        self.dense1 = layers.Dense(hidden, activation=LEAKY)
        self.dense2 = layers.Dense(hidden, activation=LEAKY)
        self.out = layers.Dense(2 * output_size)
        self.output_size = output_size

    def call(self, inputs):
        """inputs: a list of tensors, concatenated on the last axis."""
        x = ops.concatenate(list(inputs), axis=-1)
        x = self.dense2(self.dense1(x))
        mean, raw_std = ops.split(self.out(x), 2, axis=-1)
        return mean, ops.softplus(raw_std) + 1e-5


class Actor(keras.Model):
    """pi(a | h): history features -> (mean, std) of the pre-tanh Gaussian (tf_agents
    ActorDistributionNetwork: ReLU MLP; normal projection with means kernel scale 0.1 and
    log-std clipped to [-20, 2]). The action is tanh(u), u ~ N(mean, std)."""

    def __init__(self, action_size: int, hidden: int = 256, **kw):
        super().__init__(**kw)
        self.dense1 = layers.Dense(hidden, activation="relu")
        self.dense2 = layers.Dense(hidden, activation="relu")
        self.mean = layers.Dense(action_size, kernel_initializer=keras.initializers.VarianceScaling(0.1))
        self.log_std = layers.Dense(action_size)

    def call(self, h):
        h = self.dense2(self.dense1(h))
        return self.mean(h), ops.exp(ops.clip(self.log_std(h), -20.0, 2.0))


class Critic(keras.Model):
    """Q(z, a): ReLU MLP (hidden, hidden) on [z^1, z^2, a] -> a scalar per example."""

    def __init__(self, hidden: int = 256, **kw):
        super().__init__(**kw)
        self.dense1 = layers.Dense(hidden, activation="relu")
        self.dense2 = layers.Dense(hidden, activation="relu")
        self.q = layers.Dense(1)

    def call(self, inputs):
        """inputs: [z, a]."""
        x = ops.concatenate(list(inputs), axis=-1)
        x = self.dense2(self.dense1(x))
        return ops.squeeze(self.q(x), -1)


class LogAlpha(keras.layers.Layer):
    """The entropy temperature as a trainable log alpha (tf_agents SacAgent)."""

    def __init__(self, initial: float = 0.0, **kw):
        super().__init__(**kw)
        self.value = self.add_weight(shape=(), initializer=keras.initializers.Constant(initial),
                                     name="log_alpha")
