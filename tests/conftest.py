"""Test-wide setup: CPU only, Keras on TensorFlow, quiet logs, a fixed seed per test, and the
`data` marker: `@pytest.mark.data("babi")` fetches that data set through common.data (which
downloads it when online) and skips the test, with the one-line reason, when it cannot be had."""

import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_everything():
    from common.seeding import seed_everything
    seed_everything(1234)
    yield


DATASETS = {
    "babi": [f"babi/tasks_1-20_v1-2/en/qa{t}_{name}_{split}.txt" for t, name in enumerate(
        ["single-supporting-fact", "two-supporting-facts", "three-supporting-facts",
         "two-arg-relations", "three-arg-relations", "yes-no-questions", "counting", "lists-sets",
         "simple-negation", "indefinite-knowledge", "basic-coreference", "conjunction",
         "compound-coreference", "time-reasoning", "basic-deduction", "basic-induction",
         "positional-reasoning", "size-reasoning", "path-finding", "agents-motivations"], start=1)
        for split in ("train", "test")],
    "ptb": [f"ptb/ptb.{split}.txt" for split in ("train", "valid", "test")],
    "cifar10": [f"cifar10/cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
               + ["cifar10/cifar-10-batches-py/batches.meta"],
}


def pytest_runtest_setup(item):
    from common.data import DataError, require
    for mark in item.iter_markers("data"):
        try:
            require(*[path for name in mark.args for path in DATASETS[name]])
        except DataError as e:
            pytest.skip(f"data not available: {e}")
