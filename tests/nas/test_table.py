"""Zoph & Le 2017, the control experiment on a ground-truth table: the table's lookup
(papers/nas/table.py), its resumable builder through the Ray pool, and simulated searches on
tiny synthetic tables (papers/nas/simulate.py)."""

import csv
import json

import numpy as np
import pytest

from common.config import build
from papers.nas import simulate, table
from papers.nas.config import PROFILES, NASConfig
from papers.nas.controller import Controller
from papers.nas.search_space import all_cnn_architectures, arch_string, cnn_steps


def _cfg(layers=1, **sets):
    """The table profile's decisions, shrunk: 1 layer -> 2 x 2 x 2 = 8 architectures; 2 layers -> 128."""
    cfg, _ = build(NASConfig, PROFILES, "table", {"start_layers": layers, "filter_heights": (1, 3),
                                                  "filter_widths": (1, 3), "num_filters": (2, 3), **sets})
    return cfg


def _rows(cfg, best=None, seeds=2):
    """A synthetic table: every architecture 0.30 + 0.01 * (its position mod 7) + 0.005 * seed,
    test = val + 0.01; `best` (an arch string) scores 0.9."""
    rows = []
    for k, actions in enumerate(all_cnn_architectures(cfg, cfg.start_layers)):
        arch = arch_string(cfg, actions)
        for s in range(seeds):
            val = 0.9 if arch == best else 0.30 + 0.01 * (k % 7) + 0.005 * s
            rows.append({"arch": arch, "seed": str(s), "status": "ok", "val_acc": f"{val:.4f}",
                         "test_acc": f"{val + 0.01:.4f}", "params": "100", "seconds": "1.0"})
    return rows


def test_lookup_returns_the_stored_seed_score_and_refuses_outside_the_space():
    cfg = _cfg()
    rows = _rows(cfg)
    rows[5]["val_acc"] = "0.4321"                              # (architecture 2, seed 1)
    t = table.Table(cfg, rows, seeds=2)
    i = t.lookup(rows[5]["arch"])
    assert t.val[i, 1] == pytest.approx(0.4321) and t.val[i, 0] == pytest.approx(float(rows[4]["val_acc"]))
    assert t.test_mean[i] == pytest.approx((float(rows[4]["test_acc"]) + float(rows[5]["test_acc"])) / 2)
    assert t.lookup_actions([(), 0, 1, 0]) == t.lookup(arch_string(cfg, [(), 0, 1, 0]))
    with pytest.raises(table.TableError, match="not in the table's space"):
        t.lookup("0:7x7/1x1,2<img")                            # 7 is not a filter height of the space
    with pytest.raises(table.TableError, match="not an architecture of the table's space"):
        t.lookup_actions([(), 2, 0, 0])                        # choice index 2 of a 2-way decision
    with pytest.raises(table.TableError, match="not in the table's space"):
        t.lookup_actions([(), 0, 0, 0, (1,), 0, 0, 0])         # two layers: deeper than the space
    with pytest.raises(table.TableError, match="lacks 1 of its 16"):
        table.Table(cfg, rows[:-1], seeds=2)


def test_a_failed_child_scores_zero_and_leaves_the_test_mean():
    cfg = _cfg()
    rows = _rows(cfg)
    rows[0].update(status="failed", val_acc="", test_acc="")
    t = table.Table(cfg, rows, seeds=2)
    i = t.lookup(rows[0]["arch"])
    assert t.val[i, 0] == 0.0 and t.test_mean[i] == pytest.approx(float(rows[1]["test_acc"]))


def test_load_reads_a_written_table_and_drops_a_row_cut_by_a_crash(tmp_path):
    cfg = _cfg()
    out = tmp_path / "table_x.csv"
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(table.COLUMNS)
        w.writerows([[r[c] for c in table.COLUMNS] for r in _rows(cfg)])
    with open(out, "a") as f:
        f.write('"0:1x1/1x1,2<img",1,o')                       # a crash in the middle of a row
    meta = {"seeds": 2, "config": json.loads(json.dumps(cfg.__dict__)), "sessions": [{"wall_s": 7200.0}]}
    table.meta_path(out).write_text(json.dumps(meta))
    t = table.Table.load(out)
    assert len(t.archs) == 8 and t.val.shape == (8, 2) and table.wall_hours(t.meta) == 2.0
    assert out.read_text().endswith("\n") and len(table.read_rows(out)) == 16
    with pytest.raises(table.TableError, match="no table at"):
        table.Table.load(tmp_path / "none.csv")


def test_reinforce_raises_the_probability_of_a_far_better_architecture():
    """8 architectures, one of them scoring 0.9 (reward 0.73) and the rest ~0.3 (reward ~0.03):
    after 200 sampled architectures (50 REINFORCE updates of the real controller code, the table
    profile's m = 4, Adam lr 0.015, baseline decay 0.8), the controller samples it far more often
    than the uniform 1/8 it started from."""
    cfg = _cfg(total_architectures=200)
    best_actions = [(), 1, 1, 1]
    best = arch_string(cfg, best_actions)
    t = table.Table(cfg, _rows(cfg, best=best), seeds=2)
    steps = cnn_steps(cfg, 1)
    before = float(np.exp(Controller(steps, seed=0).log_prob(steps, [best_actions])[0]))
    trace = simulate.run_search(t, "controller", seed=0, budget=200)
    after = float(np.exp(trace.controller.log_prob(steps, [best_actions])[0]))
    assert before == pytest.approx(1 / 8, abs=0.03)
    assert after > 0.5, (before, after)
    assert trace.picked_test[-1] == pytest.approx(0.91)          # it was found and picked


def test_random_search_curves_by_hand():
    """Random search on a table whose architectures all score their position: the picked test
    accuracy never decreases, and top-1 >= top-5 >= top-15 once defined."""
    cfg = _cfg(layers=2)
    t = table.Table(cfg, _rows(cfg), seeds=2)
    trace = simulate.run_search(t, "random", seed=3, budget=25)
    assert trace.controller is None and np.all(np.diff(trace.picked_test) >= -1e-12)
    assert np.isnan(trace.top[15][:13]).all() or trace.distinct < 15
    defined = ~np.isnan(trace.top[15])
    assert np.all(trace.top[1][defined] >= trace.top[5][defined]) and np.all(trace.top[5][defined] >= trace.top[15][defined])


def test_simulate_writes_curves_plots_evidence_and_snippet(tmp_path):
    cfg = _cfg(layers=2, total_architectures=20)                  # 20 of 128 architectures (16%)
    t = table.Table(cfg, _rows(cfg, best=arch_string(cfg, [(), 1, 1, 1, (1,), 1, 1, 1])), seeds=2,
                    meta={"sessions": [{"wall_s": 1800.0}]})
    record = simulate.simulate(t, search_seeds=3, out=tmp_path)
    for name in ("sim_curves.csv", "sim_search.json", "sim_search.md", "sim_picked_test_acc.png", "sim_topk_val_acc.png"):
        assert (tmp_path / name).is_file(), name
    ev = record["evidence"]
    assert set(ev) == {"table_architectures", "table_seeds_per_architecture", "table_seed_noise_std",
                       "table_architecture_spread_std", "table_wall_hours", "sim_search_seeds_per_method",
                       "sim_budget_architectures", "sim_controller_final_test_acc_mean",
                       "sim_random_final_test_acc_mean", "sim_difference_ci95_low", "sim_difference_ci95_high",
                       "sim_p_value"}
    assert ev["table_architectures"] == 128 and ev["table_wall_hours"] == 0.5 and ev["sim_budget_architectures"] == 20
    assert ev["table_seed_noise_std"] == pytest.approx(0.005 / np.sqrt(2), rel=0.05)
    assert ev["sim_difference_ci95_low"] <= ev["sim_difference_ci95_high"] and 0 <= ev["sim_p_value"] <= 1
    md = (tmp_path / "sim_search.md").read_text()
    assert record["test"]["verdict"] in md
    with open(tmp_path / "sim_curves.csv") as f:                 # the paper's measure, from the final curves
        final = {r["method"]: float(r["top5_val_mean"]) for r in csv.DictReader(f) if r["sampled"] == "20"}
    assert (f"is {final['controller']:.4f} for the controller and {final['random']:.4f} for random search" in md)
    with open(tmp_path / "sim_curves.csv") as f:
        assert len(list(csv.DictReader(f))) == 2 * 20
    with pytest.raises(simulate.UserError, match="at most 20%"):
        simulate.simulate(table.Table(_cfg(total_architectures=2), _rows(_cfg()), seeds=2), 3, tmp_path)


def test_builder_refuses_to_continue_a_table_of_other_settings(tmp_path):
    out = tmp_path / "t.csv"
    table.meta_path(out).write_text(json.dumps({"config": {"train_size": 1}, "seeds": 2, "profile": "table",
                                                "sets": {}}))
    with pytest.raises(table.TableError, match="built with other settings"):
        table.build_table(_cfg(), out)


@pytest.mark.data("cifar10")
def test_builder_continues_a_partial_table_through_two_ray_workers(tmp_path):
    """A table with 3 rows and a row cut by a crash: the builder trains the 13 missing (architecture,
    seed) children through the Ray pool (2 workers, 1 intra-op thread each), keeps the 3 rows as
    they were, and a second call finds the table complete without training anything."""
    cfg = _cfg(train_size=64, val_size=32, image_size=8, upsample_size=10, child_epochs=1, child_batch=32,
               bn_stat_images=32, num_filters=(2, 3))
    out = tmp_path / "table_tiny.csv"
    archs = [arch_string(cfg, a) for a in all_cnn_architectures(cfg, 1)]
    kept = [[archs[0], 0, "ok", 0.1111, 0.2222, 7, 1.0], [archs[0], 1, "ok", 0.1112, 0.2223, 7, 1.0],
            [archs[5], 1, "ok", 0.1113, 0.2224, 7, 1.0]]
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(table.COLUMNS)
        w.writerows(kept)
        f.write(f'"{archs[6]}",0,ok,0.3')
    meta = table.build_table(cfg, out, seeds=2)
    rows = table.read_rows(out)
    assert len(rows) == 16 and meta["complete"] and len({(r["arch"], r["seed"]) for r in rows}) == 16
    assert [[r[c] for c in table.COLUMNS] for r in rows[:3]] == [[str(v) for v in k] for k in kept]
    assert all(r["status"] == "ok" and 0 <= float(r["test_acc"]) <= 1 for r in rows[3:])
    session = meta["sessions"][-1]
    assert session["children"] == 13 and session["workers"] == 2
    assert session["threads"] == [{"intra_op": 1, "inter_op": 1}] * 2
    again = table.build_table(cfg, out, seeds=2)
    assert again["complete"] and len(again["sessions"]) == 1 and len(table.read_rows(out)) == 16
    assert table.Table.load(out).val[table.Table.load(out).lookup(archs[0]), 1] == pytest.approx(0.1112)
