"""The reading guides of the papers' READMEs point at code that exists.

A guide maps the paper's equations, algorithm lines and tables to the functions that implement
them, written `file.py::name` (a top-level function or class) or `file.py::Class.method`, with
the path relative to the paper's folder. Every such reference in papers/*/README.md must
resolve; the papers listed in GUIDED must have a guide.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = sorted((ROOT / "papers").glob("*/README.md"))
GUIDED = ("a3c", "dqn", "memn2n", "nas", "slac")
REFERENCE = re.compile(r"`([\w./-]+\.py)::([A-Za-z_][\w.]*)`")


def references(readme: Path) -> list[tuple[str, str]]:
    return REFERENCE.findall(readme.read_text())


def defines(path: Path, name: str) -> bool:
    """True when `path` defines `name` at top level (a function or class) or, for 'Class.method',
    defines that method in that top-level class."""
    tree = ast.parse(path.read_text(), str(path))
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    top = {node.name: node for node in tree.body if isinstance(node, kinds)}
    head, _, method = name.partition(".")
    if head not in top:
        return False
    if not method:
        return True
    return isinstance(top[head], ast.ClassDef) and any(
        isinstance(node, kinds) and node.name == method for node in top[head].body)


def test_resolution(tmp_path):
    (tmp_path / "m.py").write_text("def f():\n    def inner(): pass\nclass C:\n    def g(self): pass\nX = 1\n")
    assert defines(tmp_path / "m.py", "f") and defines(tmp_path / "m.py", "C.g")
    for missing in ("inner", "C.h", "f.inner", "X", "D"):
        assert not defines(tmp_path / "m.py", missing), missing


@pytest.mark.parametrize("readme", READMES, ids=[p.parent.name for p in READMES])
def test_every_reference_resolves(readme):
    refs = references(readme)
    if not refs:
        assert readme.parent.name not in GUIDED, f"{readme.relative_to(ROOT)} has no reading guide"
        pytest.skip("no reading guide yet")
    bad = []
    for file, name in refs:
        path = (readme.parent / file).resolve()
        if not path.is_file():
            bad.append(f"{file}::{name} (no file {file})")
        elif not defines(path, name):
            bad.append(f"{file}::{name} (not defined in {file})")
    assert not bad, f"{readme.relative_to(ROOT)}: " + "; ".join(bad)


@pytest.mark.parametrize("paper", GUIDED)
def test_guided_papers_have_a_guide(paper):
    text = (ROOT / "papers" / paper / "README.md").read_text()
    assert "## Reading guide" in text
    assert len(references(ROOT / "papers" / paper / "README.md")) >= 10
