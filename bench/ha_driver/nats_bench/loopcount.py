"""What one command or one state update costs the Home Assistant process.

Counts event-loop iterations (one selector poll each: every hand-off from one
task or callback to the next that is not done in the same pass), the
process's CPU time (every thread: the loop, the recorder, executors) and the
time the garbage collector took (a full collection walks all of Home
Assistant's heap), so a per-message figure can be printed beside each side's
latency or rate.
"""

from __future__ import annotations

import asyncio
import gc
import resource
import time
from typing import Any


def _cpu_seconds() -> tuple[float, float]:
    """The process's CPU time: in total, and of it in the kernel (socket reads and writes)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_stime


class LoopCounter:
    """Counts the loop's iterations by wrapping its selector's select()."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # A benchmark-only look inside asyncio's selector loop: each _run_once
        # polls the selector exactly once.
        selector = loop._selector  # type: ignore[attr-defined]  # noqa: SLF001
        self.iterations = 0
        original = selector.select

        def select(timeout: float | None = None) -> Any:
            self.iterations += 1
            return original(timeout)

        selector.select = select
        self._cpu0 = (0.0, 0.0)
        self._it0 = 0
        self._gc_started = 0.0
        self._gc_seconds = 0.0
        self._gc_full = 0

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        self._gc_seconds += time.perf_counter() - self._gc_started
        self._gc_full += info["generation"] == 2

    def start(self) -> None:
        self._it0 = self.iterations
        self._cpu0 = _cpu_seconds()
        self._gc_seconds, self._gc_full = 0.0, 0
        if self._on_gc not in gc.callbacks:  # a round that failed did not stop
            gc.callbacks.append(self._on_gc)

    def stop(self, messages: int) -> dict[str, Any]:
        """Per message (command or update): loop iterations and CPU microseconds."""
        iterations = self.iterations - self._it0
        total, kernel = _cpu_seconds()
        cpu, sys_cpu = total - self._cpu0[0], kernel - self._cpu0[1]
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        collector = {"gc_s": round(self._gc_seconds, 3), "gc_full": self._gc_full}
        if messages <= 0:
            return {"loop_iterations": None, "cpu_us": None, "cpu_s": round(cpu, 3), **collector}
        return {
            "loop_iterations": round(iterations / messages, 3),
            "cpu_us": round(cpu / messages * 1e6, 1),
            "sys_us": round(sys_cpu / messages * 1e6, 1),
            "cpu_s": round(cpu, 3),
            **collector,
        }
