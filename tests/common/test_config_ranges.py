"""Valid ranges of the paper configs (common/config.py `bounds=`, each config's `rules()`):
every number has a declared range, every profile passes its own checks, and a value out of
range is a one-line error naming the field, the value and the range."""

import dataclasses
import types
import typing

import pytest

from common.config import ConfigError, apply_overrides, build, parse_args
from papers.a3c.config import PROFILES as A3C_PROFILES, A3CConfig
from papers.dqn.config import PROFILES as DQN_PROFILES, Nips2013Config, NatureConfig, config_class
from papers.memn2n.config import BABI_PROFILES, LM_PROFILES, VARIANTS, BabiConfig, LMConfig
from papers.memn2n.train import profiles_for
from papers.nas.config import PROFILES as NAS_PROFILES, NASConfig
from papers.slac.config import PROFILES as SLAC_PROFILES, SlacConfig

CLASSES = (NatureConfig, Nips2013Config, A3CConfig, BabiConfig, LMConfig, NASConfig, SlacConfig)


def _is_numeric(tp) -> bool:
    """int or float (not bool), also inside Optional[...] and tuple[..., ...]."""
    if tp in (int, float):
        return True
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType, tuple):
        return any(_is_numeric(a) for a in args if a not in (type(None), Ellipsis))
    return False


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_numeric_field_declares_a_range(cls):
    hints = typing.get_type_hints(cls)
    numeric = [f for f in dataclasses.fields(cls) if _is_numeric(hints[f.name])]
    assert len(numeric) >= 10                       # the walk sees the fields it should
    missing = [f.name for f in numeric if f.metadata.get("bounds") is None and f.metadata.get("choices") is None]
    assert missing == [], f"{cls.__name__}: numeric fields without bounds= or choices=: {missing}"


def _all_profiles():
    yield from ((config_class(n), DQN_PROFILES, n) for n in DQN_PROFILES)
    yield from ((A3CConfig, A3C_PROFILES, n) for n in A3C_PROFILES)
    yield from ((BabiConfig, profiles_for(v), n) for v in VARIANTS for n in BABI_PROFILES)
    yield from ((LMConfig, LM_PROFILES, n) for n in LM_PROFILES)
    yield from ((NASConfig, NAS_PROFILES, n) for n in NAS_PROFILES)
    yield from ((SlacConfig, SLAC_PROFILES, n) for n in SLAC_PROFILES)


@pytest.mark.parametrize("cls,profiles,name", list(_all_profiles()),
                         ids=lambda x: x.__name__ if isinstance(x, type) else (x if isinstance(x, str) else ""))
def test_every_profile_passes_its_checks(cls, profiles, name):
    build(cls, profiles, name)                      # raises ConfigError on a bad range or rule


@pytest.mark.parametrize("cls,key,value,fragment", [
    (NatureConfig, "gamma", "1.5", "bad value 1.5 for 'gamma'; valid range: [0, 1]"),
    (NatureConfig, "learning_rate", "-0.1", "bad value -0.1 for 'learning_rate'; valid range: > 0"),
    (NatureConfig, "batch_size", "0", "bad value 0 for 'batch_size'; valid range: >= 1"),
    (NatureConfig, "mlp_units", "64,0", "bad value (64, 0) for 'mlp_units'; valid range (each item): >= 1"),
    (A3CConfig, "threads", "0", "bad value 0 for 'threads'; valid range: >= 1"),
    (A3CConfig, "lr_anneal_frames", "0", "bad value 0 for 'lr_anneal_frames'; valid range: >= 1"),
    (BabiConfig, "val_fraction", "1", "bad value 1.0 for 'val_fraction'; valid range: (0, 1)"),
    (SlacConfig, "sequence_length", "1", "bad value 1 for 'sequence_length'; valid range: >= 2"),
    (SlacConfig, "tau", "nan", "bad value nan for 'tau'; valid range: [0, 1]"),
    (SlacConfig, "initial_log_alpha", "inf", "bad value inf for 'initial_log_alpha'; valid range: any finite"),
])
def test_out_of_range_value_names_field_value_and_range(cls, key, value, fragment):
    with pytest.raises(ConfigError) as e:
        apply_overrides(cls(), {key: value})
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_none_passes_an_optional_field_with_bounds():
    assert apply_overrides(A3CConfig(), {"lr_anneal_frames": "none"}).lr_anneal_frames is None


@pytest.mark.parametrize("cls,sets,fragment", [
    (NatureConfig, {"batch_size": "64", "replay_start": "32"}, "batch_size 64 <= replay_start 32"),
    (NatureConfig, {"replay_start": "2000000"}, "replay_start 2000000 <= replay_capacity 1000000"),
    (NatureConfig, {"replay_capacity": "4", "replay_start": "4", "batch_size": "4"},
     "replay_capacity 4 must exceed history_length 4"),
    (A3CConfig, {"final_epsilon_probs": "0.5,0.5"}, "one probability per final epsilon"),
    (A3CConfig, {"final_epsilon_probs": "0.5,0.3,0.3"}, "summing to 1"),
    (A3CConfig, {"network": "lstm", "method": "one_step_q"}, "network lstm is used with method a3c only"),
    (LMConfig, {"linear_dim": "200"}, "linear_dim 200 > hidden 150"),
    (NASConfig, {"image_size": "12"}, "image_size 12 must divide 32"),
    (NASConfig, {"cell_base": "6"}, "cell_base 6 must be a power of two"),
    (NASConfig, {"reward_last_epochs": "60"}, "reward_last_epochs 60 > child_epochs 50"),
    (SlacConfig, {"initial_collect_steps": "8"}, "must be >= sequence_length + 1 = 9"),
])
def test_cross_field_rules(cls, sets, fragment):
    with pytest.raises(ConfigError, match="--set") as e:         # the message says how to fix it
        apply_overrides(cls(), sets)
    assert fragment in str(e.value)


def test_set_out_of_range_exits_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(SlacConfig, SLAC_PROFILES, prog="papers.slac.train", description="d",
                   argv=["--profile", "smoke", "--set", "gamma=2"])
    assert e.value.code == 2
    assert capsys.readouterr().err == "error: bad value 2.0 for 'gamma'; valid range: [0, 1]\n"


def test_help_shows_the_range(capsys):
    with pytest.raises(SystemExit):
        parse_args(SlacConfig, SLAC_PROFILES, prog="papers.slac.train", description="d", argv=["--help"])
    assert "sequence_length = 8 (>= 2); transitions;" in capsys.readouterr().out
