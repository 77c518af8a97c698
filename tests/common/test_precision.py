"""Every paper profile trains in float32, and float32 means float32 on every device (TF32 off)."""

import dataclasses
import importlib

import pytest

from common.precision import set_precision

CONFIGS = [("dqn", "NatureConfig", "PROFILES"), ("dqn", "Nips2013Config", "PROFILES"),
           ("a3c", "A3CConfig", "PROFILES"), ("memn2n", "BabiConfig", "BABI_PROFILES"),
           ("memn2n", "LMConfig", "LM_PROFILES"), ("nas", "NASConfig", "PROFILES"),
           ("slac", "SlacConfig", "PROFILES")]


@pytest.mark.parametrize("paper,cls_name,profiles_name", CONFIGS)
def test_paper_profile_is_float32(paper, cls_name, profiles_name):
    from common.config import build
    config = importlib.import_module(f"papers.{paper}.config")
    cfg, _ = build(getattr(config, cls_name), getattr(config, profiles_name), "paper")
    low = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)
           if isinstance(getattr(cfg, f.name), str) and "16" in getattr(cfg, f.name)}
    assert not low, f"{paper} paper profile computes in {low}"


def test_float32_turns_tf32_off_and_bf16_leaves_it_on():
    import tensorflow as tf
    set_precision("mixed_bfloat16")
    assert tf.config.experimental.tensor_float_32_execution_enabled()
    set_precision("float32")
    assert not tf.config.experimental.tensor_float_32_execution_enabled()


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="unknown precision 'float16'"):
        set_precision("float16")
