"""Published numbers beside ours: read a published-numbers CSV, write Markdown tables, draw plots.

Each paper keeps its published numbers in `papers/<p>/published/*.csv`, one number per row or
one row per item, always with a `source` column saying where the number was read.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence


class PublishedError(ValueError):
    pass


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a run's CSV table (metrics.csv, eval.csv, ...); [] when the file is missing."""
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def read_json(path: str | Path):
    """A run's JSON file (summary.json, evaluation.json, ...); None when missing or unreadable."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def read_published(path: str | Path, **match: str) -> list[dict[str, str]]:
    """Rows of a published-numbers CSV (each must carry a non-empty `source`), optionally
    filtered by exact column values, e.g. read_published(p, variant="PE LS RN")."""
    path = Path(path)
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if "source" not in (reader.fieldnames or []):
            raise PublishedError(f"{path} has no 'source' column; every published number needs one")
        rows = list(reader)
    for i, row in enumerate(rows, start=2):
        if not (row.get("source") or "").strip():
            raise PublishedError(f"{path}:{i} has an empty source")
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def write_between_markers(path: str | Path, begin: str, end: str, body: str) -> bool:
    """Replace the text between two marker lines of a file (a README's generated section).
    Returns False, changing nothing, when the file or either marker is missing."""
    path = Path(path)
    if not path.exists():
        return False
    text = path.read_text()
    if begin not in text or end not in text:
        return False
    head, rest = text.split(begin, 1)
    path.write_text(head + begin + "\n" + body + "\n" + end + rest.split(end, 1)[1])
    return True


def fmt(value: Any, digits: int = 1) -> str:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 1) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(v, digits) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def comparison_table(keys: Sequence[Any], ours: Mapping[str, Mapping[Any, Any]],
                     paper: Mapping[str, Mapping[Any, Any]], key_name: str = "item",
                     digits: int = 1, footer: Callable[[Sequence[Any]], Any] | None = None) -> str:
    """Columns: key, then each of our series, then each paper series ('(paper)' appended).
    `footer(values)` adds a last row aggregating each column (e.g. a mean)."""
    series = [(f"{name}", col) for name, col in ours.items()] + \
             [(f"{name} (paper)", col) for name, col in paper.items()]
    rows = [[k] + [col.get(k) for _, col in series] for k in keys]
    if footer is not None:
        rows.append(["**" + footer.__name__ + "**"] +
                    [footer([v for v in (col.get(k) for k in keys) if v not in (None, "")])
                     for _, col in series])
    return markdown_table([key_name] + [name for name, _ in series], rows, digits)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def bar_chart(categories: Sequence[Any], series: Mapping[str, Sequence[float | None]],
              path: str | Path, title: str, ylabel: str, xlabel: str = "") -> Path:
    """Grouped bars, one group per category, one bar per series (None draws no bar)."""
    plt = _pyplot()
    n = len(series)
    width = 0.8 / max(n, 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(categories) * max(n, 1)), 4))
    for i, (label, values) in enumerate(series.items()):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(categories))]
        ys = [float("nan") if v is None else v for v in values]
        ax.bar(xs, ys, width=width, label=label)
    ax.set_xticks(range(len(categories)), [str(c) for c in categories])
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def curve_plot(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: str | Path,
               title: str, xlabel: str, ylabel: str,
               hlines: Mapping[str, float] | None = None) -> Path:
    """Line plot of (x, y) series, with optional labelled horizontal reference lines."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, label=label)
    for label, y in (hlines or {}).items():
        ax.axhline(y, linestyle="--", linewidth=1, color="gray")
        ax.annotate(label, xy=(0, y), xycoords=("axes fraction", "data"), fontsize=8,
                    va="bottom", color="gray")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)
    return path
