"""Every command, run the way a user runs it (`python -m ...` in a subprocess), answers each error
a user can cause with one line `error: <what is wrong>; <what to do>` on stderr and exit status 2
(common/errors.py), and no traceback. One subprocess per command and case, each with the cheapest
input that reaches the error (most fail before TensorFlow is imported; a checkpoint, a full disk
or a missing package are met after it)."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.config import build

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ("papers.dqn.train", "papers.a3c.train", "papers.memn2n.train", "papers.memn2n.train_lm",
         "papers.nas.train", "papers.slac.train")
#: the data set each command loads before it reaches a checkpoint or writes a run dir
DATA = {"papers.memn2n.train": "babi", "papers.memn2n.train_lm": "ptb", "papers.nas.train": "cifar10"}
TRAIN_TO_CHECKPOINT = [pytest.param(m, marks=[pytest.mark.data(DATA[m])] if m in DATA else []) for m in TRAIN]


def run(module: str, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    return subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


def assert_user_error(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit 2, no traceback, exactly one `error:` line (the last on stderr) holding a fix."""
    err = proc.stderr
    assert proc.returncode == 2, f"exit {proc.returncode}\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err[-3000:]
    line = errors[0]
    assert "; " in line, f"no '<what to do>' part: {line}"
    for fragment in fragments:
        assert fragment in line, line
    return line


def smoke_config(module: str):
    """The config `python -m <module> --profile smoke` resolves (what its config.json holds)."""
    if module == "papers.dqn.train":
        from papers.dqn.config import PROFILES, config_class
        return build(config_class("smoke"), PROFILES, "smoke")[0]
    if module == "papers.a3c.train":
        from papers.a3c.config import PROFILES, A3CConfig
        return build(A3CConfig, PROFILES, "smoke")[0]
    if module == "papers.memn2n.train":
        from papers.memn2n.config import BabiConfig
        from papers.memn2n.train import profiles_for
        return build(BabiConfig, profiles_for("pe_ls_rn"), "smoke")[0]
    if module == "papers.memn2n.train_lm":
        from papers.memn2n.config import LM_PROFILES, LMConfig
        return build(LMConfig, LM_PROFILES, "smoke")[0]
    if module == "papers.nas.train":
        from papers.nas.config import PROFILES, NASConfig
        return build(NASConfig, PROFILES, "smoke")[0]
    from papers.slac.config import PROFILES, SlacConfig
    return build(SlacConfig, PROFILES, "smoke")[0]


def write_run(run_dir: Path, config: dict, seed: int = 0) -> None:
    """A run dir as a first invocation leaves it (config.json), without running anything."""
    run_dir.mkdir(parents=True)
    record = {"paper": "x", "profile": "smoke", "seed": seed, "deterministic": False, "config": config}
    (run_dir / "config.json").write_text(json.dumps(record, default=list))


# ------------------------------------------------------------------------------ train commands

OUT_OF_RANGE = {"papers.dqn.train": ("gamma=1.5", "[0, 1]"), "papers.a3c.train": ("threads=0", ">= 1"),
                "papers.memn2n.train": ("hops=0", ">= 1"), "papers.memn2n.train_lm": ("lr=-0.01", "> 0"),
                "papers.nas.train": ("total_architectures=0", ">= 1"),
                "papers.slac.train": ("sequence_length=1", ">= 2")}


@pytest.mark.parametrize("module", TRAIN)
def test_out_of_range_value(module, tmp_path):
    setting, valid = OUT_OF_RANGE[module]
    key, value = setting.split("=")
    proc = run(module, "--profile", "smoke", "--run-dir", str(tmp_path / "run"), "--set", setting)
    assert_user_error(proc, f"bad value {value}", f"for '{key}'", f"valid range: {valid}")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("module", TRAIN)
def test_run_dir_holding_another_run(module, tmp_path):
    write_run(tmp_path / "run", {}, seed=7)
    proc = run(module, "--profile", "smoke", "--run-dir", str(tmp_path / "run"))
    assert_user_error(proc, "holds a run with another config (seed: 7 -> 0", "pass another --run-dir")


@pytest.mark.parametrize("module", TRAIN_TO_CHECKPOINT)
def test_checkpoint_that_cannot_be_restored(module, tmp_path):
    run_dir = tmp_path / "run"
    write_run(run_dir, dataclasses.asdict(smoke_config(module)))
    ckpts = run_dir / "checkpoints"
    ckpts.mkdir()
    for name in ("ckpt-1.index", "ckpt-1.data-00000-of-00001"):
        (ckpts / name).write_bytes(b"not a checkpoint")
    (ckpts / "ckpt-1.complete.json").write_text(json.dumps({"step": 1, "state": {}}))
    proc = run(module, "--profile", "smoke", "--run-dir", str(run_dir))
    assert_user_error(proc, "ckpt-1 cannot be restored", "left untouched")
    assert (ckpts / "ckpt-1.index").read_bytes() == b"not a checkpoint"


@pytest.mark.parametrize("module", TRAIN_TO_CHECKPOINT)
def test_full_disk(module, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json.tmp").symlink_to("/dev/full")     # every write there: ENOSPC
    proc = run(module, "--profile", "smoke", "--run-dir", str(run_dir))
    assert_user_error(proc, "No space left on device", "free disk space")


@pytest.mark.parametrize("module,fragment", [
    ("papers.memn2n.train", "missing data file babi/"), ("papers.memn2n.train_lm", "missing data file ptb/"),
    ("papers.nas.train", "missing data file cifar10/")])
def test_missing_data(module, fragment, tmp_path):
    proc = run(module, "--profile", "smoke", "--run-dir", str(tmp_path / "run"),
               env={"REPRO_DATA_DIR": str(tmp_path / "empty"), "REPRO_OFFLINE": "1"})
    assert_user_error(proc, fragment)


@pytest.mark.parametrize("module,setting,fragment", [
    ("papers.dqn.train", "env=pongg", "unknown Atari game 'pongg'"),
    ("papers.a3c.train", "env=pongg", "unknown Atari game 'pongg'"),
    ("papers.slac.train", "task=pong", "bad value 'pong' for 'task'; choose one of")])
def test_unknown_environment(module, setting, fragment, tmp_path):
    proc = run(module, "--profile", "smoke", "--run-dir", str(tmp_path / "run"), "--set", setting)
    assert_user_error(proc, fragment)


def stub_package(folder: Path, name: str) -> dict:
    """PYTHONPATH with a package `name` whose import fails as if it were not installed."""
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text(
        f"raise ModuleNotFoundError(\"No module named '{name}'\", name='{name}')\n")
    return {"PYTHONPATH": str(folder)}


@pytest.mark.parametrize("module,package,argv", [
    ("papers.dqn.train", "ale_py", ()), ("papers.a3c.train", "ale_py", ()),
    pytest.param("papers.nas.train", "ray", ("--set", "workers=1"), marks=pytest.mark.data("cifar10")),
    ("papers.slac.train", "dm_control", ())])
def test_missing_optional_package(module, package, argv, tmp_path):
    proc = run(module, "--profile", "smoke", "--run-dir", str(tmp_path / "run"), *argv,
               env=stub_package(tmp_path / "stubs", package))
    assert_user_error(proc, f"the package {package} is not installed", "pip install -r requirements.txt")


# ------------------------------------------------------------------------------ the other commands

@pytest.mark.parametrize("module,argv,fragment", [
    ("papers.dqn.evaluate", (), "config.json not found"),
    ("papers.a3c.evaluate", (), "no config.json"),
    ("papers.a3c.diagnose", (), "no config.json"),
    ("papers.memn2n.evaluate", (), "config.json not found"),
    ("papers.nas.evaluate", (), "holds no search history"),
    ("papers.nas.evaluate", ("--reevaluate",), "holds no search history"),
    ("papers.slac.evaluate", (), "no config.json"),
])
def test_evaluating_a_folder_that_holds_no_run(module, argv, fragment, tmp_path):
    assert_user_error(run(module, "--run-dir", str(tmp_path), *argv), fragment)


@pytest.mark.parametrize("module,argv,env,fragment", [
    ("papers.dqn.benchmark", ("--game", "pongg", "--loop-steps", "10"), {}, "unknown Atari game 'pongg'"),
    ("papers.a3c.benchmark", ("--threads", "1", "--seconds", "0.1", "--warmup", "0"), "ale_py",
     "the package ale_py is not installed"),
    ("papers.memn2n.benchmark", ("--task", "21", "--epochs", "1"), {}, "unknown bAbI task 21"),
    ("papers.nas.benchmark", ("--children", "1", "--profile", "smoke"), "no data", "missing data file cifar10/"),
    ("papers.slac.benchmark", ("--task", "pong", "--updates", "1", "--frames", "1"), {},
     "unknown DM Control task 'pong'"),
])
def test_benchmarks(module, argv, env, fragment, tmp_path):
    if env == "ale_py":
        env = stub_package(tmp_path / "stubs", "ale_py")
    elif env == "no data":
        env = {"REPRO_DATA_DIR": str(tmp_path / "empty"), "REPRO_OFFLINE": "1"}
    assert_user_error(run(module, *argv, env=env), fragment)


def test_a_bug_keeps_its_traceback(tmp_path):
    """Only a user's errors are shortened: a failure of the code itself shows its traceback."""
    stub = tmp_path / "stubs" / "papers_bug"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")
    (stub / "cmd.py").write_text("from common.errors import run_main\n\n"
                                 "def main(argv=None):\n    return {}['no such key']\n\n"
                                 "if __name__ == '__main__':\n    run_main(main)\n")
    proc = run("papers_bug.cmd", env={"PYTHONPATH": f"{tmp_path / 'stubs'}{os.pathsep}{ROOT}"})
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "KeyError" in proc.stderr
