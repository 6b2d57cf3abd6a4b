"""Line up the hop timestamps of `roundtrip.py --hops` per command: where a round trip's time goes.

Each command is anchored on Home Assistant's service call; its first marked
send after that, the device's receive and send that follow, Home Assistant's
receive of the answer and the state write are found by time (the commands
run one after another). Medians per segment, in µs.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
import json
from pathlib import Path
from statistics import median

SEGMENTS = {
    "ha_before": "Home Assistant: service call until the command's send",
    "ha_send": "Home Assistant: the send itself (system call)",
    "out": "broker, until the device reads the command",
    "device": "device: its read until its send (parse, apply, encode)",
    "device_send": "device: the send itself (system call)",
    "back": "broker, until Home Assistant reads the answer",
    "ha_after": "Home Assistant: its read until the state is written",
    "ha_return": "Home Assistant: state written until the service call returns",
}
WINDOW_NS = 50_000_000
"""How far after a hop the next one is looked for (a lost pairing is skipped, not guessed)."""


@dataclass
class _Events:
    kind_starts: dict[str, list[int]]
    kind_events: dict[str, list[tuple[int, int]]]

    @classmethod
    def load(cls, path: Path) -> _Events:
        events: dict[str, list[tuple[int, int]]] = {}
        for kind, start, end in json.loads(path.read_text()):
            events.setdefault(kind, []).append((start, end))
        for values in events.values():
            values.sort()
        return cls({k: [s for s, _ in v] for k, v in events.items()}, events)

    def next(self, kind: str, after: int) -> tuple[int, int] | None:
        starts = self.kind_starts.get(kind, [])
        i = bisect.bisect_left(starts, after)
        if i == len(starts) or starts[i] - after > WINDOW_NS:
            return None
        return self.kind_events[kind][i]


def breakdown(directory: Path, devices: dict[str, str]) -> dict[str, dict[str, float]]:
    """Return, per side (devices: side → the device script's name), median µs per segment."""
    ha = _Events.load(next(directory.glob("*-hass.json")))
    device_events = {
        side: _Events.load(path)
        for side, script in devices.items()
        for path in directory.glob(f"*-{script}.json")
    }
    per_side: dict[str, dict[str, list[float]]] = {side: {} for side in devices}
    for call_start, call_end in ha.kind_events.get("call", []):
        send = ha.next("send", call_start)
        if send is None or send[0] > call_end + WINDOW_NS:
            continue  # the in-memory switch: nothing sent
        for side, dev in device_events.items():
            got = dev.next("recv", send[1])
            if got is None or got[0] > call_end + WINDOW_NS:
                continue
            dev_send = dev.next("send", got[0])
            answer = ha.next("recv", dev_send[0]) if dev_send else None
            written = ha.next("set", answer[0]) if answer else None
            if dev_send is None or answer is None or written is None:
                continue
            spans = {
                "ha_before": send[0] - call_start,
                "ha_send": send[1] - send[0],
                "out": got[0] - send[1],
                "device": dev_send[0] - got[0],
                "device_send": dev_send[1] - dev_send[0],
                "back": answer[0] - dev_send[1],
                "ha_after": written[0] - answer[0],
                "ha_return": max(0, call_end - written[0]),
                "total": max(call_end, written[0]) - call_start,
            }
            for name, ns in spans.items():
                per_side[side].setdefault(name, []).append(ns / 1000)
            break
    return {
        side: {name: round(median(values), 1) for name, values in spans.items()}
        | {"commands": len(spans["total"])}
        for side, spans in per_side.items()
        if spans
    }


def table(result: dict[str, dict[str, float]], labels: dict[str, str]) -> str:
    """A markdown table: segments as rows, sides as columns."""
    sides = list(result)
    lines = [
        "| segment, µs (median) | " + " | ".join(labels[s] for s in sides) + " |",
        "|---|" + "---|" * len(sides),
    ]
    for name, label in (*SEGMENTS.items(), ("total", "**total** (medians do not add up exactly)")):
        lines.append(f"| {label} | " + " | ".join(f"{result[s].get(name, 0):.0f}" for s in sides) + " |")
    lines.append("| commands lined up | " + " | ".join(str(int(result[s]["commands"])) for s in sides) + " |")
    return "\n".join(lines)
