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

clean:
	rm -rf $(VENV) .pytest_cache
