"""CPU accounting from /proc: how much CPU *other* processes used during a run.

own = every process descended from a root pid (the benchmark's orchestrator:
Home Assistant, nats-server, Mosquitto, device processes), counting their
reaped children too (cutime/cstime); foreign = all busy CPU minus own.
Figures are in cores (1.0 = one core fully busy) averaged over the interval.
"""

from __future__ import annotations

import os
from pathlib import Path
import time

_TICK = os.sysconf("SC_CLK_TCK")


def _system_busy() -> float:
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + values[4]  # idle + iowait
    # guest/guest_nice are already included in user/nice
    return (sum(values[:8]) - idle) / _TICK


def _stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (ppid, utime+stime+cutime+cstime seconds)."""
    table: dict[int, tuple[int, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or (rest := _stat_fields(entry.name)) is None:
            continue
        ppid = int(rest[1])
        cpu = sum(int(v) for v in rest[11:15]) / _TICK
        table[int(entry.name)] = (ppid, cpu)
    return table


def _own_cpu(root: int, table: dict[int, tuple[int, float]]) -> dict[int, float]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)
    own: dict[int, float] = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            own[pid] = table[pid][1]
        stack.extend(children.get(pid, ()))
    return own


class CpuMeter:
    """start() ... stop() -> {'seconds', 'busy_cores', 'own_cores', 'foreign_cores', 'cores'}."""

    def __init__(self, root: int) -> None:
        self.root = root
        self._t0 = 0.0
        self._busy0 = 0.0
        self._own0: dict[int, float] = {}

    def start(self) -> None:
        self._own0 = _own_cpu(self.root, _proc_table())
        self._busy0 = _system_busy()
        self._t0 = time.monotonic()

    def stop(self) -> dict[str, float]:
        busy1 = _system_busy()
        t1 = time.monotonic()
        own1 = _own_cpu(self.root, _proc_table())
        own = sum(cpu - self._own0.get(pid, 0.0) for pid, cpu in own1.items())
        seconds = max(t1 - self._t0, 1e-9)
        busy = busy1 - self._busy0
        return {
            "seconds": round(seconds, 3),
            "busy_cores": round(busy / seconds, 3),
            "own_cores": round(own / seconds, 3),
            "foreign_cores": round(max(busy - own, 0.0) / seconds, 3),
            "cores": os.cpu_count() or 1,
        }


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) one process has used so far; 0 once it is gone."""
    rest = _stat_fields(pid)
    return sum(int(v) for v in rest[11:13]) / _TICK if rest is not None else 0.0


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
