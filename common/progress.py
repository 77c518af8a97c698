"""A concise periodic status line for anything that runs longer than a few seconds."""

from __future__ import annotations

import sys
import time


class Progress:
    """Prints `[name] 1200/2800 steps (43%) 410.2 steps/s eta 0:00:04 | loss 0.53` at most every
    `every_s` seconds, and once more at `close()`. Works the same in a terminal and in a log."""

    def __init__(self, total: int | None, name: str, unit: str = "steps", start: int = 0,
                 every_s: float = 10.0, stream=None):
        self.total, self.name, self.unit, self.every_s = total, name, unit, every_s
        self.stream = stream or sys.stdout
        self.count = self._start = start
        self._t0 = self._last = time.monotonic()
        self.fields: dict[str, float] = {}

    def update(self, n: int = 1, **fields: float) -> None:
        self.count += n
        self.fields.update(fields)
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            self._print(now)

    def close(self) -> None:
        self._print(time.monotonic())

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(now - self._t0, 1e-9)
        rate = (self.count - self._start) / elapsed
        text = f"[{self.name}] {self.count}"
        if self.total:
            text += f"/{self.total} {self.unit} ({100.0 * self.count / self.total:.0f}%)"
            if rate > 0:
                text += f" {rate:.1f} {self.unit}/s eta {_hms((self.total - self.count) / rate)}"
        else:
            text += f" {self.unit} {rate:.1f}/s"
        if self.fields:
            text += " | " + " ".join(f"{k} {v:.4g}" for k, v in self.fields.items())
        return text

    def _print(self, now: float) -> None:
        print(self.line(now), file=self.stream, flush=True)


def _hms(seconds: float) -> str:
    s = int(max(seconds, 0))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
