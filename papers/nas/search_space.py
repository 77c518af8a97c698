"""Zoph & Le 2017: the two search spaces as sequences of controller decisions, and decoding.

CNN (Sec. 3.1, 3.3, Fig. 4): per layer i the controller emits an anchor point (for i > 0 one
sigmoid per previous layer j: is j an input to i?), then filter height, filter width, [stride
height, stride width in the "predicting strides" variant], number of filters.

Recurrent cell (Sec. 3.4, Fig. 5): a tree with `base` leaves (base 8 in the paper). Every node
gets a combination {add, elem_mult} and an activation {identity, tanh, sigmoid, relu}; leaves
combine W x_t and U h_{t-1}, inner nodes combine their two children. Then the "cell inject"
(which node receives c_{t-1}, how it is combined, which activation) and the "cell index" (which
node's pre-activation value becomes c_t). h_t is the root's output.

An architecture is a list of actions aligned with `steps(...)`: an int per categorical step and a
tuple of 0/1 per anchor step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

COMBINATIONS = ("add", "elem_mult")
ACTIVATIONS = ("identity", "tanh", "sigmoid", "relu")


@dataclass(frozen=True)
class Step:
    """One controller decision: kind "cat" (a softmax over `choices`) or "anchor" (layer `layer`
    chooses its inputs among layers 0..layer-1 with independent sigmoids)."""
    kind: str
    name: str
    choices: tuple = ()
    layer: int = 0

    @property
    def size(self) -> int:
        return len(self.choices) if self.kind == "cat" else self.layer


# ---------------------------------------------------------------------------- CNN space

def cnn_steps(cfg, num_layers: int) -> list[Step]:
    steps = []
    for i in range(num_layers):
        steps.append(Step("anchor", f"L{i}.anchor", layer=i))
        steps.append(Step("cat", f"L{i}.filter_h", tuple(cfg.filter_heights), i))
        steps.append(Step("cat", f"L{i}.filter_w", tuple(cfg.filter_widths), i))
        if cfg.space == "strides":
            steps.append(Step("cat", f"L{i}.stride_h", tuple(cfg.strides), i))
            steps.append(Step("cat", f"L{i}.stride_w", tuple(cfg.strides), i))
        steps.append(Step("cat", f"L{i}.filters", tuple(cfg.num_filters), i))
    return steps


def all_cnn_architectures(cfg, num_layers: int) -> list[list]:
    """Every architecture of `num_layers` layers (the whole space, for the ground-truth table,
    table.py), as action lists: per layer every subset of the earlier layers as its inputs and
    every choice of each categorical decision."""
    options = [itertools.product((0, 1), repeat=s.layer) if s.kind == "anchor" else range(s.size)
               for s in cnn_steps(cfg, num_layers)]
    return [list(actions) for actions in itertools.product(*options)]


def num_layers_at(cfg, sampled: int) -> int:
    """Curriculum (Sec. 4.1): start_layers, + layers_increment every curriculum_every samples."""
    return cfg.start_layers + cfg.layers_increment * (sampled // cfg.curriculum_every)


def max_layers(cfg) -> int:
    return num_layers_at(cfg, max(cfg.total_architectures - 1, 0))


@dataclass(frozen=True)
class ConvLayer:
    filter_h: int
    filter_w: int
    stride_h: int
    stride_w: int
    filters: int
    inputs: tuple[int, ...]   # earlier layers feeding this one (empty: the image)
    pool_after: bool          # fixed 2x2 max-pooling after this layer (the "pooling" variant)


def decode_cnn(cfg, actions: Sequence[Any]) -> list[ConvLayer]:
    layers, fields = [], {}
    for step, a in zip(cnn_steps(cfg, _count_layers(actions, cfg)), actions):
        key = step.name.split(".")[1]
        fields[key] = tuple(j for j, bit in enumerate(a) if bit) if step.kind == "anchor" else step.choices[a]
        if key == "filters":
            i = len(layers)
            layers.append(ConvLayer(fields["filter_h"], fields["filter_w"], fields.get("stride_h", 1),
                                    fields.get("stride_w", 1), fields["filters"], fields["anchor"],
                                    cfg.space == "pooling" and (i + 1) in cfg.pool_after))
            fields = {}
    return layers


def _count_layers(actions, cfg) -> int:
    per_layer = 6 if cfg.space == "strides" else 4
    if len(actions) % per_layer:
        raise ValueError(f"{len(actions)} actions do not make whole layers of {per_layer} decisions")
    return len(actions) // per_layer


def cnn_string(layers: Sequence[ConvLayer]) -> str:
    """Readable form, e.g. `0:3x5/1x1,36<img | 1:7x1/1x1,24<0`."""
    parts = []
    for i, l in enumerate(layers):
        src = ",".join(map(str, l.inputs)) or "img"
        parts.append(f"{i}:{l.filter_h}x{l.filter_w}/{l.stride_h}x{l.stride_w},{l.filters}<{src}"
                     + ("+pool" if l.pool_after else ""))
    return " | ".join(parts)


# ---------------------------------------------------------------------------- recurrent cell space

def tree_children(base: int) -> list[tuple[int, int] | None]:
    """Children of each node in evaluation order: `base` leaves (None), then each level pairs the
    previous level's nodes (2k, 2k+1) up to the root (the last node)."""
    if base < 2 or base & (base - 1):
        raise ValueError(f"cell base must be a power of two >= 2, got {base}")
    nodes: list[tuple[int, int] | None] = [None] * base
    level = list(range(base))
    while len(level) > 1:
        nxt = []
        for k in range(0, len(level), 2):
            nodes.append((level[k], level[k + 1]))
            nxt.append(len(nodes) - 1)
        level = nxt
    return nodes


def cell_steps(base: int) -> list[Step]:
    n = len(tree_children(base))
    steps = []
    for k in range(n):
        steps.append(Step("cat", f"node{k}.combination", COMBINATIONS))
        steps.append(Step("cat", f"node{k}.activation", ACTIVATIONS))
    steps.append(Step("cat", "inject.node", tuple(range(n - 1))))
    steps.append(Step("cat", "inject.combination", COMBINATIONS))
    steps.append(Step("cat", "inject.activation", ACTIVATIONS))
    steps.append(Step("cat", "cell_index", tuple(range(n - 1))))
    return steps


@dataclass(frozen=True)
class CellArch:
    base: int
    combinations: tuple[str, ...]    # per node
    activations: tuple[str, ...]     # per node
    inject_node: int
    inject_combination: str
    inject_activation: str
    cell_index: int


def decode_cell(base: int, actions: Sequence[int]) -> CellArch:
    steps = cell_steps(base)
    if len(actions) != len(steps):
        raise ValueError(f"a base-{base} cell needs {len(steps)} actions, got {len(actions)}")
    v = [s.choices[a] for s, a in zip(steps, actions)]
    n = len(tree_children(base))
    return CellArch(base, tuple(v[0:2 * n:2]), tuple(v[1:2 * n:2]), *v[2 * n:])


def cell_string(c: CellArch) -> str:
    nodes = " ".join(f"{k}:{cmb[0:3]}/{act[0:4]}" for k, (cmb, act) in
                     enumerate(zip(c.combinations, c.activations)))
    return (f"{nodes} | inject c_prev->{c.inject_node} {c.inject_combination[0:3]}/"
            f"{c.inject_activation[0:4]} | c_t=pre({c.cell_index})")


# ---------------------------------------------------------------------------- shared helpers

def random_actions(steps: Sequence[Step], rng: np.random.Generator) -> list:
    """The random-search control: uniform over each softmax, P = 0.5 for each skip connection."""
    return [int(rng.integers(s.size)) if s.kind == "cat" else tuple(int(b) for b in rng.integers(0, 2, s.layer))
            for s in steps]


def arch_string(cfg, actions: Sequence[Any]) -> str:
    if cfg.task == "cifar10":
        return cnn_string(decode_cnn(cfg, actions))
    return cell_string(decode_cell(cfg.cell_base, actions))


def task_steps(cfg, sampled: int) -> list[Step]:
    """The decisions of the `sampled`-th architecture (the CNN depth follows the curriculum)."""
    if cfg.task == "cifar10":
        return cnn_steps(cfg, num_layers_at(cfg, sampled))
    return cell_steps(cfg.cell_base)


def all_steps(cfg) -> list[Step]:
    """Every decision the controller may ever make (the deepest curriculum stage)."""
    return cnn_steps(cfg, max_layers(cfg)) if cfg.task == "cifar10" else cell_steps(cfg.cell_base)
