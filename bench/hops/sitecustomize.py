"""Hop timestamps for `--hops` (roundtrip.py, esphome_api.py): loaded by every process they start.

With NATS_BENCH_HOPS set (a directory), this process records when it sends
and receives a benchmark message (a socket send or recv whose bytes hold one
of the markers in NATS_BENCH_HOPS_MARKERS, or any on a socket whose peer port
is in NATS_BENCH_HOPS_PORTS: the native API's protobuf names no entity) and,
in Home Assistant, when a service call starts and returns and when a switch's
state is written. It writes them to the directory at exit; `hops_report.py`
lines them up per command across processes (perf_counter is CLOCK_MONOTONIC
on Linux: one clock for every process). Patching socket.socket catches
asyncio's transports, nats-py and paho alike. Costs about 1 µs per event:
the figures are a breakdown, not the round trip (run without --hops for that).
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
    events: list[tuple[str, int, int, int]] = []
    now = time.perf_counter_ns
    markers = [m.encode() for m in os.environ.get("NATS_BENCH_HOPS_MARKERS", "").split(",") if m]
    ports = {int(p) for p in os.environ.get("NATS_BENCH_HOPS_PORTS", "").split(",") if p}

    def port_of(sock: socket.socket, data: object) -> int | None:
        """The peer port to record a send or receive under (0 for a marked one), None to skip it."""
        if ports:
            try:
                port = sock.getpeername()[1]
            except (OSError, IndexError, TypeError):
                return None
            if port in ports:
                return int(port)
        if isinstance(data, bytes | bytearray | memoryview) and any(m in data for m in markers):
            return 0
        return None

    send, sendmsg = socket.socket.send, socket.socket.sendmsg
    recv, recv_into = socket.socket.recv, socket.socket.recv_into

    def traced_send(self: socket.socket, data: bytes, *args: int) -> int:
        start = now()
        sent = send(self, data, *args)
        if (port := port_of(self, data)) is not None:
            events.append(("send", start, now(), port))
        return sent

    def traced_sendmsg(self: socket.socket, buffers: list[bytes], *args: object) -> int:
        # asyncio's writelines (aioesphomeapi writes its frames so).
        start = now()
        sent = sendmsg(self, buffers, *args)  # type: ignore[arg-type]
        if (port := port_of(self, b"".join(buffers))) is not None:
            events.append(("send", start, now(), port))
        return sent

    def traced_recv(self: socket.socket, size: int, *args: int) -> bytes:
        start = now()
        data = recv(self, size, *args)
        if data and (port := port_of(self, data)) is not None:
            events.append(("recv", start, now(), port))
        return data

    def traced_recv_into(self: socket.socket, buffer: bytearray, *args: int) -> int:
        start = now()
        size = recv_into(self, buffer, *args)
        if size and (port := port_of(self, memoryview(buffer)[:size].tobytes())) is not None:
            events.append(("recv", start, now(), port))
        return size

    socket.socket.send = traced_send  # type: ignore[method-assign]
    socket.socket.sendmsg = traced_sendmsg  # type: ignore[method-assign]
    socket.socket.recv = traced_recv  # type: ignore[method-assign]
    socket.socket.recv_into = traced_recv_into  # type: ignore[method-assign]
    if os.path.basename(sys.argv[0]) == "hass":
        _trace_home_assistant(events)

    def dump() -> None:
        name = f"{os.getpid()}-{os.path.basename(sys.argv[0])}.json"
        with open(os.path.join(directory, name), "w", encoding="utf-8") as file:
            json.dump(events, file)

    atexit.register(dump)


def _trace_home_assistant(events: list[tuple[str, int, int, int]]) -> None:
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
                events.append(("call", start, clock(), 0))

    def traced_set(self: core.StateMachine, entity_id: str, *args: object, **kwargs: object) -> object:
        if entity_id.startswith("switch."):
            events.append(("set", clock(), 0, 0))
        return set_internal(self, entity_id, *args, **kwargs)  # type: ignore[arg-type]

    core.ServiceRegistry.async_call = traced_call  # type: ignore[method-assign]
    core.StateMachine.async_set_internal = traced_set  # type: ignore[method-assign]


if _DIR:
    _install(_DIR)
