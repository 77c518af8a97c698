"""Zoph & Le 2017, the child's training (papers/nas/child.py, data.py): the per-image random crop,
batch-norm statistics recomputed after a short child, and the L2 weight decay in the gradient."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from common.config import build
from papers.nas.child import train_cifar_child
from papers.nas.config import PROFILES, NASConfig
from papers.nas.data import augment


def test_random_crop_and_flip_are_drawn_per_image():
    """Four copies of one image in a batch: for some seed they come out differently cropped, and
    each output is exactly a (possibly flipped) 8x8 window of the 10x10 upsampled image."""
    image = np.random.default_rng(0).normal(size=(1, 8, 8, 3)).astype(np.float32)
    batch = np.repeat(image, 4, axis=0)
    upsampled = tf.image.resize(batch, (10, 10)).numpy()[0]
    windows = {(i, j, flip): (upsampled[i:i + 8, j:j + 8, :][:, ::-1] if flip else upsampled[i:i + 8, j:j + 8])
               for i in range(3) for j in range(3) for flip in (0, 1)}
    differs = []
    for seed in range(5):
        out = augment(tf.constant(batch), 10, tf.constant([seed, 7])).numpy()
        found = [[w for w, crop in windows.items() if np.allclose(crop, out[k], atol=1e-5)] for k in range(4)]
        assert all(found), "every output must be one window of the upsampled image"
        differs.append(len({f[0] for f in found}) > 1)
    assert any(differs)


def _bn_input_statistics(model, x):
    """Per batch-norm layer: mean and variance over images and positions of its input, computed
    in inference mode (what the network sees at validation)."""
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    probe = keras.Model(model.input, [bn.input for bn in bns])
    outs = probe(x, training=False)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    return [(np.mean(o, axis=(0, 1, 2)), np.var(o, axis=(0, 1, 2)), bn) for o, bn in zip(outs, bns)]


@pytest.mark.data("cifar10")
def test_bn_statistics_after_a_short_child_match_the_data():
    """A 16-step child: with the recompute (bn_stat_images, on the first 256 training images) every
    BN layer's moving mean/variance match its inputs' statistics over all 1,024 training images;
    with batch norm's own moving averages (momentum 0.99, bn_stat_images 0) they do not."""
    from papers.nas.train import load_task_data
    base, _ = build(NASConfig, PROFILES, "smoke", {"train_size": 1024, "bn_stat_images": 256, "child_batch": 64})
    data = load_task_data(base)
    actions = [(), 1, 1, 1, (1,), 2, 2, 3, (1, 1), 1, 2, 2]             # 3 layers, 3x3 / 5x5 kernels

    def worst_errors(cfg):
        model = train_cifar_child(cfg, actions, data, seed=0, keep_model=True)["model"]
        errors = []
        for mean, var, bn in _bn_input_statistics(model, data["x_train"]):
            errors.append(max(np.max(np.abs(bn.moving_mean.numpy() - mean) / np.sqrt(var)),
                              np.max(np.abs(bn.moving_variance.numpy() / var - 1.0))))
        keras.backend.clear_session()
        return max(errors)

    assert worst_errors(base) < 0.1                                    # recomputed: 0.05 measured
    assert worst_errors(dataclasses.replace(base, bn_stat_images=0)) > 0.5   # moving averages: 1.1 measured


@pytest.mark.data("cifar10")
def test_weight_decay_is_an_l2_term_of_the_gradient():
    """One SGD step (64 images, batch 64) from the same weights, data and augmentation, with weight
    decay wd = 0 and 0.5: the kernels differ by exactly what an L2 term in the loss gives after
    Nesterov momentum, -lr (1 + mu) wd w0 (the first step from zero momentum moves by
    -lr (1 + mu) g); a decoupled decay (Keras SGD's weight_decay) would give -lr wd w0."""
    from papers.nas.train import load_task_data
    cfg, _ = build(NASConfig, PROFILES, "smoke", {"train_size": 64, "child_batch": 64, "bn_stat_images": 0})
    data = load_task_data(cfg)
    actions = [(), 1, 1, 0, (1,), 1, 1, 0, (0, 1), 1, 1, 0]
    kernels = {}
    for wd in (0.0, 0.5):
        model = train_cifar_child(dataclasses.replace(cfg, child_weight_decay=wd), actions, data, seed=0,
                                  keep_model=True)["model"]
        kernels[wd] = model.get_layer("conv0").kernel.numpy()
        keras.backend.clear_session()
    init = keras.initializers.HeNormal(seed=0)(kernels[0.0].shape).numpy()
    # one SGD step, Nesterov: w1 = w0 - lr (1 + mu) g  with g = g_data + wd w0
    step = (kernels[0.5] - kernels[0.0]) / (-cfg.child_lr * (1 + cfg.child_momentum))
    np.testing.assert_allclose(step, 0.5 * init, rtol=1e-3, atol=1e-5)
