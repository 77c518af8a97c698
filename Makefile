# Two commands on a fresh machine:
#   make test        create .venv, install the pinned requirements, run the fast test suite
#   make reproduce   the same setup, then the CPU-scale reproduction of the papers -> results/
#   make paper-check a few minutes of each paper's exact `paper` profile at full size, resumed
# Options: PAPERS="memn2n dqn" selects papers; BUDGET=paper runs the papers' whole experiments as
#          Ray tasks (common/launch.py; RAY_ADDRESS=<head>:6379 runs them on a Ray cluster);
#          BUDGET=smoke runs every step at toy size in minutes (a pipeline check, results/smoke/).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PAPERS ?= dqn a3c memn2n nas slac
BUDGET ?= cpu

# Data: ../shared/data when it exists and REPRO_DATA_DIR is not set already.
ifeq ($(strip $(REPRO_DATA_DIR)),)
  ifneq ($(wildcard ../shared/data),)
    export REPRO_DATA_DIR := $(abspath ../shared/data)
  endif
endif
export KERAS_BACKEND := tensorflow
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: test test-all reproduce paper-check setup clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

test: setup
	$(PY) -m pytest -m "not slow"

test-all: setup
	$(PY) -m pytest

reproduce: setup
	$(PY) -m common.reproduce --papers $(PAPERS) --budget $(BUDGET)

# a time-boxed dry run of every `paper` profile at full size, with a verified resume
# -> results/paper_check.json (results/paper_check_gpu.json when TensorFlow sees a GPU)
paper-check: setup
	$(PY) -m common.paper_check

# Our whole DQN loop next to Stable-Baselines3's DQN, same machine, same run, alternating rounds
# -> results/dqn/benchmark_peer.json. SB3's side runs in its own venv, .venv-peer (never part of
# make test). torch's CPU-only build is installed first, alone, from PyTorch's CPU index (the
# project's machines find the same wheel in their local wheel folder; pip then prints a few retry
# warnings); the rest comes from the ordinary index. Extra options: BENCH_PEER_ARGS="--rounds 5".
PEER_VENV       := .venv-peer
PEER_PY         := $(PEER_VENV)/bin/python
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
BENCH_PEER_ARGS ?=

.PHONY: bench-peer

$(PEER_VENV)/.installed: requirements-peer.txt constraints-peer.txt
	test -x $(PEER_PY) || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_PY) -m pip install --quiet --disable-pip-version-check --no-deps \
	    --extra-index-url $(TORCH_CPU_INDEX) "$$(grep '^torch==' requirements-peer.txt)"
	$(PEER_PY) -m pip install --quiet --disable-pip-version-check \
	    -r requirements-peer.txt -c constraints-peer.txt
	touch $@

bench-peer: setup $(PEER_VENV)/.installed
	$(PY) -m papers.dqn.bench_peer --peer-python $(PEER_PY) \
	    --json results/dqn/benchmark_peer.json $(BENCH_PEER_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
