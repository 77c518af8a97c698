"""No file of the repository names a folder of one machine (an absolute path into the top-level
folders work, home, root or tmp): a user's checkout has none of them. Paths are relative to the repository root,
or come from an option or an environment variable (REPRO_DATA_DIR, REPRO_RUNS_DIR)."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: an absolute path into one of these folders, not part of a longer path or a URL
MACHINE_PATH = re.compile(r"(?<![\w.~/-])/(?:" + "|".join(("work", "home", "root", "tmp")) + r")/")
#: files allowed to hit, each with why (none today)
KNOWN: dict[str, str] = {}


def _files() -> list[Path]:
    """The files git tracks."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in sorted(set(out.decode().split("\0"))) if name and (ROOT / name).is_file()]


def _hits(path: Path) -> list[str]:
    data = path.read_bytes()
    if b"\0" in data[:8192]:                      # binary (a plot)
        return []
    text = data.decode("utf-8", errors="replace")
    return [f"{path.relative_to(ROOT)}:{i}: {line.strip()[:120]}"
            for i, line in enumerate(text.splitlines(), 1) if MACHINE_PATH.search(line)]


def test_the_pattern():
    # the examples are assembled from the folder names, so that this file names no machine path
    tmp, home, root, work = "tmp", "home", "root", "work"
    assert MACHINE_PATH.search(f"see /{tmp}/x and")
    assert MACHINE_PATH.search(f'"/{home}/me/data"')
    for fine in (f"runs/{tmp}/x", f"https://github.com/{root}/x", f"~/{work}/x", f"a/{work}/b", f"/{work}space/x"):
        assert not MACHINE_PATH.search(fine), fine


def test_no_machine_paths_in_the_repository():
    hits = [h for path in _files() if str(path.relative_to(ROOT)) not in KNOWN for h in _hits(path)]
    assert not hits, "absolute paths of one machine:\n" + "\n".join(hits)
