"""common/config.py: provenance, profiles, deviations, --set type checking, the CLI's errors."""

from dataclasses import dataclass, FrozenInstanceError
from typing import Literal, Optional

import pytest

from common.config import (ConfigError, Profile, apply_overrides, build, describe_fields,
                           format_deviations, paper_value, param, parse_args)


@dataclass(frozen=True)
class Cfg:
    lr: float = param(0.01, source="Paper, Sec. 4.2", unit="step size")
    epochs: int = param(100, source="Paper, Sec. 4.2", unit="epochs")
    clip: float = param(40.0, source="official code", unit="L2 norm",
                        paper=50.0, reason="the official code clips at 40")
    use_pe: bool = param(True, source="Paper, Sec. 4.1")
    encoding: str = param("pe", source="Paper, Sec. 4.1", choices=("bow", "pe"))
    mode: Literal["a", "b"] = param("a", source="x")
    sizes: tuple[int, ...] = param((1, 2), source="x", unit="units")
    limit: Optional[int] = param(None, source="x")


PROFILES = {"paper": Profile("the paper's values"),
            "cpu": Profile("shorter for 2 cores", {"epochs": 10}, {"epochs": "CPU budget"})}


def test_frozen_and_paper_value():
    cfg = Cfg()
    with pytest.raises(FrozenInstanceError):
        cfg.lr = 1.0
    assert paper_value(Cfg, "lr") == 0.01
    assert paper_value(Cfg, "clip") == 50.0  # the paper's, not our default


def test_param_requires_reason_and_immutable_default():
    with pytest.raises(ValueError, match="reason"):
        param(1, source="x", paper=2)
    with pytest.raises(TypeError, match="immutable"):
        param([1], source="x")


def test_deviations_from_defaults_profiles_and_sets():
    cfg, devs = build(Cfg, PROFILES, "paper")
    assert [(d.field, d.paper, d.ours) for d in devs] == [("clip", 50.0, 40.0)]
    assert devs[0].reason == "the official code clips at 40"
    cfg, devs = build(Cfg, PROFILES, "cpu", {"lr": "0.5"})
    by_field = {d.field: d for d in devs}
    assert cfg.epochs == 10 and cfg.lr == 0.5
    assert by_field["epochs"].reason == "CPU budget"
    assert by_field["lr"].reason == "set on the command line (--set)"
    assert "epochs: 100 -> 10; CPU budget" in format_deviations(devs)


def test_set_restoring_paper_value_is_no_deviation():
    _, devs = build(Cfg, PROFILES, "paper", {"clip": "50"})
    assert devs == []


@pytest.mark.parametrize("key,text,expected", [
    ("epochs", "1e3", 1000), ("epochs", "1_000", 1000), ("lr", "2.5e-4", 2.5e-4),
    ("use_pe", "false", False), ("use_pe", "1", True), ("mode", "b", "b"),
    ("sizes", "3,4,5", (3, 4, 5)), ("limit", "none", None), ("limit", "7", 7),
    ("encoding", "bow", "bow"),
])
def test_set_coerces_types(key, text, expected):
    assert getattr(apply_overrides(Cfg(), {key: text}), key) == expected


@pytest.mark.parametrize("key,text,fragment", [
    ("epochs", "1.5", "bad value '1.5' for 'epochs' (expects int)"),
    ("lr", "fast", "bad value 'fast' for 'lr' (expects float)"),
    ("use_pe", "maybe", "bad value 'maybe' for 'use_pe'"),
    ("mode", "c", "bad value 'c' for 'mode'"),
    ("encoding", "lstm", "choose one of: bow, pe"),
])
def test_set_rejects_bad_values(key, text, fragment):
    with pytest.raises(ConfigError) as e:
        apply_overrides(Cfg(), {key: text})
    assert fragment in str(e.value)


def test_unknown_key_lists_valid_keys():
    with pytest.raises(ConfigError) as e:
        apply_overrides(Cfg(), {"learning_rate": "1"})
    assert str(e.value) == ("unknown config key 'learning_rate' for Cfg; valid keys: clip, "
                            "encoding, epochs, limit, lr, mode, sizes, use_pe")


def test_cli_unknown_key_is_one_line_error(capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(Cfg, PROFILES, prog="papers.x.train", description="d", argv=["--set", "nope=1"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith("error: unknown config key 'nope'") and "valid keys: clip," in err


def test_cli_resolves_everything(tmp_path):
    args = parse_args(Cfg, PROFILES, prog="papers.x.train", description="d",
                      argv=["--profile", "cpu", "--set", "lr=0.1", "--seed", "3",
                            "--run-dir", str(tmp_path), "--resume", "never", "--deterministic"])
    assert (args.config.lr, args.config.epochs, args.seed) == (0.1, 10, 3)
    assert (args.run_dir, args.resume, args.deterministic, args.profile) == (tmp_path, "never", True, "cpu")
    default = parse_args(Cfg, PROFILES, prog="papers.x.train", description="d", argv=[])
    assert str(default.run_dir) == "runs/x/paper-seed0"


def test_help_shows_defaults_units_and_sources(capsys):
    with pytest.raises(SystemExit):
        parse_args(Cfg, PROFILES, prog="papers.x.train", description="d", argv=["--help"])
    out = capsys.readouterr().out
    assert "epochs = 100; epochs; Paper, Sec. 4.2" in out
    assert "clip = 40.0; L2 norm; official code; paper: 50.0 (the official code clips at 40)" in out
    assert "cpu: shorter for 2 cores" in out
    assert describe_fields(Cfg).splitlines()[0] == "Cfg fields (default; unit; source):"


def test_selector_fields_are_never_deviations():
    @dataclass(frozen=True)
    class Exp:
        task: int = param(1, source="Paper, Sec. 4", selects=True)
        lr: float = param(0.01, source="Paper")

    cfg, devs = build(Exp, {"paper": Profile("x")}, "paper", {"task": 7, "lr": 0.1})
    assert cfg.task == 7 and [d.field for d in devs] == ["lr"]
