"""The networks behind headline numbers, kept in the repository so that anyone can re-score them.

A paper's report copies the weights its headline score was measured with to
`results/<paper>/weights/<name>.weights.h5`, with `<name>.json` beside it: the run's profile and
resolved config (what rebuilds the network), the checkpoint, and the score with its protocol.
Only files under WEIGHTS_LIMIT_BYTES are kept; a larger one stays in its run directory and the
report says so. The paper's evaluate command takes such a file (`--weights`) in place of a run
directory and plays the same protocol with the same seed, so it replays the same games.

    keep(src, results_dir, name, record)   copy + record (unchanged files are not rewritten)
    write_arrays(path, arrays) / read_arrays(path)
                                           named arrays as a .weights.h5 file, for networks that are
                                           not Keras models (the same arrays give the same bytes)
    assign_arrays(path, variables, what)   such a file into a rebuilt network's variables, checked
    read_record(weights, paper)            the record, or a one-line UserError
    markdown(kept, paper, what)            the report's sentence: where, how big, the command
    add_flags(ap, paper) / check_flags()   --run-dir | --weights, and --out (with --weights)
    print_rescore(result, out)             an evaluation of --weights: printed, and out/rescore.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common.errors import UserError
from common.report import shown

#: a run's final weights are kept in the repository only below this size
WEIGHTS_LIMIT_BYTES = 10 * 2**20
SUFFIX = ".weights.h5"


def record_path(weights: Path) -> Path:
    """The <name>.json written beside <name>.weights.h5."""
    weights = Path(weights)
    return weights.with_name(weights.name.removesuffix(SUFFIX) + ".json")


def keep(src: Path, results_dir: Path, name: str, record: dict, limit: int = WEIGHTS_LIMIT_BYTES) -> dict:
    """Copy `src` to results_dir/weights/<name>.weights.h5 with its record when under `limit`
    bytes. Returns {"path" (None when not kept), "bytes", "kept"}."""
    size = Path(src).stat().st_size
    if size >= limit:
        return {"path": None, "bytes": size, "kept": False}
    dst = Path(results_dir) / "weights" / f"{name}{SUFFIX}"
    dst.parent.mkdir(parents=True, exist_ok=True)
    _write_if_changed(dst, Path(src).read_bytes())
    _write_if_changed(record_path(dst), (json.dumps(record, indent=2) + "\n").encode())
    return {"path": dst, "bytes": size, "kept": True}


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """One HDF5 dataset per name, without creation times, so that equal arrays give equal files."""
    import h5py
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        for name in sorted(arrays):
            f.create_dataset(name, data=np.asarray(arrays[name]), track_times=False)


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a write_arrays file by name; a file that is not one is a one-line UserError."""
    import h5py
    try:
        with h5py.File(path, "r") as f:
            return {name: f[name][()] for name in f}
    except OSError as e:
        raise UserError(f"{path} is not a weights file ({e}); take it from results/*/weights/ as the report "
                        f"wrote it") from None


def assign_arrays(path: Path, variables: dict, what: str) -> None:
    """Assign the arrays of a write_arrays file to `variables` (name -> variable of the network
    rebuilt from the record); a file whose names or shapes differ is a one-line UserError."""
    arrays = read_arrays(path)
    differ = sorted(n for n in arrays.keys() | variables.keys()
                    if n not in arrays or n not in variables or arrays[n].shape != tuple(variables[n].shape))
    if differ:
        raise UserError(f"{path} does not fit the {what} of its record ({len(differ)} arrays differ, first "
                        f"{differ[0]}); keep the pair the report wrote together")
    for name, variable in variables.items():
        variable.assign(arrays[name])


def read_record(weights: Path, paper: str) -> dict:
    """The record beside kept weights (both files must exist; the record must parse)."""
    weights, path = Path(weights), record_path(weights)
    for needed in (weights, path):
        if not needed.is_file():
            raise UserError(f"{needed} not found; --weights takes a results/{paper}/weights/*{SUFFIX} file "
                            f"with its .json beside it (written by the report)")
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise UserError(f"{path} is not a weights record ({e}); take the pair from results/{paper}/weights/ "
                        f"as the report wrote it") from None
    if not isinstance(record, dict) or "config" not in record:
        raise UserError(f"{path} is not a weights record (no 'config'); take the pair from "
                        f"results/{paper}/weights/ as the report wrote it")
    return record


def command(path: Path, paper: str) -> str:
    return f"python -m papers.{paper}.evaluate --weights {shown(path)}"


def markdown(kept: dict | None, paper: str, what: str, played: str = "games") -> str:
    """Where the network behind `what` (say, "the final score") is kept and how to re-score it
    (`played`: what its evaluation plays, "games" or "episodes")."""
    if kept is None:
        return (f"The network behind {what} is not kept: its evaluation saved none "
                f"(`python -m papers.{paper}.evaluate --run-dir RUN` saves it).")
    size = f"{kept['bytes'] / 2**20:.1f} MB"
    if not kept["kept"]:
        return (f"The network behind {what} ({size}) stays in the run directory: over the "
                f"{WEIGHTS_LIMIT_BYTES // 2**20} MB kept in the repository.")
    return (f"The network behind {what} is kept ({size}, `{shown(kept['path'])}`); "
            f"`{command(kept['path'], paper)}` plays the same {played} with it (same protocol and seed).")


def add_flags(ap: argparse.ArgumentParser, paper: str, writes: str, many: bool = False):
    """--run-dir (its newest checkpoint) or --weights (kept weights; `many`: one or more files), and
    --out for the latter (`writes`: the files an evaluation writes). Returns the group of the two,
    to which a command may add another source."""
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--run-dir", type=Path, help="a training run directory (its newest checkpoint)")
    source.add_argument("--weights", type=Path, nargs="+" if many else None,
                        help=f"kept weights, results/{paper}/weights/*{SUFFIX}")
    ap.add_argument("--out", type=Path, help=f"with --weights: also write {writes} here")
    return source


def check_flags(args: argparse.Namespace) -> None:
    if args.weights is None and args.out is not None:
        raise UserError("--out goes with --weights; an evaluation of --run-dir writes into the run directory")


def print_rescore(result: dict, out: Path | None) -> None:
    """Print an evaluation of kept weights as JSON and, with --out, write it to out/rescore.json."""
    text = json.dumps(result, indent=2)
    print(text)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "rescore.json").write_text(text + "\n")
