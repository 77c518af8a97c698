"""DeepMind Control pixel environments (64x64 RGB, a given action repeat), rendered in a worker.

Used by SLAC (Lee et al. 2020): cheetah run, walker walk, ball_in_cup catch, finger spin,
cartpole swingup, reacher easy, each seen as 64x64x3 uint8 images; the action repeat of each
task is the paper's business (papers/slac/config.py: ACTION_REPEAT) and is passed to `make`.

Why a worker process: on this machine, importing TensorFlow and rendering MuJoCo with
`MUJOCO_GL=egl` in the same process segfaults (exit 139, either import order), and OSMesa needs a
Debian package the project does not install. So each environment lives in a child process
(`python -m common.dmc --worker`, started with `subprocess`, never importing TensorFlow) that
steps the physics `action_repeat` times, renders one frame and sends it back over a pipe
(pickle messages; a 64x64x3 frame is 12 KiB, the pipe costs well under a millisecond).

Rendering recipe (measured on this project's 2-core machines): `MUJOCO_GL=egl`,
`LP_NUM_THREADS=0`, a 64x64 offscreen buffer, no multisampling, one reused `engine.Camera`.
    render="faithful": shadows (map 512) and reflections kept -- mean pixel difference from
                       dm_control's default 64x64 image about 0.9/255.
    render="fast":     shadows and reflections off -- about 1.6/255 from the default, 5x faster.

    env = make("cartpole_swingup", seed=0, repeat=4)   # 4 env steps per agent step, 64x64 images
    obs = env.reset()                           # (64, 64, 3) uint8
    obs, reward, last, discount = env.step(a)   # reward summed over the repeated env steps
    env.close()
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

from common.errors import UserError, as_user_error

# task -> (dm_control domain, dm_control task)
TASKS = {
    "cheetah_run": ("cheetah", "run"),
    "walker_walk": ("walker", "walk"),
    "ball_in_cup_catch": ("ball_in_cup", "catch"),
    "finger_spin": ("finger", "spin"),
    "cartpole_swingup": ("cartpole", "swingup"),
    "reacher_easy": ("reacher", "easy"),
}
RENDER_MODES = ("faithful", "fast")
EPISODE_ENV_STEPS = 1000  # dm_control's default time limit (20 s at these control timesteps)


class EnvError(UserError, ValueError):
    """A bad environment request; the message is one line for the user."""


def _lookup(task: str):
    if task not in TASKS:
        raise EnvError(f"unknown DM Control task '{task}'; choose one of: {', '.join(TASKS)}")
    return TASKS[task]


@dataclass(frozen=True)
class ActionSpec:
    shape: tuple
    low: np.ndarray
    high: np.ndarray


class DMCEnv:
    """A pixel DM Control task stepped and rendered in a child process (see the module doc)."""

    def __init__(self, task: str, seed: int, *, repeat: int, size: int = 64, render: str = "faithful",
                 camera_id: int = 0):
        self.task = task
        self.repeat = int(repeat)
        if render not in RENDER_MODES:
            raise EnvError(f"unknown render mode '{render}'; choose one of: {', '.join(RENDER_MODES)}")
        if self.repeat < 1:
            raise EnvError(f"action repeat must be >= 1, got {self.repeat}")
        self.size = size
        env = dict(os.environ, MUJOCO_GL="egl", LP_NUM_THREADS="0", PYTHONUNBUFFERED="1")
        env.pop("KERAS_BACKEND", None)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        self._proc = subprocess.Popen([sys.executable, "-m", "common.dmc", "--worker"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=root)
        shape, low, high = self._call("init", task=task, seed=int(seed), size=size,
                                      render=render, camera_id=camera_id)
        self.action_spec = ActionSpec(tuple(shape), np.asarray(low), np.asarray(high))
        # agent steps per episode: dm_control's 1000 env steps / action repeat
        self.max_episode_steps = -(-EPISODE_ENV_STEPS // self.repeat)

    def _call(self, cmd: str, **kwargs):
        if self._proc is None:
            raise EnvError("environment already closed")
        pickle.dump((cmd, kwargs), self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self._proc.stdin.flush()
        try:
            status, value = pickle.load(self._proc.stdout)
        except EOFError:
            code = self._proc.wait()
            raise EnvError(f"the DM Control worker for '{self.task}' died (exit {code}); run "
                           f"`python -m common.dmc --check {self.task}` to see its error") from None
        if status == "error":
            raise EnvError(value)
        return value

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Start an episode; the first 64x64x3 uint8 frame. `seed` reseeds the task's initial
        state draw, so episode k can be replayed exactly (e.g. after resuming a run)."""
        return self._call("reset", seed=seed)

    def step(self, action) -> tuple[np.ndarray, float, bool, float]:
        """Apply `action` for `repeat` env steps; (frame, summed reward, episode over, discount)."""
        return self._call("step", action=np.asarray(action, dtype=np.float64), repeat=self.repeat)

    def render_benchmark(self, frames: int) -> float:
        """Frames per second of the worker's render call alone (no physics, no pipe)."""
        return self._call("benchmark", frames=int(frames))

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._call("close")
            except (EnvError, BrokenPipeError, OSError):
                pass
            self._proc.wait(timeout=10)
            self._proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_proc", None) is not None and self._proc.poll() is None:
            self._proc.kill()


def make(task: str, seed: int, *, repeat: int, **kwargs) -> DMCEnv:
    """A seeded pixel environment for one of TASKS that repeats each action `repeat` env steps
    (see DMCEnv for the other keyword arguments)."""
    _lookup(task)
    return DMCEnv(task, seed, repeat=repeat, **kwargs)


# ------------------------------------------------------------------------ the worker process

class _Worker:
    """Lives in the child process: owns the dm_control environment and its camera."""

    def __init__(self, task, seed, size, render, camera_id):
        import mujoco
        from dm_control import suite
        from dm_control.mujoco import engine
        domain, name = _lookup(task)
        self.env = suite.load(domain, name, task_kwargs={"random": seed})
        p = self.env.physics
        p.model.vis.global_.offwidth = size
        p.model.vis.global_.offheight = size
        p.model.vis.quality.offsamples = 0
        p.model.vis.quality.shadowsize = 512
        self.camera = engine.Camera(p, size, size, camera_id=camera_id)
        self.overrides = ({} if render == "faithful" else
                          {mujoco.mjtRndFlag.mjRND_SHADOW: False,
                           mujoco.mjtRndFlag.mjRND_REFLECTION: False})
        spec = self.env.action_spec()
        self.spec = (spec.shape, spec.minimum.astype(np.float32), spec.maximum.astype(np.float32))

    def frame(self) -> np.ndarray:
        self.camera.update()
        return np.ascontiguousarray(self.camera.render(render_flag_overrides=self.overrides),
                                    dtype=np.uint8)

    def reset(self, seed):
        if seed is not None:
            self.env.task.random.seed(seed)
        self.env.reset()
        return self.frame()

    def step(self, action, repeat):
        reward, ts = 0.0, None
        for _ in range(repeat):
            ts = self.env.step(action)
            reward += ts.reward or 0.0
            if ts.last():
                break
        return self.frame(), float(reward), bool(ts.last()), float(ts.discount)

    def benchmark(self, frames):
        import time
        t0 = time.perf_counter()
        for _ in range(frames):
            self.frame()
        return frames / (time.perf_counter() - t0)


def _serve() -> None:
    # The protocol owns the original stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    worker = None
    while True:
        try:
            cmd, kw = pickle.load(inp)
        except EOFError:
            return
        try:
            if cmd == "init":
                worker = _Worker(**kw)
                value = worker.spec
            elif cmd == "close":
                value = None
            else:
                value = getattr(worker, cmd)(**kw)
            reply = ("ok", value)
        except Exception as e:  # noqa: BLE001 -- reported to the parent as one line
            fixable = as_user_error(e)          # e.g. dm_control not installed: say how to fix it
            reply = ("error", str(fixable) if fixable else f"DM Control worker: {type(e).__name__}: {e}")
        pickle.dump(reply, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
        if cmd == "close":
            return


def _check(task: str) -> None:
    """Runs the worker in this process (no TensorFlow here) to show a rendering error in full."""
    os.environ.setdefault("MUJOCO_GL", "egl")
    os.environ.setdefault("LP_NUM_THREADS", "0")
    w = _Worker(task, 0, 64, "faithful", 0)
    print(task, w.reset().shape, w.step(np.zeros(w.spec[0]), 1)[1:])


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        _serve()
    elif len(sys.argv) == 3 and sys.argv[1] == "--check":
        _check(sys.argv[2])
    else:
        print("usage: python -m common.dmc --check TASK   (--worker is internal)", file=sys.stderr)
        raise SystemExit(2)
