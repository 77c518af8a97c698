"""papers/nas/reproduce.py and report.py at budget smoke: the whole pipeline (four searches through 2 Ray workers,
the retraining of the best child, the report) at toy size, without touching the committed files."""

import json
import time

import pytest

from papers.nas import report, reproduce

COMMITTED = [report.README, *sorted((report.HERE.parents[1] / "results" / "nas").glob("*"))]


def _bytes():
    return {p: p.read_bytes() for p in COMMITTED if p.is_file()}


def test_smoke_report_without_runs_touches_no_committed_file(tmp_path):
    before = _bytes()
    section = report.section("smoke", tmp_path / "runs", tmp_path / "results")
    assert section.status == "not run" and "Smoke run" in section.body
    assert "not measured at the smoke budget" in section.body and "Missing" not in section.body
    assert _bytes() == before


@pytest.mark.slow     # ~2 min on 2 shared cores (Ray start-up, TensorFlow in 2 workers, 24 toy children)
def test_smoke_budget_runs_and_reports_end_to_end(tmp_path):
    before = _bytes()
    runs, results = tmp_path / "runs", tmp_path / "results"
    t0 = time.time()
    reproduce.run("smoke", runs)
    print(f"run('smoke') took {time.time() - t0:.1f} s")
    for name in reproduce.SEARCHES:
        d = reproduce.run_dir(runs, name, "smoke")
        assert d.name.endswith("-smoke-seed0") and (d / "DONE").exists()
        assert json.loads((d / "config.json").read_text())["config"]["workers"] == 2    # through Ray
        reeval = json.loads((d / "reeval.json").read_text())       # top architectures retrained
        assert reeval["top"] == 2 and reeval["seeds"] == [1001] and len(reeval["children"]) <= 2
    assert not (runs / "nas" / "benchmark.json").exists()
    assert not reproduce.run_dir(runs, "cifar10-controller", "cpu").exists()
    section = report.section("smoke", runs, results)
    assert section.status == "complete" and len(section.runs) == 4
    assert "smoke" in section.body.lower() and "meaningless" in section.headline
    assert "not measured at the smoke budget" in section.body
    evidence = json.loads((results / "evidence.json").read_text())
    assert evidence["budget"] == "smoke" and evidence["reduced_search"] is False
    assert "cifar_controller_top5_val_acc_reevaluated" in evidence and "ptb_random_top5_val_ppl_reevaluated" in evidence
    # the retrained child is kept with its record and measures to the same test error again
    from papers.nas.evaluate import score_weights
    final = json.loads((reproduce.run_dir(runs, "cifar10-controller", "smoke") / "final" / "final.json").read_text())
    assert evidence["cifar_best_weights"].endswith("weights/cifar10-controller-smoke-seed0-best-child.weights.h5")
    rescored = score_weights(results / "weights" / "cifar10-controller-smoke-seed0-best-child.weights.h5")
    assert (rescored["arch"], rescored["test_error_pct"]) == (final["arch"], final["test_error_pct"])
    again = report.section("smoke", runs, results)
    assert (again.status, again.headline, again.body) == (section.status, section.headline, section.body)
    assert (results / "evidence.json").read_text() == json.dumps(evidence, indent=2, sort_keys=True) + "\n"
    assert _bytes() == before
