"""Zoph & Le 2017: training one child network and turning it into the controller's reward.

`evaluate_child` is what a Ray worker runs. It never raises: a child that fails to build, whose
loss diverges (non-finite), or that runs past `child_max_seconds` returns a record with
status "failed", the error, and reward 0 (the paper does not say how failures are scored; 0 is
our choice: the worst possible reward, so the controller learns to avoid them).

CIFAR-10 (Sec. 4.1): SGD with Nesterov momentum 0.9, lr 0.1 (optionally cosine-decayed:
`child_lr_schedule`), L2 weight decay 1e-4 (a term of the loss, so its gradient goes through the
momentum), augmentation drawn per image, reward (max val acc of the last 5 epochs)^3; the
validation set is scored after each of those epochs only. With `bn_stat_images` > 0, every
batch-norm layer's moving mean and variance are recomputed on that many training images under
the current weights before each evaluation ("precise BN"): a CPU-scale child trains too few steps
for the moving averages to forget their initial values. When `data` holds test images (the
ground-truth table, table.py), the trained child's test accuracy is measured once at the end.
PTB (Sec. 4.2): a 2-layer LM of the searched cell trained with SGD + gradient clipping (Zaremba
et al. 2014's recipe), reward c / (validation perplexity)^2.
"""

from __future__ import annotations

import math
import time
import traceback
from typing import Any, Sequence

import numpy as np

from papers.nas import losses
from papers.nas.config import NASConfig
from papers.nas.search_space import decode_cell, decode_cnn


class ChildFailure(RuntimeError):
    """The child diverged or ran out of time."""


def evaluate_child(cfg: NASConfig, actions: Sequence[Any], data: dict, seed: int) -> dict:
    """Train the child `actions` describes; return its record (never raises)."""
    t0 = time.time()
    try:
        train = train_cifar_child if cfg.task == "cifar10" else train_ptb_child
        result = {"status": "ok", "error": "", **train(cfg, actions, data, seed)}
    except Exception as e:  # noqa: BLE001 -- a failing child must never stop the search
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        result = {"status": "failed", "error": last[:300], "reward": 0.0, "val_acc": float("nan"),
                  "val_ppl": float("nan"), "params": 0}
    finally:
        import keras
        keras.backend.clear_session()
    result["seconds"] = round(time.time() - t0, 2)
    return result


def set_tensorflow_threads(intra_op: int, inter_op: int = 1) -> dict:
    """Size TensorFlow's thread pools; call before this process runs its first TensorFlow op.
    Raises RuntimeError when TensorFlow has already started (the setting could not take effect).
    Returns the setting TensorFlow now holds."""
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(intra_op)
    tf.config.threading.set_inter_op_parallelism_threads(inter_op)
    return {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}


def _check_time(cfg, t0):
    if cfg.child_max_seconds and time.time() - t0 > cfg.child_max_seconds:
        raise ChildFailure(f"child exceeded child_max_seconds={cfg.child_max_seconds}")


def recompute_bn_statistics(model, x) -> None:
    """Precise BN: set every batch-norm layer's moving mean and variance to the statistics of the
    images x under the current weights -- one training-mode pass with momentum 0 (moving =
    0 * moving + 1 * batch statistics), then each layer's momentum back."""
    import keras
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.momentum = 0.0
    try:
        model(x, training=True)
    finally:
        for bn, momentum in zip(bns, momenta):
            bn.momentum = momentum


def train_cifar_child(cfg: NASConfig, actions, data: dict, seed: int, epochs: int | None = None,
                      x_train=None, y_train=None, eval_sets: dict | None = None,
                      keep_model: bool = False) -> dict:
    """Train a CNN child; returns its validation accuracy in each epoch the reward looks at (the
    last `reward_last_epochs`), the reward, and the test accuracy at the end when `data` holds
    "x_test".

    `x_train/y_train/eval_sets/keep_model` let `evaluate.py` retrain the final child on other
    data and keep the trained model and the accuracy history of every evaluation set, after
    every epoch."""
    import keras
    import tensorflow as tf
    from papers.nas.data import augment
    from papers.nas.networks import build_cnn

    t0 = time.time()
    x_train = data["x_train"] if x_train is None else x_train
    y_train = data["y_train"] if y_train is None else y_train
    eval_sets = eval_sets or {"val": (data["x_val"], data["y_val"])}
    model = build_cnn(decode_cnn(cfg, actions), cfg.image_size, seed=seed)
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    epochs = epochs or cfg.child_epochs
    b = cfg.child_batch
    lr = (cfg.child_lr if cfg.child_lr_schedule == "constant" else
          keras.optimizers.schedules.CosineDecay(cfg.child_lr, decay_steps=max(1, epochs * (len(x_train) // b))))
    opt = keras.optimizers.SGD(lr, momentum=cfg.child_momentum, nesterov=True)
    opt.build(model.trainable_variables)

    @tf.function
    def train_step(x, y, step_seed):
        x = augment(x, cfg.upsample_size, step_seed)
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            xent = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            l2 = tf.add_n([tf.nn.l2_loss(w) for w in kernels])            # sum_w ||w||^2 / 2
            loss = xent + cfg.child_weight_decay * l2                      # gradient: + wd w
        opt.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return xent

    @tf.function
    def predict(x):
        return tf.argmax(model(x, training=False), axis=-1)

    def accuracy(x, y):
        hits = sum(int(np.sum(predict(x[k:k + 500]).numpy() == y[k:k + 500])) for k in range(0, len(x), 500))
        return hits / len(x)

    rng = np.random.default_rng(seed)
    history: dict[str, list[float]] = {name: [] for name in eval_sets}
    loss = float("nan")
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        for k in range(0, len(order) - b + 1, b):        # full batches only: one trace per child
            idx = order[k:k + b]
            loss = float(train_step(tf.constant(x_train[idx]), tf.constant(y_train[idx], tf.int32),
                                    tf.constant([seed, epoch * 100003 + k], tf.int32)))
            if not math.isfinite(loss):
                raise ChildFailure(f"training loss diverged ({loss}) in epoch {epoch + 1}")
            _check_time(cfg, t0)
        if not keep_model and epoch < epochs - cfg.reward_last_epochs:
            continue                                       # an epoch the reward does not look at
        if cfg.bn_stat_images:
            recompute_bn_statistics(model, x_train[:cfg.bn_stat_images])
        for name, (x, y) in eval_sets.items():
            history[name].append(accuracy(x, y))
    out = {"train_loss": loss, "params": int(model.count_params())}
    if "val" in history:
        out["val_accs"] = [round(a, 4) for a in history["val"]]
        out["val_acc"] = max(history["val"][-cfg.reward_last_epochs:])
        out["reward"] = losses.cifar_reward(history["val"], cfg.reward_last_epochs, cfg.reward_power)
    if "x_test" in data:
        out["test_acc"] = accuracy(data["x_test"], data["y_test"])
    if keep_model:
        out.update(history=history, model=model)
    return out


def train_ptb_child(cfg: NASConfig, actions, data: dict, seed: int) -> dict:
    """Train a 2-layer LM of the searched cell on PTB; reward c / ppl_val^2."""
    import keras
    import tensorflow as tf
    from papers.nas.networks import build_ptb_lm

    t0 = time.time()
    arch = decode_cell(cfg.cell_base, actions)
    model = build_ptb_lm(arch, data["vocab"], cfg.ptb_hidden, cfg.ptb_layers, cfg.ptb_dropout, seed=seed)
    opt = keras.optimizers.SGD(cfg.ptb_lr, global_clipnorm=cfg.ptb_clip)
    opt.build(model.trainable_variables)

    def xent(logits, y):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))

    @tf.function
    def train_step(x, y, states):
        with tf.GradientTape() as tape:
            logits, *new_states = model([x] + states, training=True)
            loss = xent(logits, y)
        opt.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return loss, new_states

    @tf.function
    def eval_step(x, y, states):
        logits, *new_states = model([x] + states, training=False)
        return xent(logits, y), new_states

    def zeros(batch):
        return [tf.zeros([batch, cfg.ptb_hidden]) for _ in range(2 * cfg.ptb_layers)]

    def windows(ids):
        for k in range(0, ids.shape[1] - 1 - cfg.ptb_bptt + 1, cfg.ptb_bptt):
            yield (tf.constant(ids[:, k:k + cfg.ptb_bptt]), tf.constant(ids[:, k + 1:k + 1 + cfg.ptb_bptt]))

    loss = float("nan")
    for epoch in range(cfg.ptb_epochs):
        states = zeros(cfg.ptb_batch)
        for x, y in windows(data["train"]):
            loss_t, states = train_step(x, y, states)
            loss = float(loss_t)
            if not math.isfinite(loss):
                raise ChildFailure(f"training loss diverged ({loss}) in epoch {epoch + 1}")
            _check_time(cfg, t0)
    states, total, count = zeros(data["valid"].shape[0]), 0.0, 0
    for x, y in windows(data["valid"]):
        loss_t, states = eval_step(x, y, states)
        total, count = total + float(loss_t), count + 1
    ppl = math.exp(total / max(count, 1))
    if not math.isfinite(ppl):
        raise ChildFailure(f"validation perplexity is {ppl}")
    return {"val_ppl": ppl, "reward": losses.ptb_reward(ppl, cfg.ppl_reward_c), "train_loss": loss,
            "params": int(model.count_params())}
