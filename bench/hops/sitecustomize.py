"""Hop timestamps for `roundtrip.py --hops`: loaded by every process the benchmark starts.

With NATS_BENCH_HOPS set (a directory), this process records when it sends
and receives a benchmark message (a socket send or recv whose bytes hold one
of the markers in NATS_BENCH_HOPS_MARKERS) and, in Home Assistant, when a
service call starts and returns and when a switch's state is written. It
writes them to the directory at exit; `hops_report.py` lines them up per
command across processes (perf_counter is CLOCK_MONOTONIC on Linux: one
clock for every process). Patching socket.socket catches asyncio's
transports, nats-py and paho alike. Costs about 1 µs per event: the figures
are a breakdown, not the round trip (run without --hops for that).
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import sys
import time

_DIR = os.environ.get("NATS_BENCH_HOPS")


def _install(directory: str) -> None:
    events: list[tuple[str, int, int]] = []
    now = time.perf_counter_ns
    markers = [m.encode() for m in os.environ.get("NATS_BENCH_HOPS_MARKERS", "").split(",") if m]

    def marked(data: object) -> bool:
        return isinstance(data, bytes | bytearray | memoryview) and any(m in data for m in markers)

    send, recv = socket.socket.send, socket.socket.recv

    def traced_send(self: socket.socket, data: bytes, *args: int) -> int:
        start = now()
        sent = send(self, data, *args)
        if marked(data):
            events.append(("send", start, now()))
        return sent

    def traced_recv(self: socket.socket, size: int, *args: int) -> bytes:
        start = now()
        data = recv(self, size, *args)
        if marked(data):
            events.append(("recv", start, now()))
        return data

    socket.socket.send = traced_send  # type: ignore[method-assign]
    socket.socket.recv = traced_recv  # type: ignore[method-assign]
    if os.path.basename(sys.argv[0]) == "hass":
        _trace_home_assistant(events)

    def dump() -> None:
        name = f"{os.getpid()}-{os.path.basename(sys.argv[0])}.json"
        with open(os.path.join(directory, name), "w", encoding="utf-8") as file:
            json.dump(events, file)

    atexit.register(dump)


def _trace_home_assistant(events: list[tuple[str, int, int]]) -> None:
    from homeassistant import core  # noqa: PLC0415 (only in Home Assistant's process)

    clock = time.perf_counter_ns
    async_call = core.ServiceRegistry.async_call
    set_internal = core.StateMachine.async_set_internal

    async def traced_call(self: core.ServiceRegistry, domain: str, *args: object, **kwargs: object) -> object:
        start = clock()
        try:
            return await async_call(self, domain, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            if domain == "switch":
                events.append(("call", start, clock()))

    def traced_set(self: core.StateMachine, entity_id: str, *args: object, **kwargs: object) -> object:
        if entity_id.startswith("switch."):
            events.append(("set", clock(), 0))
        return set_internal(self, entity_id, *args, **kwargs)  # type: ignore[arg-type]

    core.ServiceRegistry.async_call = traced_call  # type: ignore[method-assign]
    core.StateMachine.async_set_internal = traced_set  # type: ignore[method-assign]


if _DIR:
    _install(_DIR)
