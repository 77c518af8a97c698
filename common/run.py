"""The run directory: metadata, metrics (CSV + TensorBoard), checkpoints, resume and interrupts.

A run directory holds
    config.json  deviations.json  command.txt  versions.json      written at the first start (a resume
                                                                   appends to command.txt and, under
                                                                   another commit, to versions.json)
    metrics.csv  (and any other table, e.g. eval.csv)              the source of truth for plots
    tensorboard/                                                   the same scalars, tf.summary
    checkpoints/ckpt-<step>.*                                      tf.train.CheckpointManager
    checkpoints/ckpt-<step>.complete.json                          written LAST for each checkpoint
    summary.json, then DONE                                        written last when the run ends

Re-running the same command resumes from the newest checkpoint that has its completion marker;
every CSV table is cut back to the rows logged up to that checkpoint, so it continues without
duplicated rows. SIGINT/SIGTERM set a flag that the training loop checks with
`run.exit_if_interrupted(...)`, which saves a checkpoint and exits; so does the end of the time
box `--max-minutes` (exit status 0). Each completion marker holds a fingerprint (SHA-256) of every
variable the checkpoint saved (unless the values changed while saving: a checkpoint taken while
learner threads run), and a restore recomputes it: a resumed run provably continues from
the weights, optimizer slots and counters that were saved. A checkpoint that fails to restore is
reported in one line and left untouched. A run that diverged stops with NonFiniteLossError: its
trainer checks the losses it reads at each log row (`run.check_finite`), and `save` refuses
variables that hold nan or inf, so the newest checkpoint stays the last good one.

Typical use in a train.py:

    with Run(args, paper="memn2n", step_column="epoch") as run:
        run.track(model=model, optimizer=optimizer)          # built variables only
        start, state = run.restore()                          # (0, {}) on a fresh run
        for epoch in range(start, cfg.epochs):
            ...
            run.log({"epoch": epoch + 1, "train_loss": loss})
            run.save(epoch + 1, state={...})
            run.exit_if_interrupted(epoch + 1, state={...})
        run.finish({"test_error": err})
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping

from common.config import RunArgs, format_deviations
from common.errors import NonFiniteLossError, UserError

PACKAGES = ("tensorflow", "keras", "tensorflow-probability", "numpy", "gymnasium", "ale-py",
            "mujoco", "dm-control", "ray", "matplotlib")
DONE = "DONE"
#: every restore of this process, newest last: {"run_dir", "step", "fingerprint", "verified"}
RESTORES: list[dict[str, Any]] = []
#: (time, step) at the step boundaries the Runs of this process saw, at most two a second: how
#: fast a run advances (common.paper_check measures seconds per unit from it)
PROGRESS: list[tuple[float, int]] = []


def _mark_progress(step) -> None:
    now, step = time.time(), int(float(step))
    if not PROGRESS or (step != PROGRESS[-1][1] and now - PROGRESS[-1][0] >= 0.5):
        PROGRESS.append((now, step))


def marker_path(run_dir: str | Path, step: int) -> Path:
    """The completion marker of checkpoint `step`: checkpoints/ckpt-<step>.complete.json."""
    return Path(run_dir) / "checkpoints" / f"ckpt-{step}.complete.json"


def complete_checkpoints(run_dir: str | Path) -> list[int]:
    """Steps of the run's checkpoints that have their completion marker (written last by
    `Run.save`, so a checkpoint without one was interrupted while saving), oldest first."""
    steps = []
    for marker in (Path(run_dir) / "checkpoints").glob("ckpt-*.complete.json"):
        step = marker.name[len("ckpt-"):-len(".complete.json")]
        if step.isdigit():
            steps.append(int(step))
    return sorted(steps)


def latest_checkpoint(run_dir: str | Path) -> tuple[int, Path] | None:
    """(step, checkpoint prefix for tf.train.Checkpoint.restore) of the newest complete
    checkpoint, or None when the run has none."""
    steps = complete_checkpoints(run_dir)
    if not steps:
        return None
    return steps[-1], Path(run_dir) / "checkpoints" / f"ckpt-{steps[-1]}"


def read_marker(run_dir: str | Path, step: int) -> dict:
    """The completion marker of checkpoint `step`: {"step", "state", "time", "fingerprint"}."""
    return json.loads(marker_path(run_dir, step).read_text())


class RunDirError(UserError, RuntimeError):
    """The run directory cannot be used as asked; the message is one line for the user."""


class CheckpointError(UserError, RuntimeError):
    """A checkpoint cannot be restored; the message is one line for the user."""


class Run:
    def __init__(self, args: RunArgs, *, paper: str, step_column: str, max_to_keep: int = 2,
                 tensorboard: bool = True, lr_fields: tuple[str, ...] = ()):
        """lr_fields: the config's learning rates, named by the error of a run that diverged."""
        self.args, self.paper, self.step_column = args, paper, step_column
        self.lr_fields = lr_fields
        self.dir = Path(args.run_dir)
        self.ckpt_dir = self.dir / "checkpoints"
        self.max_to_keep = max_to_keep
        self._tensorboard = tensorboard
        self._writer = None
        self._checkpoint = None
        self._manager = None
        self._tables: dict[str, _CsvTable] = {}
        self._signal: int | None = None
        self._old_handlers: dict[int, Any] = {}
        self._t_start = time.time()
        max_minutes = getattr(args, "max_minutes", None)
        self._deadline = self._t_start + 60 * max_minutes if max_minutes else None
        self._open()

    # ------------------------------------------------------------------ setup / metadata
    def _open(self) -> None:
        """Create the run dir, or check that an existing one holds this same run. A finished
        run (DONE) is left untouched; a resumed one keeps the config, deviations and versions of
        its first invocation, and versions.json lists the commits of the later ones. An existing
        run's files are first written by `restore()`, once a checkpoint has restored: a run that
        cannot be resumed is left as it was, byte for byte."""
        saved = self.dir / "config.json"
        self._invocation_pending = saved.exists()
        if saved.exists():
            _check_resumable(self.dir, self.args, json.loads(saved.read_text()))
            if self.is_complete:
                return
            print(f"[{self.paper}] run dir {self.dir} (profile {self.args.profile}, seed {self.args.seed})")
            print(format_deviations(self.args.deviations), flush=True)
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ckpt_dir.mkdir(exist_ok=True)
        record = {"paper": self.paper, "profile": self.args.profile, "seed": self.args.seed,
                  "deterministic": self.args.deterministic,
                  "config": dataclasses.asdict(self.args.config)}
        _write_json(saved, record)
        _write_json(self.dir / "deviations.json", [dataclasses.asdict(d) for d in self.args.deviations])
        self._record_invocation()
        print(f"[{self.paper}] run dir {self.dir} (profile {self.args.profile}, seed {self.args.seed})")
        print(format_deviations(self.args.deviations), flush=True)

    def _record_invocation(self) -> None:
        """command.txt gets this invocation's command line; versions.json its commit."""
        self._invocation_pending = False
        self.ckpt_dir.mkdir(exist_ok=True)
        entry = self.args.prog or f"papers.{self.paper}.train"
        command = "python -m " + " ".join([entry] + [shlex.quote(a) for a in self.args.argv])
        with open(self.dir / "command.txt", "a") as f:
            f.write(f"{command}\n")
        self._record_versions()

    def _record_versions(self) -> None:
        """versions.json: the packages and commit of the first invocation; a resume under
        another commit (or dirty state) is appended to its "resumed_with" list."""
        path, now = self.dir / "versions.json", versions()
        first = json.loads(path.read_text()) if path.exists() else None
        if first is None:
            _write_json(path, now)
            return
        later = first.setdefault("resumed_with", [])
        last = later[-1] if later else first
        mark = {"git_commit": now["git_commit"], "git_dirty": now["git_dirty"]}
        if (last.get("git_commit"), last.get("git_dirty")) != (mark["git_commit"], mark["git_dirty"]):
            later.append(mark)
            _write_json(path, first)

    @property
    def is_complete(self) -> bool:
        """True when an earlier invocation finished this run (its DONE marker exists)."""
        return (self.dir / DONE).exists()

    def completed_summary(self) -> dict | None:
        """The summary of a run an earlier invocation finished (saying so), else None."""
        if not self.is_complete:
            return None
        print(f"[{self.paper}] {self.dir} is already complete; nothing to do", flush=True)
        return json.loads((self.dir / "summary.json").read_text())

    # ------------------------------------------------------------------ metrics
    def log(self, row: Mapping[str, Any], table: str = "metrics") -> None:
        """Append one row to <table>.csv and write its numeric fields to TensorBoard."""
        if table not in self._tables:
            self._tables[table] = _CsvTable(self.dir / f"{table}.csv")
        self._tables[table].append(row)
        if self.step_column in row:
            _mark_progress(row[self.step_column])
        if self._tensorboard and self.step_column in row:
            import tensorflow as tf
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(self.dir / "tensorboard"))
            with self._writer.as_default(step=int(row[self.step_column])):
                for key, value in row.items():
                    if key != self.step_column and isinstance(value, (int, float)) and not isinstance(value, bool):
                        tf.summary.scalar(f"{table}/{key}", value)

    def read(self, table: str = "metrics") -> list[dict[str, str]]:
        path = self.dir / f"{table}.csv"
        if not path.exists():
            return []
        with open(path, newline="") as f:
            return list(csv.DictReader(f))

    # ------------------------------------------------------------------ checkpoints
    def track(self, **trackables) -> None:
        """Register what a checkpoint holds (models, optimizers, tf.Variables). Build models and
        optimizers (e.g. `optimizer.build(model.trainable_variables)`) before `restore()`."""
        import tensorflow as tf
        self._checkpoint = tf.train.Checkpoint(**trackables)
        _check_reachable(self._checkpoint, trackables)
        self._manager = tf.train.CheckpointManager(self._checkpoint, str(self.ckpt_dir),
                                                   max_to_keep=self.max_to_keep,
                                                   checkpoint_name="ckpt")

    def complete_checkpoints(self) -> list[int]:
        """Steps of the checkpoints whose completion marker exists, oldest first."""
        return [step for step in complete_checkpoints(self.dir) if (self.ckpt_dir / f"ckpt-{step}.index").exists()]

    def restore(self, load_files: Callable[[Path], None] | None = None) -> tuple[int, dict]:
        """Restore the newest complete checkpoint. Returns (step, state) -- (0, {}) if none.
        `load_files(folder)` reads whatever `save(..., save_files=...)` wrote beside it.
        Every CSV table is cut back to the rows with step_column <= step."""
        if self._checkpoint is None:
            raise RuntimeError("call run.track(...) before run.restore()")
        steps = self.complete_checkpoints()
        if not steps:
            if any(self.ckpt_dir.glob("ckpt-*.index")):
                print(f"[{self.paper}] checkpoints in {self.ckpt_dir} have no completion marker "
                      f"(interrupted while saving); starting from scratch beside them", flush=True)
            if self._invocation_pending:
                self._record_invocation()
            self._truncate_tables(0)
            return 0, {}
        while True:
            step = steps.pop()
            problem, fingerprint = self._restore_from(step, load_files)
            if problem is None:
                break
            prefix = self.ckpt_dir / f"ckpt-{step}"
            if self.args.resume != "previous":
                older = f" (ckpt-{steps[-1]})" if steps else ""
                raise CheckpointError(
                    f"checkpoint {prefix} cannot be restored ({problem}); the run dir was left untouched: "
                    f"re-run with --resume previous to continue from the newest checkpoint that restores"
                    f"{older}, moving this one aside, or pass another --run-dir to start over")
            aside = self._move_aside(step)
            print(f"[{self.paper}] checkpoint {prefix} cannot be restored ({problem}); moved to {aside}",
                  flush=True)
            if not steps:
                raise CheckpointError(f"no checkpoint of {self.dir} restores (the broken ones are in "
                                      f"{self.ckpt_dir / 'broken'}); pass another --run-dir to start over")
        if self._invocation_pending:
            self._record_invocation()
        marker = read_marker(self.dir, step)
        verified = marker.get("fingerprint") == fingerprint
        prefix = self.ckpt_dir / f"ckpt-{step}"
        RESTORES.append({"run_dir": str(self.dir), "step": step, "fingerprint": fingerprint,
                         "verified": verified})
        self._truncate_tables(step)
        print(f"[{self.paper}] resumed from {prefix} ({self.step_column} {step}"
              f"{', variables verified' if verified else ''})", flush=True)
        return step, marker.get("state", {})

    def _saved_variables(self) -> list:
        """Every tf.Variable the checkpoint saves, once each, in its traversal order, except
        tf.train.Checkpoint's own save_counter, which each save increments."""
        import tensorflow as tf
        from tensorflow.python.checkpoint import graph_view
        objects, _ = graph_view.ObjectGraphView(self._checkpoint).breadth_first_traversal()
        out, seen = [], {id(self._checkpoint.save_counter)}
        for obj in objects:
            if isinstance(obj, tf.Variable) and id(obj) not in seen:
                seen.add(id(obj))
                out.append(obj)
        return out

    def variables_finite(self) -> bool:
        """True when every floating-point variable the checkpoint saves is finite (one read)."""
        import tensorflow as tf
        flags = [tf.reduce_all(tf.math.is_finite(v)) for v in self._saved_variables() if v.dtype.is_floating]
        return bool(tf.reduce_all(flags).numpy()) if flags else True

    def check_finite(self, step, values: Mapping[str, float]) -> None:
        """Raise NonFiniteLossError if one of `values` (losses read at a log row) is nan or inf.
        Called before the row is logged and before any save, so a diverged run stops with its
        newest checkpoint the last good one."""
        for name, value in values.items():
            if not math.isfinite(value):
                raise self.diverged(f"{name} became {value}", step)

    def diverged(self, what: str, step) -> NonFiniteLossError:
        """The one-line error of a run whose loss or weights became non-finite at `step`."""
        steps = self.complete_checkpoints()
        last = (f"the last good checkpoint is {self.step_column} {steps[-1]}; nothing after it was saved"
                if steps else "no checkpoint was saved")
        cfg = self.args.config
        now = "".join(f"{k} is {getattr(cfg, k):g}; " for k in self.lr_fields)
        sets = "".join(f" --set {k}=..." for k in self.lr_fields)
        return NonFiniteLossError(f"{what} at {self.step_column} {step} ({last}); the run diverged: "
                                  f"start a new run with a lower learning rate ({now}--run-dir NEW{sets})")

    def _restore_from(self, step: int, load_files) -> tuple[str | None, str | None]:
        """Restore checkpoint `step` into the tracked objects: (None, or what went wrong; the
        fingerprint of the restored variables)."""
        prefix = self.ckpt_dir / f"ckpt-{step}"
        try:
            status = self._checkpoint.restore(str(prefix))
            status.assert_existing_objects_matched()
        except Exception as e:  # noqa: BLE001 -- any failure is reported the same way
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            return f"{type(e).__name__}: {first[:200]}", None
        marker = read_marker(self.dir, step)
        fingerprint = self.fingerprint()
        if marker.get("fingerprint") is not None and marker["fingerprint"] != fingerprint:
            return "it restored other values than were saved: the variables' fingerprint differs", fingerprint
        if load_files is not None:
            try:
                load_files(self._files_dir(step))
            except Exception as e:  # noqa: BLE001
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                return f"its files: {type(e).__name__}: {first[:200]}", fingerprint
        return None, fingerprint

    def _move_aside(self, step: int) -> Path:
        """Move checkpoint `step` (all its files) into checkpoints/broken/; nothing is deleted."""
        aside = self.ckpt_dir / "broken"
        aside.mkdir(exist_ok=True)
        for path in self.ckpt_dir.glob(f"ckpt-{step}.*"):
            os.replace(path, aside / path.name)
        return aside

    def fingerprint(self) -> str:
        """SHA-256 over the values of every variable the checkpoint saves (`_saved_variables`:
        networks, optimizer slots, counters)."""
        h = hashlib.sha256()
        for variable in self._saved_variables():
            value = variable.numpy()
            h.update(f"{value.dtype}{value.shape}".encode())
            h.update(value.tobytes())
        return h.hexdigest()

    def save(self, step: int, state: Mapping[str, Any] | None = None,
             save_files: Callable[[Path], None] | None = None) -> Path:
        """Write a checkpoint at `step`, then the files of `save_files(folder)`, then the
        completion marker (last, so a crash mid-save never looks complete)."""
        if self._manager is None:
            raise RuntimeError("call run.track(...) before run.save()")
        if not self.variables_finite():    # never let a diverged run replace its last good checkpoint
            raise self.diverged("a weight became nan or inf", step)
        for table in self._tables.values():
            table.flush()
        if self._writer is not None:
            self._writer.flush()
        before = self.fingerprint()
        path = Path(self._manager.save(checkpoint_number=step))
        # the fingerprint is that of the saved values only when nothing changed them while saving
        # (A3C's learner threads may update during a periodic save: such a checkpoint gets none)
        fingerprint = before if self.fingerprint() == before else None
        if save_files is not None:
            folder = self._files_dir(step)
            folder.mkdir(exist_ok=True)
            save_files(folder)
        _write_json(marker_path(self.dir, step),
                    {"step": step, "state": dict(state or {}), "time": time.time(),
                     "fingerprint": fingerprint})
        self._prune()
        return path

    def _files_dir(self, step: int) -> Path:
        return self.ckpt_dir / f"ckpt-{step}.files"

    def _prune(self) -> None:
        kept = {int(Path(p).name.split("-")[1]) for p in self._manager.checkpoints}
        for step in complete_checkpoints(self.dir):
            if step not in kept:
                marker_path(self.dir, step).unlink()
                files = self._files_dir(step)
                if files.exists():
                    for p in sorted(files.rglob("*"), reverse=True):
                        p.unlink() if p.is_file() else p.rmdir()
                    files.rmdir()

    def _truncate_tables(self, step: int) -> None:
        for path in self.dir.glob("*.csv"):
            _CsvTable(path).truncate_after(self.step_column, step)

    # ------------------------------------------------------------------ interrupts
    def __enter__(self) -> "Run":
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        for table in self._tables.values():
            table.close()
        if self._writer is not None:
            self._writer.close()

    def _on_signal(self, signum, frame) -> None:
        if self._signal is not None:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self._signal = signum
        print(f"\n[{self.paper}] {signal.Signals(signum).name} received: saving a checkpoint at the "
              f"next step boundary (press Ctrl-C again to abort without saving)", flush=True)

    @property
    def time_up(self) -> bool:
        """True once this invocation has used its --max-minutes."""
        return self._deadline is not None and time.time() >= self._deadline

    @property
    def stop_requested(self) -> bool:
        return self._signal is not None or self.time_up

    def exit_if_interrupted(self, step: int, state: Mapping[str, Any] | None = None,
                            save_files: Callable[[Path], None] | None = None,
                            time_box: bool = True) -> None:
        """If SIGINT/SIGTERM arrived, or --max-minutes is used up: save a checkpoint at `step`
        and exit (status 128+signal, or 0 for the time box). `time_box=False`: the caller
        handles --max-minutes itself (by `run.time_up`), only signals exit here."""
        _mark_progress(step)
        if self._signal is None and not (time_box and self.time_up):
            return
        self.save(step, state, save_files)
        why = "" if self._signal is not None else f"--max-minutes {self.args.max_minutes:g} used up; "
        print(f"[{self.paper}] {why}checkpoint saved at {self.step_column} {step}; re-run the same "
              f"command to resume", flush=True)
        raise SystemExit(128 + self._signal if self._signal is not None else 0)

    # ------------------------------------------------------------------ the end
    def finish(self, summary: Mapping[str, Any]) -> None:
        """Write summary.json, then the DONE marker (last)."""
        for table in self._tables.values():
            table.flush()
        record = dict(summary)
        record.setdefault("wall_time_s_this_invocation", round(time.time() - self._t_start, 1))
        _write_json(self.dir / "summary.json", record)
        (self.dir / DONE).write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
        print(f"[{self.paper}] finished: {self.dir / 'summary.json'}", flush=True)


def _check_resumable(run_dir: Path, args: RunArgs, saved: Mapping[str, Any]) -> None:
    """An existing run dir may be continued only with --resume auto and the same config and seed."""
    if args.resume == "never":
        raise RunDirError(f"{run_dir} already holds a run; re-run with --resume auto to "
                          f"continue it, or pass another --run-dir")
    old = dict(saved.get("config", {}))
    new = json.loads(json.dumps(dataclasses.asdict(args.config), default=list))
    # a field added to the config class after the run started holds, at its default, the
    # behaviour the run had: it does not block resuming
    defaults = {f.name: json.loads(json.dumps(f.default, default=list)) for f in dataclasses.fields(args.config)
                if f.default is not dataclasses.MISSING}
    old.update({k: new[k] for k in set(new) - set(old) if k in defaults and new[k] == defaults[k]})
    diffs = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    if saved.get("seed") != args.seed:
        diffs.insert(0, "seed")
    if diffs:
        shown = ", ".join(f"{k}: {old.get(k, saved.get(k))!r} -> {new.get(k, args.seed)!r}" for k in diffs[:4])
        raise RunDirError(f"{run_dir} holds a run with another config ({shown}); pass another "
                          f"--run-dir, or re-run with the original settings to resume it")


def finished_summary(args: RunArgs, paper: str) -> dict | None:
    """The summary of the run in args.run_dir when an earlier invocation finished it, else None;
    RunDirError when the run dir holds a run this command may not continue (another config or
    seed, --resume never). Reads only: a trainer calls it before loading data or building models,
    to skip finished runs cheaply and to refuse a wrong run dir before any work."""
    run_dir = Path(args.run_dir)
    if not (run_dir / "config.json").exists():
        return None
    _check_resumable(run_dir, args, json.loads((run_dir / "config.json").read_text()))
    if not (run_dir / DONE).exists():
        return None
    print(f"[{paper}] {run_dir} is already complete; nothing to do", flush=True)
    return json.loads((run_dir / "summary.json").read_text())


def _check_reachable(checkpoint, trackables: Mapping[str, Any]) -> None:
    """Fail loudly if a Keras weight would silently be left out of the checkpoint.

    Keras 3 weights kept in a plain Python list on a custom layer (`self.E = [add_weight(...)]`)
    are invisible to tf.train.Checkpoint, and `assert_existing_objects_matched` cannot notice."""
    from tensorflow.python.checkpoint import graph_view
    objects, _ = graph_view.ObjectGraphView(checkpoint).breadth_first_traversal()
    reachable = {id(o) for o in objects}
    for name, obj in trackables.items():
        weights = list(getattr(obj, "weights", None) or getattr(obj, "variables", None) or [])
        missing = [getattr(v, "path", getattr(v, "name", "?")) for v in weights
                   if id(v) not in reachable and id(getattr(v, "value", None)) not in reachable]
        if missing:
            raise RuntimeError(f"checkpoint would not save {len(missing)} of {len(weights)} variables "
                               f"of '{name}' (e.g. {missing[0]}): keep Keras weights as direct "
                               f"attributes (not in a list), or pass them to run.track() by name")


class _CsvTable:
    """An append-only CSV whose header is fixed by its first row."""

    def __init__(self, path: Path):
        self.path = path
        self._file = None
        self._writer = None
        self.columns: list[str] | None = None
        if path.exists() and path.stat().st_size:
            with open(path, newline="") as f:
                self.columns = next(csv.reader(f), None)

    def append(self, row: Mapping[str, Any]) -> None:
        if self.columns is None:
            self.columns = list(row)
        unknown = set(row) - set(self.columns)
        if unknown:
            raise ValueError(f"{self.path.name}: columns {sorted(unknown)} not in header {self.columns}")
        if self._file is None:
            new = not (self.path.exists() and self.path.stat().st_size)
            self._file = open(self.path, "a", newline="", buffering=1)  # line-buffered: tail -f works
            self._writer = csv.DictWriter(self._file, fieldnames=self.columns)
            if new:
                self._writer.writeheader()
        self._writer.writerow({k: _fmt(v) for k, v in row.items()})

    def truncate_after(self, column: str, step: int) -> None:
        if self.columns is None or column not in self.columns:
            return
        with open(self.path, newline="") as f:
            rows = [r for r in csv.DictReader(f) if float(r[column]) <= step]
        tmp = self.path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.columns)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, self.path)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


def versions() -> dict[str, Any]:
    """Package versions, Python, platform, and the git commit with its dirty flag."""
    out: dict[str, Any] = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
        out["git_commit"] = commit.stdout.strip() or None
        out["git_dirty"] = bool(dirty.stdout.strip()) if commit.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        out["git_commit"], out["git_dirty"] = None, None
    if out["git_commit"] is None and os.environ.get("REPRO_GIT_COMMIT"):
        # code shipped to a Ray cluster without its .git: the launcher passes the driver's commit
        out["git_commit"] = os.environ["REPRO_GIT_COMMIT"]
        out["git_dirty"] = os.environ.get("REPRO_GIT_DIRTY") == "True"
        out["git_commit_from"] = "the launcher's driver (REPRO_GIT_COMMIT)"
    return out
