#!/bin/bash
# The CPU-scale SLAC run under the shared heavy-job lock, stopped (with a checkpoint, SIGTERM)
# after at most 40 minutes or at the wall-clock time $STOP_AT (date -d syntax), whichever is
# first; re-running resumes it.  Usage: papers/slac/run_cpu.sh [STOP_AT]
cd "$(dirname "$0")/../.." || exit 1
export KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=3
exec flock /tmp/repro-heavy.lock bash -c '
  limit=2400
  if [ -n "$1" ]; then left=$(( $(date -d "$1" +%s) - $(date +%s) )); [ $left -lt $limit ] && limit=$left; fi
  [ $limit -le 60 ] && { echo "no time left before $1"; exit 0; }
  echo "[run_cpu] lock acquired at $(date -u +%H:%M:%S), limit ${limit}s"
  timeout --kill-after=120 $limit .venv/bin/python -m papers.slac.train --profile cpu --run-dir runs/slac/cpu-seed0
' _ "$1"
