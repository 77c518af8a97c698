"""End-To-End Memory Networks (Sukhbaatar 2015): paper values pinned, variants and profiles."""

import dataclasses

import pytest

from common.config import build, deviations
from papers.memn2n.config import BABI_PROFILES, LM_PROFILES, VARIANTS, BabiConfig, LMConfig
from papers.memn2n.train import pop_variant, profiles_for


def test_babi_paper_values():
    c = BabiConfig()
    assert (c.embedding_dim, c.hops, c.batch_size, c.epochs, c.lr, c.lr_decay_every) == (20, 3, 32, 100, 0.01, 25)
    assert (c.max_grad_norm, c.init_std, c.memory_size, c.repeats, c.val_fraction) == (40.0, 0.1, 50, 10, 0.1)
    assert (c.linear_start, c.ls_epochs, c.ls_lr, c.random_noise) == (True, 20, 0.005, 0.1)
    assert (c.sentence_repr, c.temporal_encoding, c.tying) == ("pe", True, "adjacent")
    # the one declared deviation: the official code's position-encoding formula
    assert [(d.field, d.paper, d.ours) for d in deviations(c)] == [("pe_formula", "paper", "code")]


def test_lm_paper_values():
    c = LMConfig()
    assert (c.hidden, c.hops, c.memory_size, c.batch_size, c.lr, c.lr_anneal) == (150, 7, 200, 128, 0.01, 1.5)
    assert (c.linear_dim, c.max_grad_norm, c.init_std, c.init_query, c.epochs) == (75, 50.0, 0.05, 0.1, 100)


def test_paper_profiles_are_exact():
    assert [d.field for d in build(BabiConfig, BABI_PROFILES, "paper")[1]] == ["pe_formula"]
    assert build(LMConfig, LM_PROFILES, "paper")[1] == []
    # every cpu reduction of the LM is declared with its own reason
    _, devs = build(LMConfig, LM_PROFILES, "cpu")
    assert {d.field for d in devs} == {"hops", "memory_size", "epochs", "epoch_size"}
    assert all("CPU budget" in d.reason for d in devs)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_apply_and_name_their_column(name):
    cfg, devs = build(BabiConfig, profiles_for(name), "paper")
    for key, value in VARIANTS[name][0].items():
        assert getattr(cfg, key) == value
    assert all(f"variant '{name}'" in d.reason for d in devs if d.field in VARIANTS[name][0])
    # `task` only selects the experiment (joint = task 0), so it is never a deviation
    assert {d.field for d in devs} == (set(VARIANTS[name][0]) - {"task"}) | {"pe_formula"}


def test_joint_variant_uses_official_joint_config():
    cfg, _ = build(BabiConfig, profiles_for("joint"), "paper")
    assert (cfg.task, cfg.embedding_dim, cfg.epochs, cfg.lr_decay_every, cfg.ls_epochs) == (0, 50, 60, 15, 30)


def test_pop_variant():
    assert pop_variant(["--variant", "bow", "--seed", "1"]) == ("bow", ["--seed", "1"])
    assert pop_variant(["--variant=lw"]) == ("lw", [])
    assert pop_variant([])[0] == "pe_ls_rn"
    with pytest.raises(SystemExit):
        pop_variant(["--variant", "nope"])


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        BabiConfig().hops = 2
