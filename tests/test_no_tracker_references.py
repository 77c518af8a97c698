"""Code and documentation give their own reasons, never "the issue's criterion" or "issue 7": users
of this repository do not see the tracker its work was planned in. An issue of another project is
cited with its repository ("miyosuda/async_deep_reinforce issue #1"), which users can open.

results/ is left out: it holds what runs recorded (each run's deviations.json, copied into the
report), which changes only when the runs are made again."""

import re

from tests.test_no_machine_paths import ROOT, _files

SELF = "tests/test_no_tracker_references.py"   # spells the references out to test the pattern
#: "the issue", "the issue's", "issue 7", "issue #20", "(issue #20)"
TRACKER = re.compile(r"\bthe issue\b|\bissues? #?\d+", re.IGNORECASE)
#: an owner/name repository right before the match: a citation of another project's tracker
CITED_REPO = re.compile(r"[\w.-]+/[\w.-]+,? $")


def tracker_references(line: str) -> list[str]:
    """The references in `line` to this repository's own tracker."""
    return [m.group(0) for m in TRACKER.finditer(line) if not CITED_REPO.search(line[:m.start()])]


def test_the_pattern():
    assert tracker_references("SEEDS = 2  # ours: the issue's minimum") == ["the issue"]
    assert tracker_references("budget (issue #20): at most 20%") == ["issue #20"]
    assert tracker_references("quoted in miyosuda/async_deep_reinforce issue #1)") == []
    assert tracker_references("facebookarchive/MemNN issue #13") == []
    assert tracker_references("tissue 3 of the issuer") == []


def test_no_references_to_this_repositorys_tracker():
    hits = []
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("results/") or rel == SELF or path.suffix not in (".py", ".md", ".txt", ".cfg", ".toml", ""):
            continue
        for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            hits += [f"{rel}:{i}: {ref!r} in {line.strip()[:100]}" for ref in tracker_references(line)]
    assert not hits, "references to this repository's own tracker (give the reason instead):\n" + "\n".join(hits)
