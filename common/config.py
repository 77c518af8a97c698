"""Typed paper configs, named profiles, the deviation record and the shared command line.

Every paper keeps one frozen dataclass whose defaults ARE the paper's values. Each field is
declared with `param(...)`, which records where the value comes from and its unit:

    gamma: float = param(0.99, source="Mnih 2015, Ext. Data Table 1", unit="discount per agent step",
                         bounds="[0, 1]")

Every number declares its valid range (`bounds=`), and a config class may add `rules()`, the
relations between fields its code relies on; `apply_overrides` checks both whenever values come
from outside (profiles, `--set`, a run dir's config.json), with a one-line ConfigError.

Where we knowingly run something other than the paper (official code differs, or the text is
ambiguous), the field's default is what we run and `paper=` keeps the paper's value, with
`reason=` saying why. Profiles (`paper`, `smoke`, a CPU-scale one) are overrides applied with
`dataclasses.replace`. The deviation record lists every field whose value differs from the
paper, with the reason, and is printed at start-up and saved in the run directory.

`parse_args` is the command line shared by every `python -m papers.<p>.train`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

from common.errors import UserError, fail

_MISSING = object()


def param(default: Any, *, source: str, unit: str = "", help: str = "",
          paper: Any = _MISSING, reason: str = "", choices: Sequence[Any] | None = None,
          selects: bool = False, bounds: str | None = None):
    """A config field with its provenance and its valid values.

    default: the value we run by default (the paper's, unless `paper=` says otherwise).
    source:  where the paper value is read, e.g. "Sukhbaatar 2015, Sec. 4.2".
    unit:    e.g. "agent steps", "epochs", "updates"; empty for dimensionless values.
    paper:   the paper's value, only when it differs from `default`.
    reason:  why `default` differs from `paper` (required when `paper` is given).
    choices: the allowed values, checked by `--set`.
    selects: the field picks which of the paper's experiments runs (a bAbI task, a DMC task);
             any of its values is the paper's, so changing it is never a deviation.
    bounds:  the valid range of a number (of each item of a tuple; None stays allowed where the
             type allows it): "> 0", ">= 1", "<= 1", "[0, 1]", "(0, 1]", "[0, 1)", or "any"
             (any finite number). Every number must be finite. Every int or float field of a
             paper config declares one (tests/common/test_config_ranges.py).
    """
    if paper is not _MISSING and not reason:
        raise ValueError("param(paper=...) needs a reason= for the deviation")
    metadata = {"source": source, "unit": unit, "help": help, "reason": reason,
                "choices": tuple(choices) if choices is not None else None, "selects": selects,
                "bounds": _parse_bounds(bounds) if bounds is not None else None}
    if paper is not _MISSING:
        metadata["paper"] = paper
    if isinstance(default, (list, dict, set)):
        raise TypeError("config defaults must be immutable (use a tuple)")
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Profile:
    """Named overrides of a paper config. `reasons` explains each override that departs from
    the paper; overrides without their own reason take `description`."""
    description: str
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    reasons: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Deviation:
    field: str
    paper: Any
    ours: Any
    reason: str


class ConfigError(UserError, ValueError):
    """A bad config key or value; its message is one line meant for the user."""


def paper_value(cls_or_cfg, name: str) -> Any:
    """The paper's value of a field (its `paper=` metadata, else its default)."""
    f = {f.name: f for f in dataclasses.fields(cls_or_cfg)}[name]
    return f.metadata.get("paper", f.default)


def apply_overrides(cfg, overrides: Mapping[str, Any]):
    """dataclasses.replace with type and range checking, then the config's own rules (`check`);
    unknown keys and bad values raise ConfigError. The way to build a config from any outside
    values: `--set`, profiles, and a run dir's config.json read back."""
    fields = {f.name: f for f in dataclasses.fields(cfg)}
    checked = {}
    for key, value in overrides.items():
        if key not in fields:
            raise ConfigError(f"unknown config key '{key}' for {type(cfg).__name__}; "
                              f"valid keys: {', '.join(sorted(fields))}")
        checked[key] = _check_type(cfg, fields[key], value)
    out = dataclasses.replace(cfg, **checked)
    check(out)
    return out


def check(cfg) -> None:
    """Raise ConfigError unless every field holds a value in its declared range and every
    cross-field rule of the config holds: `rules()`, when the class defines it, returns
    (holds, message) pairs for the relations the code relies on (e.g. DQN's minibatch must fit
    in the replay memory filled before the first update)."""
    for f in dataclasses.fields(cfg):
        _check_bounds(f, getattr(cfg, f.name))
    for holds, message in getattr(cfg, "rules", lambda: [])():
        if not holds:
            raise ConfigError(message)


def build(cls, profiles: Mapping[str, Profile], profile: str,
          sets: Mapping[str, Any] | None = None):
    """The resolved config and its deviation list for `profile` plus `--set` overrides."""
    if profile not in profiles:
        raise ConfigError(f"unknown profile '{profile}'; valid profiles: {', '.join(profiles)}")
    prof = profiles[profile]
    cfg = apply_overrides(apply_overrides(cls(), prof.overrides), sets or {})
    reasons = {}
    for name in prof.overrides:
        reasons[name] = prof.reasons.get(name, f"profile '{profile}': {prof.description}")
    for name in sets or {}:
        reasons[name] = "set on the command line (--set)"
    return cfg, deviations(cfg, reasons)


def deviations(cfg, reasons: Mapping[str, str] | None = None) -> list[Deviation]:
    """Every field whose value differs from the paper's, with the reason."""
    reasons = reasons or {}
    out = []
    for f in dataclasses.fields(cfg):
        if f.metadata.get("selects"):
            continue
        ours, paper = getattr(cfg, f.name), paper_value(cfg, f.name)
        if ours != paper:
            out.append(Deviation(f.name, paper, ours, reasons.get(f.name) or f.metadata["reason"]))
    return out


def format_deviations(devs: Sequence[Deviation]) -> str:
    if not devs:
        return "Deviations from the paper: none (running the paper's values)."
    lines = ["Deviations from the paper (field: paper -> ours; reason):"]
    lines += [f"  {d.field}: {d.paper!r} -> {d.ours!r}; {d.reason}" for d in devs]
    return "\n".join(lines)


def deviations_markdown(devs: Sequence[Deviation]) -> str:
    """The deviation list as a Markdown table, for a paper's README."""
    rows = ["| field | paper | ours | reason |", "|---|---|---|---|"]
    rows += [f"| `{d.field}` | {d.paper!r} | {d.ours!r} | {d.reason} |" for d in devs]
    return "\n".join(rows)


def to_json(cfg) -> str:
    return json.dumps(dataclasses.asdict(cfg), indent=2, sort_keys=True, default=list)


def describe_fields(cls) -> str:
    """One line per field: name, default, unit and source (the `--help` epilog)."""
    lines = [f"{cls.__name__} fields (default; unit; source):"]
    for f in dataclasses.fields(cls):
        unit = f"; {f.metadata['unit']}" if f.metadata.get("unit") else ""
        paper = (f"; paper: {f.metadata['paper']!r} ({f.metadata['reason']})"
                 if "paper" in f.metadata else "")
        helptext = f" -- {f.metadata['help']}" if f.metadata.get("help") else ""
        bounds = f" ({f.metadata['bounds'].text})" if f.metadata.get("bounds") else ""
        lines.append(f"  {f.name} = {f.default!r}{bounds}{unit}; {f.metadata['source']}{paper}{helptext}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- valid ranges

@dataclass(frozen=True)
class Bounds:
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True
    text: str = "any"

    def contains(self, x: float) -> bool:
        return (math.isfinite(x) and (x > self.low if self.low_open else x >= self.low)
                and (x < self.high if self.high_open else x <= self.high))


_NUMBER = r"[-+]?(?:\d[\d_]*\.?\d*(?:e[-+]?\d+)?)"


def _parse_bounds(text: str) -> Bounds:
    """'> 0', '>= 1', '< 1', '<= 1', '[0, 1]', '(0, 1]', '[0, 1)', '(0, 1)' or 'any'."""
    t = text.strip()
    if t == "any":
        return Bounds(text="any finite number")
    if m := re.fullmatch(rf"(>=|>|<=|<)\s*({_NUMBER})", t):
        op, x = m.group(1), float(m.group(2))
        if op.startswith(">"):
            return Bounds(low=x, low_open=op == ">", text=t)
        return Bounds(high=x, high_open=op == "<", text=t)
    if m := re.fullmatch(rf"([\[(])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([\])])", t):
        low, high = float(m.group(2)), float(m.group(3))
        if low > high:
            raise ValueError(f"empty bounds {text!r}")
        return Bounds(low, high, m.group(1) == "(", m.group(4) == ")", t)
    raise ValueError(f"bounds {text!r}: use '> 0', '>= 1', '[0, 1]', '(0, 1]', ... or 'any'")


def _check_bounds(f, value) -> None:
    """ConfigError unless `value` (each item of a tuple; None passes) is in the field's bounds."""
    bounds = f.metadata.get("bounds")
    if bounds is None or value is None:
        return
    items = value if isinstance(value, tuple) else (value,)
    if not all(bounds.contains(x) for x in items):
        each = " (each item)" if isinstance(value, tuple) else ""
        raise ConfigError(f"bad value {value!r} for '{f.name}'; valid range{each}: {bounds.text}")


# ---------------------------------------------------------------------------- type checking

def _field_type(cfg, f):
    hints = typing.get_type_hints(type(cfg))
    return hints[f.name]


def _check_type(cfg, f, value):
    """Coerce a `--set` string (or a Python value) to the field's declared type."""
    tp = _field_type(cfg, f)
    try:
        out = _coerce(tp, value)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"bad value {value!r} for '{f.name}' (expects {_type_name(tp)}): {e}") from None
    choices = f.metadata.get("choices")
    if choices is not None and out not in choices:
        raise ConfigError(f"bad value {value!r} for '{f.name}'; choose one of: "
                          f"{', '.join(map(str, choices))}")
    return out


def _type_name(tp) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(tp, value):
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            if type(None) in args:
                return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value)
            except (TypeError, ValueError) as e:
                errors.append(str(e))
        raise ValueError("; ".join(errors))
    if origin is Literal:
        for arg in args:
            if value == arg or (isinstance(value, str) and str(arg) == value):
                return arg
        raise ValueError(f"not one of {args}")
    if origin is tuple:
        items = _split(value)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v) for v in items)
        if len(items) != len(args):
            raise ValueError(f"needs {len(args)} comma-separated items")
        return tuple(_coerce(a, v) for a, v in zip(args, items))
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "0", "no", "off"):
            return False
        raise ValueError("not a boolean (true/false)")
    if tp is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("not an integer")
        if isinstance(value, str):
            f = float(value.replace("_", ""))  # accepts 1e6 and 1_000_000
            if not f.is_integer():
                raise ValueError("not an integer")
            return int(f)
        return int(value)
    if tp is float:
        if isinstance(value, bool):
            raise ValueError("not a number")
        return float(value.replace("_", "") if isinstance(value, str) else value)
    if tp is str:
        if not isinstance(value, str):
            raise ValueError("not a string")
        return value
    raise TypeError(f"unsupported field type {tp}")


def _split(value):
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, str):
        value = value.strip().strip("()[]")
        return [v.strip() for v in value.split(",") if v.strip()] if value else []
    raise ValueError("not a sequence")


# ---------------------------------------------------------------------------- command line

@dataclass(frozen=True)
class RunArgs:
    """What a train entry point needs: the resolved config and where/how to run it."""
    config: Any
    profile: str
    deviations: list[Deviation]
    seed: int
    run_dir: Path
    resume: str              # "auto": continue the run in run_dir if any; "previous": past broken
                             # checkpoints (moved aside); "never": refuse to touch one
    deterministic: bool
    argv: list[str]
    prog: str = ""           # the entry point, e.g. "papers.memn2n.train_lm"
    max_minutes: float | None = None   # stop with a checkpoint after this long (resume continues)


def parse_args(cls, profiles: Mapping[str, Profile], *, prog: str, description: str,
               default_profile: str = "paper", argv: Sequence[str] | None = None,
               runs_root: str = "runs") -> RunArgs:
    """The shared CLI. Bad keys or values exit with a one-line error (status 2)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(
        prog=prog, description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="profiles:\n" + "\n".join(f"  {n}: {p.description}" for n, p in profiles.items())
               + "\n\n" + describe_fields(cls))
    ap.add_argument("--profile", default=default_profile, choices=list(profiles),
                    help=f"named profile (default: {default_profile})")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override one config field (repeatable); type-checked")
    ap.add_argument("--seed", type=int, default=0, help="global seed (default: 0)")
    ap.add_argument("--run-dir", type=Path, default=None,
                    help=f"run directory (default: {runs_root}/{prog.split('.')[-2] if '.' in prog else prog}/<profile>-seed<seed>)")
    ap.add_argument("--resume", choices=["auto", "previous", "never"], default="auto",
                    help="auto: continue from the last complete checkpoint in --run-dir; previous: "
                         "the same, but a checkpoint that cannot be restored is moved to "
                         "checkpoints/broken/ and the one before it is tried; never: refuse if "
                         "--run-dir already holds a run")
    ap.add_argument("--deterministic", action="store_true",
                    help="enable TensorFlow op determinism (slower)")
    ap.add_argument("--max-minutes", type=float, default=None, metavar="M",
                    help="stop with a checkpoint at the first step boundary after M minutes of "
                         "this invocation (exit status 0); re-running the command resumes")
    ns = ap.parse_args(argv)
    if ns.max_minutes is not None and not ns.max_minutes > 0:
        fail(f"--max-minutes must be a positive number of minutes, got {ns.max_minutes}")
    sets = {}
    for item in ns.set:
        if "=" not in item:
            fail(f"--set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        sets[key.strip()] = value.strip()
    try:
        cfg, devs = build(cls, profiles, ns.profile, sets)
    except ConfigError as e:
        fail(str(e))                 # exit 2 in-process too, as argparse does for a bad option
    paper_name = prog.split(".")[-2] if "." in prog else prog
    run_dir = ns.run_dir or Path(runs_root) / paper_name / f"{ns.profile}-seed{ns.seed}"
    return RunArgs(cfg, ns.profile, devs, ns.seed, Path(run_dir), ns.resume, ns.deterministic, argv,
                   prog, ns.max_minutes)
