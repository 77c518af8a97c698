"""Derive `slac_curves.csv` (per-task mean SLAC learning curves) from the official per-seed
curves of Lee et al. 2020 (alexlee-gk/slac@14a366e `data/slac/dm_control_<task>_slac.csv`,
10 seeds x 5 decoder variances, x = environment steps), keeping the decoder variance that
the official plotting notebook selects per task (best mean return over env steps < 5e5).

    python papers/slac/published/derive.py <folder holding the official data/slac/*.csv>
"""

import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path

SELECTED_VAR = {"cheetah_run": 0.1, "walker_walk": 0.4, "ball_in_cup_catch": 0.04,
                "finger_spin": 0.1, "cartpole_swingup": 0.1, "reacher_easy": 0.01}


def main(folder: Path) -> None:
    out = Path(__file__).with_name("slac_curves.csv")
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "action_repeat", "decoder_var", "env_steps", "mean_return",
                    "std_return", "n_seeds", "source"])
        for task, var in SELECTED_VAR.items():
            name = f"dm_control_{task}_slac.csv"
            by_step, repeat = defaultdict(list), None
            with open(folder / name, newline="") as g:
                for r in csv.DictReader(g):
                    if float(r["decoder_var"]) == var:
                        by_step[int(float(r["OriginalEnvironmentSteps"]))].append(
                            float(r["AverageReturnEvalPolicy"]))
                        repeat = int(float(r["action_repeat"]))
            source = (f"alexlee-gk/slac@14a366e data/slac/{name}, decoder_var={var} (notebook "
                      f"selection), AverageReturnEvalPolicy mean/pstdev over seeds by derive.py")
            for step in sorted(by_step):
                v = by_step[step]
                w.writerow([task, repeat, var, step, f"{statistics.mean(v):.2f}",
                            f"{statistics.pstdev(v):.2f}", len(v), source])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
