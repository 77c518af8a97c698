"""Keras models of End-To-End Memory Networks (Sukhbaatar et al. 2015).

`MemN2N` is the bAbI question-answering model (Sec. 2 and 4). Every weight carries a leading
axis of R independent runs ("repeats"), so the paper's 10 repeats train together in one
compiled step; R = 1 is an ordinary single model. `MemN2NLM` is the PTB language model of
Sec. 5 (layer-wise tying, shared H, ReLU on half the units, constant query).

Shapes: R repeats, B questions, M memory slots, L words per sentence, d embedding dim,
V vocabulary (0 = nil), T = M time words appended after the vocabulary (temporal encoding).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from papers.memn2n import losses


def checkpoint_items(layer) -> dict:
    """The layer's weights by name, for tf.train.Checkpoint (tracking the layer object itself
    does not reach weights created in __init__ here)."""
    return {w.name: w for w in layer.weights}


def _normal(std: float):
    """A factory of N(0, std^2) initializers, one per weight (Sec. 4.2; the official nn/Weight.m
    draws every matrix with its own randn). One Keras initializer object reused for several
    weights of one shape gives them all the same values, since it holds one fixed seed."""
    return lambda: keras.initializers.RandomNormal(0.0, std)


class MemN2N(keras.layers.Layer):
    """MemN2N for bAbI, R runs at once. call(query, stories, times, linear) -> logits [R, B, V+T].

    query [R, B, L] and stories [R, B, M, L] hold word ids; times [R, B, M] the temporal index
    of each slot (1 = most recent, 0 = empty). `linear` (bool) removes the softmax of eq. 1 in
    every hop (Linear Start). Adjacent tying keeps K+1 matrices E_0..E_K with B = A^1 = E_0,
    A^{k+1} = C^k = E_k and W^T = C^K = E_K; layer-wise keeps B, A, C, W and the linear H.
    """

    def __init__(self, vocab_size: int, memory_size: int, sentence_len: int, cfg, repeats: int = 1,
                 **kwargs):
        super().__init__(**kwargs)
        self.V, self.M, self.L, self.cfg, self.R = vocab_size, memory_size, sentence_len, cfg, repeats
        self.d = cfg.embedding_dim
        self.rows = vocab_size + (memory_size if cfg.temporal_encoding else 0)
        init = _normal(cfg.init_std)
        shape = (repeats, self.rows, self.d)
        if cfg.tying == "adjacent":
            self.E = [self.add_weight(shape=shape, initializer=init(), name=f"E{k}") for k in range(cfg.hops + 1)]
        else:
            self.E = [self.add_weight(shape=shape, initializer=init(), name=n) for n in ("B", "A", "C", "W")]
            self.H = self.add_weight(shape=(repeats, self.d, self.d), initializer=init(), name="H")
        nil = tf.one_hot(0, self.rows, on_value=0.0, off_value=1.0)
        self.nil_mask = nil[None, :, None]                                   # [1, V+T, 1]
        self.zero_nil()
        self.built = True
        if cfg.sentence_repr == "pe" and cfg.pe_formula == "code":
            self.pe_code = losses.position_encoding_code(sentence_len + 1, self.d)   # [L+1, d]

    def zero_nil(self):
        """Keep the nil word's embedding at zero (official train.m, after every update)."""
        for E in self.E:
            E.assign(E * self.nil_mask)

    def _embed(self, E, words, times=None):
        """Sentence vectors: BoW sum_j A x_j, or PE sum_j l_j . A x_j (Sec. 4.1), plus the
        temporal encoding T_A(i) (a time-word row of the same matrix).
        words [R, ..., L] -> [R, ..., d]."""
        x = tf.gather(E, words, batch_dims=1)                                # [R, ..., L, d]
        time_rows = None
        if times is not None and self.cfg.temporal_encoding:
            time_rows = tf.gather(E, tf.where(times > 0, self.V - 1 + times, 0), batch_dims=1)
        if self.cfg.sentence_repr == "bow":
            out = tf.reduce_sum(x, axis=-2)
            return out if time_rows is None else out + time_rows
        if self.cfg.pe_formula == "paper":
            J = tf.reduce_sum(tf.cast(words > 0, tf.int32), axis=-1)
            out = tf.reduce_sum(losses.position_encoding_paper(J, self.L, self.d) * x, axis=-2)
            return out if time_rows is None else out + time_rows
        out = tf.reduce_sum(self.pe_code[: self.L] * x, axis=-2)
        return out if time_rows is None else out + self.pe_code[self.L] * time_rows

    def call(self, query, stories, times, linear=False):
        K = self.cfg.hops
        if self.cfg.tying == "adjacent":
            u = self._embed(self.E[0], query)                                # u^1 = B q      [R, B, d]
            mem = [self._embed(E, stories, times) for E in self.E]           # [R, B, M, d] each
            for k in range(K):
                m, c = mem[k], mem[k + 1]                                    # A^{k+1}, C^{k+1}
                p = losses.attention(tf.einsum("rbmd,rbd->rbm", m, u), linear)   # eq. 1
                u = u + tf.einsum("rbm,rbmd->rbd", p, c)                     # eq. 2 + eq. 4
            W = self.E[K]                                                    # W^T = C^K
        else:
            Bm, A, C, W = self.E
            u = self._embed(Bm, query)
            m, c = self._embed(A, stories, times), self._embed(C, stories, times)
            for _ in range(K):
                p = losses.attention(tf.einsum("rbmd,rbd->rbm", m, u), linear)
                u = tf.einsum("rde,rbe->rbd", self.H, u) + tf.einsum("rbm,rbmd->rbd", p, c)
        return tf.einsum("rbd,rvd->rbv", u, W)                               # eq. 3 logits


def build_model(cfg, td) -> MemN2N:
    """The bAbI model of config `cfg` for the prepared data `td` (data.TaskData), cfg.repeats runs."""
    return MemN2N(len(td.vocab), td.memory_size, td.sentence_len, cfg, repeats=cfg.repeats)


class MemN2NLM(keras.layers.Layer):
    """PTB language model (Sec. 5; official Torch model.lua): one A and one C (word + time
    LookupTables) shared by all hops, u^{k+1} = H u^k + o^k with a shared H, ReLU on the units
    after `linear_dim`, a constant query u^1 = init_query, and the output W u^{K+1}.
    call(context [B, N]) -> logits [B, V]; context[:, -1] is the word just before the target."""

    def __init__(self, vocab_size: int, cfg, **kwargs):
        super().__init__(**kwargs)
        self.cfg, self.V = cfg, vocab_size
        init = _normal(cfg.init_std)
        e, n = cfg.hidden, cfg.memory_size
        self.A = self.add_weight(shape=(vocab_size, e), initializer=init(), name="A")
        self.C = self.add_weight(shape=(vocab_size, e), initializer=init(), name="C")
        self.T_A = self.add_weight(shape=(n, e), initializer=init(), name="T_A")
        self.T_C = self.add_weight(shape=(n, e), initializer=init(), name="T_C")
        self.H = self.add_weight(shape=(e, e), initializer=init(), name="H")
        self.W = self.add_weight(shape=(e, vocab_size), initializer=init(), name="W")
        self.built = True

    def call(self, context):
        cfg = self.cfg
        m = tf.gather(self.A, context) + self.T_A                            # [B, N, e]
        c = tf.gather(self.C, context) + self.T_C
        u = tf.fill([tf.shape(context)[0], cfg.hidden], cfg.init_query)
        for _ in range(cfg.hops):
            p = tf.nn.softmax(tf.einsum("bne,be->bn", m, u), axis=-1)       # eq. 1
            u = tf.matmul(u, self.H) + tf.einsum("bn,bne->be", p, c)        # u^{k+1} = H u^k + o^k
            if cfg.linear_dim < cfg.hidden:
                u = tf.concat([u[:, : cfg.linear_dim], tf.nn.relu(u[:, cfg.linear_dim:])], axis=-1)
        return tf.matmul(u, self.W)
