"""Mnih et al. 2016 (A3C): the Keras networks.

Supp. Sec. 8: "the network architecture from (Mnih et al., 2013)": conv 16 8x8 stride 4,
conv 32 4x4 stride 2, fully connected 256, ReLU after each; A3C has a softmax policy head and a
linear value head on the shared torso, the value-based methods one linear Q output per action.
Sec. 5.1: the LSTM agent adds 256 LSTM cells after the final hidden layer. The MLP torso is ours
(CartPole check only).

Every network maps a batch of states to `(head, value)`:
  actor-critic  head = policy logits [B, A], value = V(s) [B]
  Q             head = Q(s, .) [B, A],       value = max_a Q(s, a) [B] (unused by the learners)
The LSTM network reads its batch as ONE sequence in time order and also takes and returns the
recurrent state (h, c), each [1, 256]: `model([obs, h, c]) -> (head, value, h, c)`.
"""

from __future__ import annotations

import keras
from keras import layers, ops

LSTM_CELLS = 256


def _conv_torso(obs, center_frames: bool):
    """uint8 frames [B, 84, 84, 4] -> [B, 256] (Mnih 2013 network). center_frames (ours, cpu
    profile) subtracts each frame's mean pixel, so a uniform background enters conv1 as 0."""
    x = layers.Rescaling(1.0 / 255.0)(obs)
    if center_frames:
        x = x - ops.mean(x, axis=(1, 2), keepdims=True)                      # per state and frame
    x = layers.Conv2D(16, 8, strides=4, activation="relu", name="conv1")(x)   # [B, 20, 20, 16]
    x = layers.Conv2D(32, 4, strides=2, activation="relu", name="conv2")(x)   # [B, 9, 9, 32]
    x = layers.Flatten()(x)                                                   # [B, 2592]
    return layers.Dense(256, activation="relu", name="fc")(x)                 # [B, 256]


def _mlp_torso(obs, units):
    x = obs
    for i, n in enumerate(units):
        x = layers.Dense(n, activation="relu", name=f"fc{i + 1}")(x)
    return x


def _heads(features, n_actions: int, head: str):
    if head == "actor_critic":
        logits = layers.Dense(n_actions, name="policy_logits")(features)           # softmax policy
        value = layers.Reshape(())(layers.Dense(1, name="value")(features))       # linear V(s)
        return logits, value
    q = layers.Dense(n_actions, name="q")(features)
    return q, ops.max(q, axis=-1)


def build_network(kind: str, obs_shape: tuple[int, ...], n_actions: int, head: str = "actor_critic",
                  mlp_units: tuple[int, ...] = (64, 64), center_frames: bool = False,
                  name: str = "network") -> keras.Model:
    """kind: 'ff' (Atari conv), 'lstm' (Atari conv + 256 LSTM cells) or 'mlp' (vector states)."""
    if head not in ("actor_critic", "q"):
        raise ValueError(f"unknown head '{head}'")
    if kind == "ff":
        obs = keras.Input(obs_shape, dtype="uint8", name="obs")
        return keras.Model(obs, _heads(_conv_torso(obs, center_frames), n_actions, head), name=name)
    if kind == "mlp":
        obs = keras.Input(obs_shape, dtype="float32", name="obs")
        return keras.Model(obs, _heads(_mlp_torso(obs, mlp_units), n_actions, head), name=name)
    if kind == "lstm":
        obs = keras.Input(obs_shape, dtype="uint8", name="obs")                  # [T, 84, 84, 4]
        h0 = keras.Input((LSTM_CELLS,), name="h")
        c0 = keras.Input((LSTM_CELLS,), name="c")
        seq = ops.expand_dims(_conv_torso(obs, center_frames), 0)                # [1, T, 256]
        out, h, c = layers.LSTM(LSTM_CELLS, return_sequences=True, return_state=True,
                                name="lstm")(seq, initial_state=[h0, c0])
        head_out, value = _heads(out[0], n_actions, head)                        # [T, A], [T]
        return keras.Model([obs, h0, c0], [head_out, value, h, c], name=name)
    raise ValueError(f"unknown network '{kind}'; use ff, lstm or mlp")
