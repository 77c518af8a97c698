"""Zoph & Le 2017: the child networks a sampled architecture compiles into (Keras models only).

CNN (Sec. 3.3): each layer is conv -> batch norm -> ReLU (the paper names ReLU and batch norm,
not their order). A layer's inputs are the earlier layers its anchor point chose, concatenated
along depth, smaller maps zero-padded to the largest height/width; a layer with no chosen input
reads the image. Every layer whose output no later layer reads ("dangling") is concatenated
(same padding) before the classifier, which is global average pooling + a softmax layer (the
classifier head is not described in the paper; this is our choice).

Recurrent cell (Sec. 3.4): `NASTreeCell` evaluates the tree of a `CellArch` at each step.
Leaves compute comb(W_k x_t, U_k h_{t-1}) (+ bias), inner nodes comb(left, right); then the node's
activation. c_{t-1} is injected after node `inject_node`'s activation: a <- act_inj(comb_inj(a, c_{t-1})).
c_t is node `cell_index`'s value before its activation; h_t is the root's output.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import ops

from papers.nas.search_space import CellArch, ConvLayer, tree_children


# ---------------------------------------------------------------------------- CNN child

def pad_concat(tensors: Sequence, name: str):
    """Concatenate NHWC maps along depth, zero-padding each to the largest height and width."""
    if len(tensors) == 1:
        return tensors[0]
    height = max(t.shape[1] for t in tensors)
    width = max(t.shape[2] for t in tensors)
    padded = []
    for k, t in enumerate(tensors):
        dh, dw = height - t.shape[1], width - t.shape[2]
        if dh or dw:
            t = keras.layers.ZeroPadding2D(((dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2)),
                                           name=f"{name}_pad{k}")(t)
        padded.append(t)
    return keras.layers.Concatenate(axis=-1, name=f"{name}_concat")(padded)


def build_cnn(layers: Sequence[ConvLayer], image_size: int, num_classes: int = 10,
              seed: int = 0) -> keras.Model:
    image = keras.Input((image_size, image_size, 3), name="image")
    outputs, consumed = [], set()
    for i, layer in enumerate(layers):
        consumed.update(layer.inputs)
        x = pad_concat([outputs[j] for j in layer.inputs], f"in{i}") if layer.inputs else image
        x = keras.layers.Conv2D(layer.filters, (layer.filter_h, layer.filter_w),
                                strides=(layer.stride_h, layer.stride_w), padding="same", use_bias=False,
                                kernel_initializer=keras.initializers.HeNormal(seed=seed + i),
                                name=f"conv{i}")(x)                     # [B, H/s_h, W/s_w, filters]
        x = keras.layers.BatchNormalization(name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
        if layer.pool_after:
            x = keras.layers.MaxPooling2D(2, padding="same", name=f"pool{i}")(x)
        outputs.append(x)
    dangling = [outputs[i] for i in range(len(layers)) if i not in consumed]
    x = pad_concat(dangling, "dangling")
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    logits = keras.layers.Dense(num_classes, name="logits",
                                kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(x)
    return keras.Model(image, logits, name="child")


# ---------------------------------------------------------------------------- recurrent cell

_ACT = {"identity": lambda z: z, "tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu}


def _combine(kind: str, a, b):
    return a + b if kind == "add" else a * b


class NASTreeCell(keras.layers.Layer):
    """A Keras RNN cell compiled from a `CellArch` (states [h, c], both `units` wide)."""

    def __init__(self, arch: CellArch, units: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.arch, self.units, self.seed = arch, units, seed
        self.children_of = tree_children(arch.base)
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape):
        b, u = self.arch.base, self.units
        # one initializer per matrix: a shared seeded one would start W = U when x_t and h_{t-1}
        # have the same width (the PTB model: embedding width = hidden units)
        init = lambda offset: keras.initializers.RandomUniform(-0.1, 0.1, seed=2 * self.seed + offset)  # noqa: E731
        self.w = self.add_weight(shape=(input_shape[-1], b * u), initializer=init(0), name="W")   # W_k x_t
        self.u = self.add_weight(shape=(u, b * u), initializer=init(1), name="U")                 # U_k h_{t-1}
        self.bias = self.add_weight(shape=(b * u,), initializer="zeros", name="bias")

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        a = self.arch
        wx = ops.split(ops.matmul(inputs, self.w) + self.bias, a.base, axis=-1)
        uh = ops.split(ops.matmul(h_prev, self.u), a.base, axis=-1)
        values, c_t = [], None
        for k, kids in enumerate(self.children_of):
            left, right = (wx[k], uh[k]) if kids is None else (values[kids[0]], values[kids[1]])
            pre = _combine(a.combinations[k], left, right)
            if k == a.cell_index:
                c_t = pre
            out = _ACT[a.activations[k]](pre)
            if k == a.inject_node:
                out = _ACT[a.inject_activation](_combine(a.inject_combination, out, c_prev))
            values.append(out)
        h_t = values[-1]
        return h_t, [h_t, c_t]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seed": self.seed}


def build_ptb_lm(arch: CellArch, vocab: int, hidden: int, num_layers: int, dropout: float,
                 seed: int = 0) -> keras.Model:
    """Embedding -> num_layers RNNs of the searched cell -> softmax over the vocabulary.

    Inputs: tokens [B, T] and the [h, c] state of every layer; outputs: logits [B, T, V] and the
    final states (carried across consecutive BPTT windows)."""
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    init_states = [keras.Input((hidden,), name=f"{n}{k}") for k in range(num_layers) for n in ("h", "c")]
    x = keras.layers.Embedding(vocab, hidden, name="embed",
                               embeddings_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=seed))(tokens)
    x = keras.layers.Dropout(dropout, seed=seed)(x)
    final_states = []
    for k in range(num_layers):
        rnn = keras.layers.RNN(NASTreeCell(arch, hidden, seed=seed + k + 1), return_sequences=True,
                               return_state=True, name=f"rnn{k}")
        x, h, c = rnn(x, initial_state=init_states[2 * k:2 * k + 2])
        x = keras.layers.Dropout(dropout, seed=seed + 10 + k)(x)
        final_states += [h, c]
    logits = keras.layers.Dense(vocab, name="softmax")(x)
    return keras.Model([tokens] + init_states, [logits] + final_states, name="ptb_child")
