"""Q-networks of Mnih et al. 2015 (Nature) and Mnih et al. 2013 (NIPS workshop), plus the small
MLP torso of our CartPole check. Keras models only.

Input: uint8 states, NHWC (batch, 84, 84, 4), scaled to [0, 1] inside the network (the replay
memory and the acting path never hold float frames). Output: one Q-value per action.

  Nature (Methods 'Model architecture'; Lua convnet_atari3.lua):
    84x84x4 -> conv 32 8x8/4 -> 20x20x32 -> conv 64 4x4/2 -> 9x9x64 -> conv 64 3x3/1 -> 7x7x64
            -> fc 512 -> fc |A|, ReLU after every hidden layer.
    (The Lua code pads the first conv by 1 pixel; the output is 20x20 either way. We follow the
    paper's text: no padding.)
  Dopamine (google/dopamine@5873f5494e dopamine/discrete_domains/legacy_networks.py
    NatureDQNNetwork, the network of its published DQN curves): the Nature layers with 'same'
    padding, 84 -> 21 -> 11 -> 11 (fc input 11x11x64 = 7,744 instead of 3,136), and Keras'
    default initialisers (Glorot uniform weights, zero biases).
  NIPS 2013 (Sec. 4.1): 84x84x4 -> conv 16 8x8/4 -> 20x20x16 -> conv 32 4x4/2 -> 9x9x32
            -> fc 256 -> fc |A|.
  Dueling head (`dueling`, Wang et al. 2016 "Dueling Network Architectures for Deep RL", off in
  both DQN papers): the fc hidden layer becomes two streams of the same width (Wang et al.
  Sec. 4.2: after the Nature conv torso, "two streams of fully-connected layers", each with 512
  units), one ending in V(s) (1 output), one in A(s, a) (|A| outputs), aggregated by Eq. 9:
        Q(s, a) = V(s) + (A(s, a) - 1/|A| sum_a' A(s, a'))
    Not done: Wang et al. also rescale the gradient entering the last conv layer by 1/sqrt(2)
    and clip gradient norms to 10 (Sec. 4.2). carpedm20/deep-rl-tensorflow, which offered this
    head, adds its 512-unit streams after the fc 512 layer instead of in its place.

Initialisation (Nature, NIPS 2013): Torch7's default, which the Lua code uses: weights and biases uniform in
+-1/sqrt(fan_in). `precision="mixed_bfloat16"` computes in bfloat16 with float32 variables; the
last layer stays float32 (declared deviation, see config.py).
"""

from __future__ import annotations

import math

import keras
from keras import ops

NATURE_CONVS = ((32, 8, 4), (64, 4, 2), (64, 3, 1))   # (filters, kernel, stride)
NATURE_HIDDEN = 512
NIPS2013_CONVS = ((16, 8, 4), (32, 4, 2))
NIPS2013_HIDDEN = 256


def _torch_init(fan_in: int) -> dict:
    """Torch7 nn.SpatialConvolution / nn.Linear reset(): U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in)
    return {"kernel_initializer": keras.initializers.RandomUniform(-bound, bound),
            "bias_initializer": keras.initializers.RandomUniform(-bound, bound)}


class DuelingAggregation(keras.layers.Layer):
    """Wang et al. 2016, Eq. 9: Q(s, a) = V(s) + (A(s, a) - mean_a' A(s, a')).
    Shapes: V (B, 1), A (B, |A|) -> Q (B, |A|)."""

    def call(self, value, advantage):
        return value + advantage - ops.mean(advantage, axis=-1, keepdims=True)


def _keras_init(fan_in: int) -> dict:
    """Keras' defaults (Glorot uniform weights, zero biases): Dopamine's TF networks."""
    return {}


def q_head(features, hidden: int, n_actions: int, dueling: bool, dtype: str | None = None,
           init=_torch_init):
    """fc `hidden` (ReLU) -> Q(s, .) over the torso's (B, F) features; with `dueling`, two such
    streams ending in V(s) and A(s, .), aggregated by Eq. 9. Hidden layers compute in `dtype`
    (None: Keras' global policy); Q-values are float32."""
    fan_in = features.shape[-1]
    if not dueling:
        x = keras.layers.Dense(hidden, activation="relu", dtype=dtype, name="fc",
                               **init(fan_in))(features)                       # (B, hidden)
        return keras.layers.Dense(n_actions, dtype="float32", name="q",
                                  **init(hidden))(x)                           # (B, |A|)
    v = keras.layers.Dense(hidden, activation="relu", dtype=dtype, name="value_fc",
                           **init(fan_in))(features)                           # (B, hidden)
    v = keras.layers.Dense(1, dtype="float32", name="value", **init(hidden))(v)  # V(s): (B, 1)
    a = keras.layers.Dense(hidden, activation="relu", dtype=dtype, name="advantage_fc",
                           **init(fan_in))(features)                           # (B, hidden)
    a = keras.layers.Dense(n_actions, dtype="float32", name="advantage",
                           **init(hidden))(a)                                  # A(s, .): (B, |A|)
    return DuelingAggregation(dtype="float32", name="q")(v, a)                        # Q(s, .): (B, |A|)


def conv_q_network(convs, hidden: int, n_actions: int, history: int = 4,
                   precision: str = "float32", dueling: bool = False, padding: str = "valid",
                   init=_torch_init, name: str = "q_network") -> keras.Model:
    """Conv torso + fc hidden + linear Q head (or the dueling head) over uint8 (84, 84, history)
    states."""
    dtype = precision
    states = keras.Input((84, 84, history), dtype="uint8", name="states")
    x = keras.layers.Rescaling(1.0 / 255.0, dtype=dtype, name="scale")(states)
    channels = history
    for i, (filters, kernel, stride) in enumerate(convs):
        x = keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, activation="relu",
                                dtype=dtype, name=f"conv{i + 1}",
                                **init(channels * kernel * kernel))(x)
        channels = filters
    flat = keras.layers.Flatten(dtype=dtype)(x)
    q = q_head(flat, hidden, n_actions, dueling, dtype, init)
    return keras.Model(states, q, name=name)


def mlp_q_network(obs_shape, units, n_actions: int, dueling: bool = False,
                  name: str = "q_network") -> keras.Model:
    """CartPole check: float observations -> MLP -> Q-values. The last hidden layer belongs to
    the head (q_head), so that `dueling` splits it into two streams as in the conv nets."""
    states = keras.Input(tuple(obs_shape), dtype="float32", name="states")
    x = keras.layers.Flatten()(states)
    fan_in = x.shape[-1]
    for i, n in enumerate(units[:-1]):
        x = keras.layers.Dense(n, activation="relu", name=f"fc{i + 1}", **_torch_init(fan_in))(x)
        fan_in = n
    q = q_head(x, units[-1], n_actions, dueling)
    return keras.Model(states, q, name=name)


def build_q_network(cfg, n_actions: int, state_shape, name: str = "q_network") -> keras.Model:
    """The network named by `cfg.network`."""
    if cfg.network == "nature":
        return conv_q_network(NATURE_CONVS, NATURE_HIDDEN, n_actions, cfg.history_length,
                              cfg.precision, cfg.dueling, name=name)
    if cfg.network == "dopamine":
        return conv_q_network(NATURE_CONVS, NATURE_HIDDEN, n_actions, cfg.history_length,
                              cfg.precision, cfg.dueling, padding="same", init=_keras_init, name=name)
    if cfg.network == "nips2013":
        return conv_q_network(NIPS2013_CONVS, NIPS2013_HIDDEN, n_actions, cfg.history_length,
                              cfg.precision, cfg.dueling, name=name)
    return mlp_q_network(state_shape, cfg.mlp_units, n_actions, cfg.dueling, name)
