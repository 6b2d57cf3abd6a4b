"""Line up the hop timestamps of `--hops` runs per command: where a round trip's time goes.

Each command is anchored on Home Assistant's service call; its first traced
send after that, the device's receive and send that follow (a Python device
traces itself; a firmware does not, so its side is timed from Home
Assistant's send to its receive of the answer), Home Assistant's receive of
the answer and the state write are found by time (the commands run one after
another). Medians per segment, in µs.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
import json
import os
from pathlib import Path
from statistics import median
import tempfile

BENCH = Path(__file__).resolve().parent

SEGMENTS = {
    "ha_before": "Home Assistant: service call until the command's send",
    "ha_send": "Home Assistant: the send itself (system call)",
    "out": "broker, until the device reads the command",
    "device": "device: its read until its send (parse, apply, encode)",
    "device_send": "device: the send itself (system call)",
    "back": "broker, until Home Assistant reads the answer",
    "outside": "outside Home Assistant: its send done until it reads the answer",
    "ha_after": "Home Assistant: its read until the state is written",
    "ha_return": "Home Assistant: state written until the service call returns",
    "total": "**total** (medians do not add up exactly)",
}
WINDOW_NS = 50_000_000
"""How far after a hop the next one is looked for (a lost pairing is skipped, not guessed)."""


def trace_hops(*, markers: tuple[str, ...] = (), ports: tuple[int, ...] = ()) -> Path:
    """Make every process started from here on record its hops (bench/hops/sitecustomize.py).

    Returns the directory each writes its events to at exit: read it with
    breakdown() once the benchmark has stopped them.
    """
    directory = Path(tempfile.mkdtemp(prefix="nats-bench-hops-"))
    os.environ["NATS_BENCH_HOPS"] = str(directory)
    os.environ["NATS_BENCH_HOPS_MARKERS"] = ",".join(markers)
    os.environ["NATS_BENCH_HOPS_PORTS"] = ",".join(str(p) for p in ports)
    paths = [str(BENCH / "hops"), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    return directory


HOPS_NOTE = (
    "medians over every command, µs; timestamps taken around each traced process's socket "
    "sends and receives, and in Home Assistant around the service call and the state write "
    "(about 1 µs each: a breakdown, not the round trip)"
)


@dataclass(frozen=True)
class _Event:
    start: int
    end: int
    port: int


class _Process:
    """One process's events, by kind, in time order."""

    def __init__(self, path: Path) -> None:
        self._events: dict[str, list[_Event]] = {}
        for kind, start, end, port in json.loads(path.read_text()):
            self._events.setdefault(kind, []).append(_Event(start, end, port))
        for events in self._events.values():
            events.sort(key=lambda e: e.start)
        self._starts = {kind: [e.start for e in events] for kind, events in self._events.items()}

    def all(self, kind: str) -> list[_Event]:
        return self._events.get(kind, [])

    def next(self, kind: str, after: int, port: int | None = None) -> _Event | None:
        """The first event of kind starting at or after `after` (on that port), within WINDOW_NS."""
        events = self._events.get(kind, [])
        for event in events[bisect.bisect_left(self._starts.get(kind, []), after) :]:
            if event.start - after > WINDOW_NS:
                return None
            if port is None or event.port == port:
                return event
        return None


def breakdown(
    directory: Path, *, devices: dict[str, str] | None = None, ports: dict[str, int] | None = None
) -> dict[str, dict[str, float]]:
    """Return, per side, median µs per segment.

    devices: side → the script of a traced (Python) device; ports: side → the
    peer port of Home Assistant's connection for that side (a firmware).
    """
    ha = _Process(next(directory.glob("*-hass.json")))
    traced = {side: _Process(p) for side, s in (devices or {}).items() for p in directory.glob(f"*-{s}.json")}
    side_of_port = {port: side for side, port in (ports or {}).items()}
    per_side: dict[str, dict[str, list[float]]] = {}
    for call in ha.all("call"):
        send = ha.next("send", call.start)
        if send is None or send.start > call.end:
            continue  # nothing sent during the call: the in-memory switch
        spans: dict[str, int] = {}
        if ports:
            side = side_of_port.get(send.port)
            answer = ha.next("recv", send.end, send.port) if side else None
        else:
            side, device_send, spans = _device_hops(traced, send, call.end)
            answer = ha.next("recv", device_send.start) if device_send else None
            if answer is not None and device_send is not None:
                spans["back"] = answer.start - device_send.end
        written = ha.next("set", answer.start) if answer else None
        if side is None or answer is None or written is None:
            continue
        spans |= {
            "ha_before": send.start - call.start,
            "ha_send": send.end - send.start,
            "outside": answer.start - send.end,
            "ha_after": written.start - answer.start,
            "ha_return": max(0, call.end - written.start),
            "total": max(call.end, written.start) - call.start,
        }
        for name, ns in spans.items():
            per_side.setdefault(side, {}).setdefault(name, []).append(ns / 1000)
    return {
        side: {name: round(median(values), 1) for name, values in spans.items()}
        | {"commands": len(spans["total"])}
        for side, spans in per_side.items()
    }


def _device_hops(
    traced: dict[str, _Process], send: _Event, call_end: int
) -> tuple[str | None, _Event | None, dict[str, int]]:
    """Find the traced device that read this command: its side, its send, and its hops."""
    for side, device in traced.items():
        got = device.next("recv", send.end)
        if got is None or got.start > call_end + WINDOW_NS:
            continue
        sent = device.next("send", got.start)
        if sent is None:
            return None, None, {}
        hops = {
            "out": got.start - send.end,
            "device": sent.start - got.start,
            "device_send": sent.end - sent.start,
        }
        return side, sent, hops
    return None, None, {}


def table(result: dict[str, dict[str, float]], labels: dict[str, str]) -> str:
    """A markdown table: segments as rows (those any side has), sides as columns."""
    sides = list(result)
    lines = [
        "| segment, µs (median) | " + " | ".join(labels[s] for s in sides) + " |",
        "|---|" + "---|" * len(sides),
    ]
    for name, label in SEGMENTS.items():
        if any(name in result[s] for s in sides):
            cells = (f"{result[s][name]:.0f}" if name in result[s] else "–" for s in sides)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| commands lined up | " + " | ".join(str(int(result[s]["commands"])) for s in sides) + " |")
    return "\n".join(lines)
