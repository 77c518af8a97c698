"""The papers' whole experiments as Ray tasks, on this machine or on a Ray cluster.

    python -m common.launch --papers dqn memn2n --budget paper            # a local Ray on this machine
    RAY_ADDRESS=10.0.0.1:6379 python -m common.launch --budget paper      # a cluster (or --address)
    python -m common.launch --budget smoke --only 'dqn/*'                 # a few games at toy size
    python -m common.launch_check                       # a two-node check -> results/launch_check.json

Each paper lists its experiments in `papers/<paper>/experiments.py: experiments(budget)`: at the
paper budget the games, tasks, columns and seeds of the paper's tables. An `Experiment` is one
run directory (runs/<paper>/<name>) and the `python -m` commands that fill it (train, then
evaluate where the table needs it). The launcher turns each unfinished one into a Ray task that
asks for the CPUs it uses, plus its GPUs when the cluster has GPUs; the task runs the commands as
subprocesses on whichever node Ray picked (output appended to <run dir>/launch.log), so a crash
never takes a worker down. A failed attempt (non-zero exit, lost worker or node) is recorded and
the run submitted again, at most --retries times; it then counts as failed and the sweep goes on.
Re-running skips the finished runs (their `done` file exists) and resumes the others from their
last checkpoint. Every attempt (node, exit status, seconds, the log's last lines) is kept in
runs/<paper>/sweep.json; `python -m common.report` reads the run directories as always and shows
each experiment's state next to the paper's table (`experiment_section`).

Code and data on a cluster: the code reaches every node as a Ray `working_dir` (this checkout
without .git, .venv, runs/ and results/), so no node needs the driver's paths for code. Run
directories are data: the tasks write to the driver's absolute runs folder, which must therefore
be storage every node mounts at the same path (or copy runs/<paper>/ back before reporting); the
same holds for $REPRO_DATA_DIR. Every node runs the same Python environment (`make setup`).

Safety: Ray 2.60 turns on token authentication for a local Ray (the token in ~/.ray/auth_token),
but its gRPC ports listen on every interface: a local Ray here starts with the dashboard off, and
a cluster belongs on a private network whose Ray ports are never exposed (README).
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPERS = ("dqn", "a3c", "memn2n", "nas", "slac")
BUDGETS = ("cpu", "paper", "smoke")
RUN_DIR = "{run_dir}"          # stands for the run directory in an Experiment's commands
SWEEP_FILE = "sweep.json"      # runs/<paper>/sweep.json: every attempt of every run
LOG_FILE = "launch.log"        # <run dir>/launch.log: the commands' output, all attempts
LOG_TAIL_LINES = 3
SAVE_GRACE_S = 120             # a cancelled run gets this long to save its checkpoint
#: left out of the code shipped to a cluster (.git, .venv and the .gitignore'd ones are always)
EXCLUDES = [".git", ".venv", "runs", "results", ".pytest_cache"]
#: environment of every Ray worker (and so of the runs); the data variables pass through when set
WORKER_ENV = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
PASSED_ENV = ("REPRO_DATA_DIR", "REPRO_OFFLINE")
#: the made-to-fail run of --fail-run: an unknown config key, which every train.py refuses
FAIL_ARGS = ("--set", "made_to_fail_by_launcher=1")


@dataclass(frozen=True)
class Experiment:
    """One run of a paper's experiment list: `commands` run in order in runs/<paper>/<name>."""
    paper: str
    name: str                                 # run directory, relative to runs/<paper>/
    commands: tuple[tuple[str, ...], ...]     # `python -m` module and arguments; RUN_DIR = the run dir
    group: str                                # the paper's table (and column) the run belongs to
    label: str                                # its row there: game, task, seed
    done: str = "DONE"                        # file of the run dir whose presence means finished
    metric: str = ""                          # "file:key" of the run dir shown as its result
    cpus: float = 1.0                         # CPUs the run keeps busy
    gpus: float = 0.0                         # GPUs it uses when the cluster has GPUs
    skip: str = ""                            # why it cannot run yet ("" = it can)
    needs: str = ""                           # name of a run of the same paper that must finish first

    @property
    def key(self) -> str:
        return f"{self.paper}/{self.name}"

    def run_dir(self, runs_root: Path) -> Path:
        return Path(runs_root).resolve() / self.paper / self.name

    def finished(self, runs_root: Path) -> bool:
        return (self.run_dir(runs_root) / self.done).exists()

    def argvs(self, run_dir: Path) -> list[list[str]]:
        return [[a.replace(RUN_DIR, str(run_dir)) for a in command] for command in self.commands]


def experiments(papers, budget: str) -> list[Experiment]:
    """The experiment lists of `papers` at `budget` (papers/<paper>/experiments.py)."""
    out = []
    for paper in papers:
        out += importlib.import_module(f"papers.{paper}.experiments").experiments(budget)
    return out


# ------------------------------------------------------------------------------ Ray
def connect(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Connect this process to Ray; returns True when it started Ray (and should shut it down).

    `address` (else $RAY_ADDRESS): that cluster, with this checkout shipped as the working_dir.
    Neither: a new Ray on this machine with its CPUs (`num_cpus`, default all), the dashboard
    off, never a Ray found running (address "local"); its workers import the code from here."""
    import ray
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or None
    env = {**WORKER_ENV, **{k: os.environ[k] for k in PASSED_ENV if os.environ.get(k)}}
    if address:
        # the shipped copy has no .git: its runs record the driver's commit (common/run.py versions)
        from common.run import versions
        driver = versions()
        env.update(REPRO_GIT_COMMIT=str(driver["git_commit"]), REPRO_GIT_DIRTY=str(driver["git_dirty"]))
        ray.init(address=address, log_to_driver=False,
                 runtime_env={"working_dir": str(ROOT), "excludes": EXCLUDES, "env_vars": env})
        return True
    # Ray renices its workers to 15 by default; here the workers ARE the heavy work
    os.environ.setdefault("RAY_worker_niceness", "0")
    ray.init(address="local", num_cpus=num_cpus or os.cpu_count(), include_dashboard=False,
             log_to_driver=False, runtime_env={"env_vars": {**env, "PYTHONPATH": str(ROOT)}})
    return True


def _die_with_parent():
    """For Popen's preexec_fn (Linux; None elsewhere): the run receives SIGTERM, and saves a
    checkpoint, if the Ray worker that started it dies. prctl is looked up before the fork."""
    if sys.platform != "linux":
        return None
    import ctypes
    prctl = ctypes.CDLL(None).prctl
    return lambda: prctl(1, signal.SIGTERM)              # 1 = PR_SET_PDEATHSIG


def attempt(exp: Experiment, run_dir: str, fail: bool) -> dict:
    """One attempt at one experiment, run by a Ray worker: its commands as subprocesses in the
    code folder this worker imported from (the shipped working_dir on a cluster), TensorFlow
    threads set to the CPUs Ray assigned, output appended to <run dir>/launch.log."""
    import ray
    # ray.cancel interrupts a task as Ctrl-C would: a worker started from a background job
    # inherits an ignored SIGINT, so the handler is put back
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ctx = ray.get_runtime_context()
    cpus = max(1, int(ctx.get_assigned_resources().get("CPU", 1)))
    code = Path(__file__).resolve().parents[1]
    env = dict(os.environ, RAY_ADDRESS=ctx.gcs_address, OMP_NUM_THREADS=str(cpus),
               TF_NUM_INTRAOP_THREADS=str(cpus), TF_NUM_INTEROP_THREADS=str(cpus))
    record = {"node_id": ctx.get_node_id(), "node_ip": ray.util.get_node_ip_address(),
              "code_dir": str(code), "resources": ctx.get_assigned_resources(),
              "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "returncode": 0}
    t0 = time.time()
    log_path = Path(run_dir) / LOG_FILE
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a") as log:
        log.write(f"\n=== attempt on node {record['node_id'][:12]} ({record['node_ip']}) at "
                  f"{record['started']} with {record['resources']}\n")
        for i, argv in enumerate(exp.argvs(Path(run_dir))):
            if fail and i == 0:
                argv = argv + list(FAIL_ARGS)
            log.write(f"$ python -m {' '.join(argv)}\n")
            log.flush()
            proc = subprocess.Popen([sys.executable, "-m", *argv], cwd=code, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, preexec_fn=_die_with_parent())
            try:
                while proc.poll() is None:      # polled: ray.cancel's KeyboardInterrupt cannot reach a blocked wait()
                    time.sleep(1)
            except KeyboardInterrupt:           # ray.cancel: the run saves a checkpoint, then stops
                proc.terminate()
                proc.wait(timeout=SAVE_GRACE_S)
                raise
            record["returncode"] = proc.returncode
            if record["returncode"] != 0:
                break
    record["seconds"] = round(time.time() - t0, 1)
    if record["returncode"] != 0:
        lines = log_path.read_text(errors="replace").strip().splitlines()
        record["error"] = "\n".join(lines[-LOG_TAIL_LINES:])
    return record


def _requests(todo: list[Experiment]) -> dict[str, dict]:
    """Ray resources of each run: its GPUs when the cluster has GPUs, its CPUs capped at the
    largest node's (a run wanting more gets a whole node and still starts all its threads)."""
    import ray
    nodes = [n["Resources"] for n in ray.nodes() if n["Alive"]]
    most_cpus = max((r.get("CPU", 0) for r in nodes), default=1)
    has_gpus = any(r.get("GPU", 0) for r in nodes)
    return {e.key: {"num_cpus": min(e.cpus, most_cpus), "num_gpus": e.gpus if has_gpus else 0}
            for e in todo}


# ------------------------------------------------------------------------------ bookkeeping
def read_sweep(runs_root: Path, paper: str) -> dict:
    """runs/<paper>/sweep.json: experiment name -> {"status", "attempts": [...]}."""
    try:
        return json.loads((Path(runs_root) / paper / SWEEP_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _write_sweep(runs_root: Path, paper: str, sweep: dict) -> None:
    path = Path(runs_root) / paper / SWEEP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(sweep, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _hms(seconds: float) -> str:
    s = int(max(seconds, 0))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


# ------------------------------------------------------------------------------ the sweep
def sweep(exps: list[Experiment], runs_root: Path, *, retries: int = 2, address: str | None = None,
          fail: tuple[str, ...] = ()) -> list[str]:
    """Run every unfinished, runnable experiment as Ray tasks; returns the keys that failed.
    A run that `needs` another is submitted once that one has finished.
    `fail`: fnmatch patterns of "paper/name" made to fail (a check of the failure path)."""
    import ray
    runs_root = Path(runs_root).resolve()
    finished = {e.key for e in exps if e.finished(runs_root)}
    todo = [e for e in exps if e.key not in finished and not e.skip]
    planned = {e.key for e in todo}
    for e in exps:
        if e.key not in finished and e.skip:
            print(f"[launch] not run: {e.key} ({e.skip})", flush=True)
    orphans = [e for e in todo if e.needs and f"{e.paper}/{e.needs}" not in finished | planned]
    for e in orphans:
        print(f"[launch] not run: {e.key} (needs {e.paper}/{e.needs}, which is neither finished nor in "
              f"this sweep)", flush=True)
    todo = [e for e in todo if e not in orphans]
    print(f"[launch] {len(exps)} experiments: {len(finished)} finished (skipped), "
          f"{len(exps) - len(finished) - len(todo)} cannot run yet, {len(todo)} to run", flush=True)
    if not todo:
        return []
    sweeps = {p: read_sweep(runs_root, p) for p in {e.paper for e in exps}}
    # the driver's commit, also in every attempt's record (the runs of a cluster record it too,
    # passed to their shipped copy of the code by `connect`)
    from common.run import versions
    driver = {k: versions()[k] for k in ("git_commit", "git_dirty")}
    owns_ray = connect(address)
    # Ray's driver turns SIGTERM into an abort; here it stops the sweep as Ctrl-C does
    on_term = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        resources = ray.cluster_resources()
        print(f"[launch] Ray: {sum(n['Alive'] for n in ray.nodes())} node(s), {resources.get('CPU', 0):g} "
              f"CPUs, {resources.get('GPU', 0):g} GPUs", flush=True)
        requests = _requests(todo)
        remote = ray.remote(max_retries=0)(attempt)   # the launcher counts and resubmits attempts itself
        pending: dict = {}
        waiting = [e for e in todo if e.needs and f"{e.paper}/{e.needs}" not in finished]

        def submit(e: Experiment) -> None:
            made_to_fail = any(fnmatch.fnmatch(e.key, p) for p in fail)
            ref = remote.options(name=e.key, **requests[e.key]).remote(e, str(e.run_dir(runs_root)), made_to_fail)
            pending[ref] = e

        tries = {e.key: 0 for e in todo}      # attempts in this sweep (sweep.json keeps those of all sweeps)
        for e in todo:
            entry = sweeps[e.paper].setdefault(e.name, {"attempts": []})
            entry["status"] = "waiting" if e in waiting else "running"
            if e not in waiting:
                submit(e)
        t0, done, failed = time.time(), 0, []

        def close(e: Experiment, ok: bool, what: str) -> None:
            nonlocal done
            sweeps[e.paper][e.name]["status"] = "finished" if ok else "failed"
            _write_sweep(runs_root, e.paper, sweeps[e.paper])
            done += 1
            if not ok:
                failed.append(e.key)
            eta = (time.time() - t0) / done * (len(todo) - done)
            print(f"[launch] {done}/{len(todo)} done ({len(failed)} failed), eta {_hms(eta)} | {e.key} {what}",
                  flush=True)
            for w in [w for w in waiting if w.paper == e.paper and w.needs == e.name]:
                waiting.remove(w)
                if ok:
                    sweeps[w.paper][w.name]["status"] = "running"
                    submit(w)
                else:
                    close(w, False, f"not run: it needs {e.key}, which failed")

        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                e = pending.pop(ready[0])
                try:
                    record = ray.get(ready[0])
                except ray.exceptions.RayError as err:   # the worker or its node died
                    text = str(err).strip().splitlines()
                    record = {"returncode": None, "error": f"{type(err).__name__}: {text[0] if text else ''}"[:300]}
                entry = sweeps[e.paper][e.name]
                record["driver"] = driver
                entry["attempts"].append(record)
                tries[e.key] += 1
                ok = record["returncode"] == 0 and e.finished(runs_root)
                if not ok and record["returncode"] == 0:
                    record["error"] = f"exited 0 without writing {e.done}"
                if not ok and tries[e.key] <= retries:
                    entry["status"] = "retrying"
                    _write_sweep(runs_root, e.paper, sweeps[e.paper])
                    print(f"[launch] {e.key} attempt {tries[e.key]} failed ({_first_line(record)}); retrying",
                          flush=True)
                    submit(e)
                    continue
                where = f" on node {record['node_id'][:8]} ({record['node_ip']})" if record.get("node_id") else ""
                close(e, ok, f"finished in {record['seconds']:.0f} s{where}" if ok else
                      f"FAILED after {tries[e.key]} attempts{where}: {_first_line(record)}")
        except KeyboardInterrupt:
            print(f"[launch] interrupted: the {len(pending)} running runs save a checkpoint and stop "
                  f"(re-run the same command to resume them)", flush=True)
            for ref in pending:
                ray.cancel(ref)
            ray.wait(list(pending), num_returns=len(pending), timeout=SAVE_GRACE_S)
            for e in pending.values():
                sweeps[e.paper][e.name]["status"] = "interrupted"
            for paper, entries in sweeps.items():
                _write_sweep(runs_root, paper, entries)
            raise
    finally:
        signal.signal(signal.SIGTERM, on_term)
        if owns_ray:
            ray.shutdown()
    print(f"[launch] {done - len(failed)} of {len(todo)} runs finished in {_hms(time.time() - t0)}"
          + (f"; failed: {' '.join(failed)} (runs/<paper>/{SWEEP_FILE} has their errors; re-running "
             f"retries them)" if failed else ""), flush=True)
    return failed


def _first_line(record: dict) -> str:
    error = (record.get("error") or "").strip().splitlines()
    return f"exit {record.get('returncode')}: {error[-1][:200]}" if error else f"exit {record.get('returncode')}"


# ------------------------------------------------------------------------------ the report
def state(e: Experiment, runs_root: Path, sweep_entry: dict | None) -> str:
    """'finished', 'failed (n attempts)', 'partial' (started, not finished), 'not run' or
    'not run (why)'."""
    if e.finished(runs_root):
        return "finished"
    if e.skip:
        return f"not run ({e.skip})"
    if sweep_entry and sweep_entry.get("status") == "failed":
        return f"failed ({len(sweep_entry.get('attempts', []))} attempts)"
    if e.run_dir(runs_root).exists():
        return "partial"
    return "not run"


def result(e: Experiment, runs_root: Path):
    """The value of the experiment's `metric` ("file:key" of its run dir), or None."""
    if not e.metric:
        return None
    name, key = e.metric.split(":")
    try:
        return json.loads((e.run_dir(runs_root) / name).read_text()).get(key)
    except (OSError, ValueError, AttributeError):
        return None


def experiment_section(paper: str, budget: str, runs_root: Path) -> tuple[str, list[Path]]:
    """Markdown for the paper's report section: its experiment list at `budget` with the state and
    result of each run -- or the paper's own table when its experiments.py has one,
    `table(budget, runs_root)` (DQN's per-game scores) -- and the run directories it shows."""
    from common.results import fmt, markdown_table
    module = importlib.import_module(f"papers.{paper}.experiments")
    exps = module.experiments(budget)
    runs_root = Path(runs_root)
    entries = read_sweep(runs_root, paper)
    states = [state(e, runs_root, entries.get(e.name)) for e in exps]
    counts = {s: sum(x.split(" (")[0] == s for x in states) for s in ("finished", "partial", "failed", "not run")}
    out = ["#### Experiments of the paper's tables (`python -m common.launch`)", "",
           f"Budget `{budget}`: {len(exps)} runs listed by `papers/{paper}/experiments.py`: "
           + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
           + f". `python -m common.launch --papers {paper} --budget {budget}` runs the missing ones "
           "(on a Ray cluster with `RAY_ADDRESS=...`); a run that cannot run yet says why.", ""]
    if hasattr(module, "table"):
        out.append(module.table(budget, runs_root))
    else:
        values = [result(e, runs_root) for e in exps]
        rows = [[e.group, e.label, f"`{e.name}`", s, "" if v is None else f"{e.metric.split(':')[-1]} {fmt(v, 2)}"]
                for e, s, v in zip(exps, states, values)]
        out.append(markdown_table(["table", "row", f"run (runs/{paper}/...)", "state", "result"], rows))
    runs = [e.run_dir(runs_root) for e in exps if (e.run_dir(runs_root) / "config.json").exists()]
    return "\n".join(out), runs


# ------------------------------------------------------------------------------ CLI
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m common.launch", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", nargs="+", default=list(PAPERS), choices=PAPERS)
    ap.add_argument("--budget", choices=BUDGETS, default="paper",
                    help="paper: the papers' tables at their budgets (default); smoke: a few runs at toy size")
    ap.add_argument("--address", default=None, help="Ray cluster address (default: $RAY_ADDRESS, "
                                                    "else a new Ray on this machine)")
    ap.add_argument("--retries", type=int, default=2, help="re-submissions of a failed run (default: 2)")
    ap.add_argument("--runs", type=Path, default=Path(os.environ.get("REPRO_RUNS_DIR", ROOT / "runs")),
                    help="runs folder (default: runs/); on a cluster, storage every node mounts at this path")
    ap.add_argument("--only", nargs="+", default=None, metavar="PATTERN",
                    help="only the experiments whose 'paper/name' matches a pattern, e.g. 'dqn/nature/*'")
    ap.add_argument("--list", action="store_true", help="print the experiments and their state; run nothing")
    ap.add_argument("--fail-run", nargs="+", default=(), metavar="PATTERN",
                    help="make these runs fail (an unknown config key): a check of the failure path")
    args = ap.parse_args(argv)
    if args.retries < 0:
        ap.error("--retries must be 0 or more")
    exps = experiments(args.papers, args.budget)
    if args.only:
        exps = [e for e in exps if any(fnmatch.fnmatch(e.key, p) for p in args.only)]
        if not exps:
            print(f"error: no experiment matches {' '.join(args.only)}; `python -m common.launch --list` "
                  f"shows their names", file=sys.stderr)
            return 2
    if args.list:
        for e in exps:
            print(f"{e.key:60s} {state(e, args.runs, read_sweep(args.runs, e.paper).get(e.name))}")
        return 0
    try:
        failed = sweep(exps, args.runs, retries=args.retries, address=args.address, fail=tuple(args.fail_run))
    except KeyboardInterrupt:
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    # through the imported module, so that Ray workers import `attempt` and `Experiment` (from the
    # code they were given) instead of unpickling copies of this __main__'s
    from common.errors import run_main
    from common.launch import main as _main
    run_main(_main)
