"""Q-networks of Mnih et al. 2015 (Nature) and Mnih et al. 2013 (NIPS workshop), plus the small
MLP torso of our CartPole check. Keras models only.

Input: uint8 states, NHWC (batch, 84, 84, 4), scaled to [0, 1] inside the network (the replay
memory and the acting path never hold float frames). Output: one Q-value per action.

  Nature (Methods 'Model architecture'; Lua convnet_atari3.lua):
    84x84x4 -> conv 32 8x8/4 -> 20x20x32 -> conv 64 4x4/2 -> 9x9x64 -> conv 64 3x3/1 -> 7x7x64
            -> fc 512 -> fc |A|, ReLU after every hidden layer.
    (The Lua code pads the first conv by 1 pixel; the output is 20x20 either way. We follow the
    paper's text: no padding.)
  NIPS 2013 (Sec. 4.1): 84x84x4 -> conv 16 8x8/4 -> 20x20x16 -> conv 32 4x4/2 -> 9x9x32
            -> fc 256 -> fc |A|.

Initialisation: Torch7's default, which the Lua code uses: weights and biases uniform in
+-1/sqrt(fan_in). `precision="mixed_bfloat16"` computes in bfloat16 with float32 variables; the
last layer stays float32 (declared deviation, see config.py).
"""

from __future__ import annotations

import math

import keras

NATURE_CONVS = ((32, 8, 4), (64, 4, 2), (64, 3, 1))   # (filters, kernel, stride)
NATURE_HIDDEN = 512
NIPS2013_CONVS = ((16, 8, 4), (32, 4, 2))
NIPS2013_HIDDEN = 256


def _torch_init(fan_in: int) -> dict:
    """Torch7 nn.SpatialConvolution / nn.Linear reset(): U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in)
    return {"kernel_initializer": keras.initializers.RandomUniform(-bound, bound),
            "bias_initializer": keras.initializers.RandomUniform(-bound, bound)}


def conv_q_network(convs, hidden: int, n_actions: int, history: int = 4,
                   precision: str = "float32", name: str = "q_network") -> keras.Model:
    """Conv torso + fc hidden + linear Q head over uint8 (84, 84, history) states."""
    dtype = precision
    states = keras.Input((84, 84, history), dtype="uint8", name="states")
    x = keras.layers.Rescaling(1.0 / 255.0, dtype=dtype, name="scale")(states)
    channels = history
    for i, (filters, kernel, stride) in enumerate(convs):
        x = keras.layers.Conv2D(filters, kernel, strides=stride, activation="relu", dtype=dtype,
                                name=f"conv{i + 1}", **_torch_init(channels * kernel * kernel))(x)
        channels = filters
    flat = keras.layers.Flatten(dtype=dtype)(x)
    x = keras.layers.Dense(hidden, activation="relu", dtype=dtype, name="fc",
                           **_torch_init(flat.shape[-1]))(flat)
    q = keras.layers.Dense(n_actions, dtype="float32", name="q", **_torch_init(hidden))(x)
    return keras.Model(states, q, name=name)


def mlp_q_network(obs_shape, units, n_actions: int, name: str = "q_network") -> keras.Model:
    """CartPole check: float observations -> MLP -> Q-values (same head as the conv nets)."""
    states = keras.Input(tuple(obs_shape), dtype="float32", name="states")
    x = keras.layers.Flatten()(states)
    fan_in = x.shape[-1]
    for i, n in enumerate(units):
        x = keras.layers.Dense(n, activation="relu", name=f"fc{i + 1}", **_torch_init(fan_in))(x)
        fan_in = n
    q = keras.layers.Dense(n_actions, dtype="float32", name="q", **_torch_init(fan_in))(x)
    return keras.Model(states, q, name=name)


def build_q_network(cfg, n_actions: int, state_shape, name: str = "q_network") -> keras.Model:
    """The network named by `cfg.network`."""
    if cfg.network == "nature":
        return conv_q_network(NATURE_CONVS, NATURE_HIDDEN, n_actions, cfg.history_length,
                              cfg.precision, name)
    if cfg.network == "nips2013":
        return conv_q_network(NIPS2013_CONVS, NIPS2013_HIDDEN, n_actions, cfg.history_length,
                              cfg.precision, name)
    return mlp_q_network(state_shape, cfg.mlp_units, n_actions, name)
