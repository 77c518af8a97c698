"""Zoph & Le 2017: the CNN search space and the child CNNs (papers/nas/search_space.py, networks.py)."""

import keras
import numpy as np
import pytest

from common.config import build
from papers.nas.config import PROFILES, NASConfig
from papers.nas.networks import build_cnn, pad_concat
from papers.nas.search_space import (ConvLayer, cnn_steps, cnn_string, decode_cnn, num_layers_at,
                                     random_actions)


def test_paper_search_space_values():
    cfg = NASConfig()
    assert cfg.filter_heights == cfg.filter_widths == (1, 3, 5, 7)
    assert cfg.num_filters == (24, 36, 48, 64) and cfg.strides == (1, 2, 3)
    assert (cfg.start_layers, cfg.layers_increment, cfg.curriculum_every) == (6, 2, 1600)
    assert [num_layers_at(cfg, n) for n in (0, 1599, 1600, 12799)] == [6, 6, 8, 20]
    assert (cfg.train_size, cfg.val_size, cfg.child_epochs, cfg.child_lr) == (45000, 5000, 50, 0.1)
    assert (cfg.child_momentum, cfg.child_weight_decay, cfg.reward_last_epochs, cfg.reward_power) == (0.9, 1e-4, 5, 3.0)


def test_pad_concat_zero_pads_smaller_maps():
    big, small = keras.Input((4, 4, 2)), keras.Input((2, 2, 3))
    model = keras.Model([big, small], pad_concat([big, small], "t"))
    out = model([np.ones((1, 4, 4, 2), "float32"), np.full((1, 2, 2, 3), 5.0, "float32")]).numpy()
    assert out.shape == (1, 4, 4, 5)
    np.testing.assert_array_equal(out[0, 1:3, 1:3, 2:], 5.0)       # centred
    assert out[0, 0, :, 2:].sum() == 0 and out[0, 3, :, 2:].sum() == 0 and out[0, :, 0, 2:].sum() == 0


def test_skip_connections_dangling_outputs_and_image_inputs():
    layers = [ConvLayer(3, 3, 2, 2, 4, (), False),        # 8x8 -> 4x4, reads the image
              ConvLayer(1, 3, 1, 1, 5, (), False),        # 8x8, reads the image
              ConvLayer(3, 1, 1, 1, 6, (0, 1), False)]    # inputs 0 (4x4, padded) and 1 (8x8)
    model = build_cnn(layers, 8)
    assert model.get_layer("in2_concat").output.shape == (None, 8, 8, 9)
    assert model.get_layer("conv0").input is model.inputs[0] and model.get_layer("conv1").input is model.inputs[0]
    # layers 0 and 1 feed layer 2; only layer 2 dangles -> no dangling concat
    with pytest.raises(ValueError):
        model.get_layer("dangling_concat")
    layers[2] = ConvLayer(3, 1, 1, 1, 6, (0,), False)      # now layer 1 dangles too
    model = build_cnn(layers, 8)
    assert model.get_layer("dangling_concat").output.shape == (None, 8, 8, 11)
    assert model(np.zeros((2, 8, 8, 3), "float32")).shape == (2, 10)


def test_decode_and_readable_string():
    cfg, _ = build(NASConfig, PROFILES, "smoke", {"space": "strides"})
    steps = cnn_steps(cfg, 2)
    assert [s.name for s in steps[:6]] == ["L0.anchor", "L0.filter_h", "L0.filter_w", "L0.stride_h",
                                            "L0.stride_w", "L0.filters"]
    actions = [(), 1, 2, 0, 2, 3, (1,), 0, 3, 1, 1, 0]
    layers = decode_cnn(cfg, actions)
    assert layers == [ConvLayer(3, 5, 1, 3, 5, (), False), ConvLayer(1, 7, 2, 2, 2, (0,), False)]
    assert cnn_string(layers) == "0:3x5/1x3,5<img | 1:1x7/2x2,2<0"


def _sample_and_run(n, space, seed):
    cfg, _ = build(NASConfig, PROFILES, "smoke", {"space": space, "pool_after": (2,)})
    rng = np.random.default_rng(seed)
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    for k in range(n):
        depth = int(rng.integers(1, 5))
        layers = decode_cnn(cfg, random_actions(cnn_steps(cfg, depth), rng))
        out = build_cnn(layers, 8)(x).numpy()
        assert out.shape == (2, 10) and np.isfinite(out).all(), cnn_string(layers)
        if k % 50 == 49:
            keras.backend.clear_session()


def test_sampled_architectures_build_and_run_one_batch():
    """50 random architectures of each variant (with strides and pooling, so sizes mismatch)."""
    for space, seed in (("strides", 1), ("pooling", 2)):
        _sample_and_run(50, space, seed)


@pytest.mark.slow
def test_thousand_sampled_architectures_build_and_run_one_batch():
    _sample_and_run(1000, "strides", 3)
