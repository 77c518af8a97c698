"""Zoph & Le 2017, the controller (Sec. 3.1-3.3): a 2-layer LSTM that emits an architecture one
decision at a time.

Each categorical decision t has its own softmax classifier; the sampled choice is embedded (an
embedding table per decision) and fed as the next input. An anchor-point step for layer i runs
the LSTM once, keeps its hidden state h_i, and samples one Bernoulli per earlier layer j with
P(j -> i) = sigmoid(v^T tanh(W_prev h_j + W_curr h_i)) (Sec. 3.3). The next input after an
anchor is the mean of the chosen layers' anchor states (zeros if none) -- the paper does not say
what is fed there; this is our choice (ENAS, Pham et al. 2018, does the same).

Every weight is initialised U(-0.08, 0.08) (Sec. 4.1). The same `run` both samples (actions
None) and scores given actions (log P, differentiable) -- in batch over B architectures that
share the same decision list.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf

from papers.nas import losses
from papers.nas.search_space import Step


class Controller(keras.Model):
    def __init__(self, steps: Sequence[Step], units: int = 35, layers: int = 2, init: float = 0.08,
                 seed: int = 0):
        super().__init__(name="controller")
        self.units = units
        self.all_steps = list(steps)

        def uniform():
            nonlocal seed
            seed += 1
            return keras.initializers.RandomUniform(-init, init, seed=seed)

        self.cells = [keras.layers.LSTMCell(units, kernel_initializer=uniform(),
                                            recurrent_initializer=uniform(), bias_initializer=uniform(),
                                            unit_forget_bias=False, name=f"lstm{k}") for k in range(layers)]
        # one softmax classifier and one embedding table per categorical decision
        self.heads, self.embeddings = {}, {}
        for t, s in enumerate(self.all_steps):
            if s.kind == "cat":
                self.heads[t] = keras.layers.Dense(s.size, kernel_initializer=uniform(),
                                                   bias_initializer=uniform(), name=f"head{t}")
                self.embeddings[t] = keras.layers.Embedding(s.size, units, embeddings_initializer=uniform(),
                                                            name=f"embed{t}")
        self.head_list = list(self.heads.values())        # tracked for checkpoints
        self.embedding_list = list(self.embeddings.values())
        self.go = self.add_weight(shape=(1, units), initializer=uniform(), name="go")
        self.w_prev = self.add_weight(shape=(units, units), initializer=uniform(), name="w_prev")
        self.w_curr = self.add_weight(shape=(units, units), initializer=uniform(), name="w_curr")
        self.v = self.add_weight(shape=(units, 1), initializer=uniform(), name="v")
        self.run(self.all_steps, 1, rng=np.random.default_rng(0))   # create every variable now

    def run(self, steps: Sequence[Step], batch: int, actions: Sequence[Any] | None = None,
            rng: np.random.Generator | None = None, trace: dict | None = None):
        """Walk the decisions `steps` (a prefix of `all_steps`) for `batch` architectures.

        actions None: sample with `rng`; else `actions[t]` is an int array [B] (categorical) or
        an int array [B, layer] (anchor). Returns (actions, log_prob [B]) where log_prob =
        sum_t log P(a_t | a_<t). `trace`, when given, collects the anchor hidden states and
        anchor probabilities (for tests)."""
        if list(steps) != self.all_steps[:len(steps)]:
            raise ValueError("steps must be a prefix of the controller's decision list")
        x = tf.tile(self.go, [batch, 1])
        states = [[tf.zeros([batch, self.units]), tf.zeros([batch, self.units])] for _ in self.cells]
        anchors_h: list[tf.Tensor] = []
        log_prob = tf.zeros([batch])
        out = []
        for t, step in enumerate(steps):
            h = x
            for k, cell in enumerate(self.cells):
                h, states[k] = cell(h, states[k])
            if step.kind == "cat":
                logits = self.heads[t](h)
                if actions is None:
                    p = tf.nn.softmax(logits).numpy().astype(np.float64)
                    a = np.array([rng.choice(step.size, p=row / row.sum()) for row in p])
                else:
                    a = np.asarray(actions[t]).reshape(batch)
                log_prob += losses.categorical_log_prob(logits, a)
                x = self.embeddings[t](a)
            else:
                i = step.layer
                if i > 0:
                    prev = tf.stack(anchors_h, axis=1)                                  # [B, i, U]
                    scores = losses.anchor_scores(prev, h, self.w_prev, self.w_curr, self.v)  # [B, i]
                    if actions is None:
                        a = (rng.random((batch, i)) < tf.sigmoid(scores).numpy()).astype(np.int64)
                    else:
                        a = np.asarray(actions[t]).reshape(batch, i)
                    log_prob += losses.bernoulli_log_prob(scores, a)
                    chosen = tf.cast(a, tf.float32)[..., None]
                    x = tf.reduce_sum(chosen * prev, 1) / tf.maximum(tf.reduce_sum(chosen, 1), 1.0)
                    if trace is not None:
                        trace.setdefault("probs", []).append(tf.sigmoid(scores).numpy())
                else:
                    a = np.zeros((batch, 0), np.int64)
                    x = tf.zeros([batch, self.units])
                anchors_h.append(h)
                if trace is not None:
                    trace.setdefault("anchor_h", []).append(h.numpy())
            out.append(a)
        return out, log_prob

    def sample(self, steps: Sequence[Step], rng: np.random.Generator) -> list:
        """One architecture: an int per categorical step, a 0/1 tuple per anchor step."""
        return self.sample_batch(steps, 1, rng)[0]

    def sample_batch(self, steps: Sequence[Step], count: int, rng: np.random.Generator) -> list[list]:
        """`count` architectures sampled together from the same controller state, each as `sample`
        returns it."""
        acts, _ = self.run(steps, count, rng=rng)
        return [[tuple(int(b) for b in a[k]) if s.kind == "anchor" else int(a[k]) for s, a in zip(steps, acts)]
                for k in range(count)]

    def log_prob(self, steps: Sequence[Step], architectures: Sequence[Sequence[Any]]) -> tf.Tensor:
        """sum_t log P(a_t | a_<t) for each architecture (all with decision list `steps`) -> [m]."""
        batched = [np.array([arch[t] for arch in architectures]) for t in range(len(steps))]
        return self.run(steps, len(architectures), actions=batched)[1]
