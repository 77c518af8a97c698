"""The errors a user can cause, and the one way every command reports them.

Every command (`python -m papers.<paper>.<command>`, `python -m common.<command>`) ends with

    if __name__ == "__main__":
        run_main(main)

`run_main` calls `main()`. A `UserError` -- a bad config value, missing data, a run dir or a
checkpoint that cannot be used, an unknown game or task, a loss that became nan -- and the two
kinds of failure a user fixes outside the code (a missing optional package, a full or read-only
disk) print one line `error: <what is wrong>; <what to do>` on stderr and exit with status 2, as
argparse does for a bad option. Any other exception keeps its traceback: it is a bug, and a
bug must stay visible. `main(argv)` itself raises, so in-process callers (tests, reproduce.py)
see the exception.
"""

from __future__ import annotations

import errno
import sys
from typing import Any, Callable, NoReturn


class UserError(Exception):
    """An error the user can fix; its message is one line: '<what is wrong>; <what to do>'."""


class NonFiniteLossError(UserError):
    """A loss or a weight became nan or inf; nothing holding it was saved."""


#: packages some commands need and others do not -> what needs them
OPTIONAL_PACKAGES = {
    "ray": "NAS with workers > 0 and common.launch",
    "dm_control": "SLAC's DeepMind Control tasks",
    "mujoco": "SLAC's DeepMind Control tasks",
    "ale_py": "the Atari games of DQN and A3C",
    "gymnasium": "the Atari games and CartPole of DQN and A3C",
    "cv2": "the Atari frame preprocessing of DQN and A3C",
    "matplotlib": "the report's plots and SLAC's reconstruction figures",
}
INSTALL = "install the pinned requirements: make setup (or .venv/bin/pip install -r requirements.txt)"

#: errno values of the failures a user fixes by freeing space or choosing another folder
_DISK_FIXES = {
    errno.ENOSPC: "free disk space, or pass a --run-dir (REPRO_RUNS_DIR, REPRO_DATA_DIR) on another disk",
    errno.EDQUOT: "free disk space within your quota, or pass a --run-dir on another disk",
    errno.EACCES: "pass a --run-dir (REPRO_RUNS_DIR, REPRO_DATA_DIR) you can write, or fix its permissions",
    errno.EPERM: "pass a --run-dir (REPRO_RUNS_DIR, REPRO_DATA_DIR) you can write, or fix its permissions",
    errno.EROFS: "pass a --run-dir (REPRO_RUNS_DIR, REPRO_DATA_DIR) on a writable file system",
}


def as_user_error(exc: BaseException) -> UserError | None:
    """`exc` as a UserError when the user can fix it (see the module doc), else None."""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, ModuleNotFoundError):
        package = (exc.name or "").split(".")[0]
        if package in OPTIONAL_PACKAGES:
            return UserError(f"the package {package} is not installed ({OPTIONAL_PACKAGES[package]} "
                             f"need it); {INSTALL}")
    if isinstance(exc, OSError) and exc.errno in _DISK_FIXES:
        where = f" {exc.filename}" if exc.filename else ""
        return UserError(f"cannot write{where} ({exc.strerror or errno.errorcode[exc.errno]}); "
                         f"{_DISK_FIXES[exc.errno]}")
    return None


def fail(message: str) -> NoReturn:
    """Print `error: <message>` on stderr and exit with status 2."""
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)   # always one line
    raise SystemExit(2)


def run_main(main: Callable[[Any], Any], argv: list[str] | None = None) -> NoReturn:
    """The `__main__` of every command: run `main(argv)` and exit with its status (an int it
    returns, else 0); a user's error exits 2 with one line, anything else keeps its traceback."""
    try:
        result = main(argv)
    except Exception as e:  # noqa: BLE001 -- re-raised unless the user can fix it
        error = as_user_error(e)
        if error is None:
            raise
        fail(str(error))
    raise SystemExit(result if isinstance(result, int) and not isinstance(result, bool) else 0)
