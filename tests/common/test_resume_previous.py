"""A real run of each paper whose newest checkpoint is broken: the resume refuses in one line
and leaves the run dir byte for byte as it was; `--resume previous` moves the broken checkpoint
aside, continues from the one before it and finishes."""

import importlib

import pytest

from common.run import CheckpointError

RUNS = {   # paper -> (train module, smoke arguments that leave at least two checkpoints, data)
    "dqn": ("papers.dqn.train", ["--profile", "smoke"], ()),
    "a3c": ("papers.a3c.train", ["--profile", "smoke", "--set", "total_frames=6000",
                                 "--set", "checkpoint_every_s=0.2"], ()),
    "memn2n": ("papers.memn2n.train", ["--profile", "smoke"], ("babi",)),
    "nas": ("papers.nas.train", ["--profile", "smoke"], ("cifar10",)),
    "slac": ("papers.slac.train", ["--profile", "smoke"], ()),
}


def _bytes(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _steps(run_dir):
    return sorted(int(p.name.split("-")[1].split(".")[0])
                  for p in (run_dir / "checkpoints").glob("ckpt-*.complete.json"))


@pytest.mark.parametrize("paper", [pytest.param(p, marks=[pytest.mark.data(*RUNS[p][2])] if RUNS[p][2] else [])
                                   for p in RUNS])
def test_broken_newest_checkpoint(paper, tmp_path):
    module, argv, _ = RUNS[paper]
    main = importlib.import_module(module).main
    run_dir = tmp_path / paper
    argv = [*argv, "--run-dir", str(run_dir)]
    main(argv)
    steps = _steps(run_dir)
    assert len(steps) >= 2, steps
    (run_dir / "DONE").unlink()                       # the run as it was before its last steps
    (run_dir / "summary.json").unlink()
    newest = run_dir / "checkpoints" / f"ckpt-{steps[-1]}.data-00000-of-00001"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    before = _bytes(run_dir)

    with pytest.raises(CheckpointError) as error:
        main(argv)
    message = str(error.value)
    assert "\n" not in message and f"ckpt-{steps[-1]}" in message and "--resume previous" in message
    assert _bytes(run_dir) == before                  # nothing written, nothing moved

    main([*argv, "--resume", "previous"])
    assert (run_dir / "DONE").exists()
    assert (run_dir / "checkpoints" / "broken" / newest.name).exists()    # moved aside, not deleted
    assert (run_dir / "command.txt").read_text().count("\n") == 2         # the failed attempt left no line
