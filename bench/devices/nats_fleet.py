"""Many NATS Home devices in one process (one connection), separate from Home Assistant.

Answers `P.discovery.request` and `P.ha.status` online the way the Device class
and the ESPHome component do (announcement, then every known state, after a
random 0-jitter s delay; requests arriving meanwhile share that announcement).
Reads commands on stdin, one JSON per line, answers one JSON line on stdout:
  {"cmd": "run", "rate": R, "seconds": S}  or  {"cmd": "run", "rate": R, "count": N}
  -> {"sent": n, "t_first": monotonic, "t_last": monotonic, "achieved_rate": r}
  {"cmd": "quit"}

With --retain (cold profile) the fleet instead fills the home's JetStream streams
the way devices fill them, then leaves: it creates the streams with the
integration's own configurations (custom_components.nats.retention, imported from
--integration-root, the Home Assistant config dir whose custom_components/nats is
measured), publishes on core NATS every device's announcement, each entity's
state and one heartbeat (online, the announced interval), waits until the
streams hold every message (stream info), prints one JSON line with the counts
and closes its connection without a goodbye, as devices that lost power would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import random
import sys
import time

from fleet_common import Pacer, cold_state, device_id, entities, report
import nats

from nats_home import client

HEARTBEAT_INTERVAL = 3600
"""What the fleet's announcements say (heartbeat_interval) and its heartbeats repeat."""
CHUNK = 500
"""Devices published before waiting for the streams to store them: nats-server drops core
publishes beyond a stream's ingest queue, and devices do not all speak in the same second."""


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", default="home")
    parser.add_argument("--profile", choices=["cold", "ingest"], required=True)
    parser.add_argument("--devices", type=int, required=True)
    parser.add_argument("--entities", type=int, default=1)
    parser.add_argument("--jitter", type=float, default=1.0)
    parser.add_argument("--retain", action="store_true", help="fill the streams, then leave")
    parser.add_argument("--integration-root", help="dir holding custom_components/nats (--retain)")
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    # The project's own client: its publish costs the load generator a fraction of
    # nats-py's, so the fleet is not what caps the rate. Filling streams uses nats-py's
    # JetStream API.
    connect = nats.connect if args.retain else client.connect
    nc = await connect(args.url, name="bench fleet", pending_size=64 * 1024 * 1024)
    p = args.prefix
    ents = entities(args.profile, args.entities)
    devices = []
    for i in range(args.devices):
        dev = device_id(args.profile, i)
        announcement = json.dumps(
            {
                "v": 1,
                "id": dev,
                "name": dev,
                "manufacturer": "bench",
                "model": "sim",
                "heartbeat_interval": HEARTBEAT_INTERVAL,
                "entities": ents,
            }
        ).encode()
        states = []
        if args.profile == "cold":
            states = [
                (
                    f"{p}.devices.{dev}.{e['platform']}.{e['id']}.state",
                    json.dumps({"state": cold_state(e, i)}).encode(),
                )
                for e in ents
            ]
        devices.append((dev, announcement, states))
    if args.retain:
        await fill_streams(nc, args, devices)
        return
    state_subjects = [f"{p}.devices.{dev}.sensor.v.state" for dev, _, _ in devices]
    counters = [0] * len(devices)

    pending: list[list[str] | None] = [None] * len(devices)
    """Per device: the reply subjects of a scheduled announcement, None if none is."""

    async def announce(index: int, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        replies, pending[index] = pending[index] or [], None
        dev, announcement, states = devices[index]
        await nc.publish(f"{p}.discovery.announce.{dev}", announcement)
        for reply in replies:
            await nc.publish(reply, announcement)
        for subject, payload in states:
            await nc.publish(subject, payload)
        if args.profile == "ingest" and counters[index]:
            await nc.publish(state_subjects[index], b'{"state":%d}' % counters[index])

    tasks: set[asyncio.Task[None]] = set()

    def announce_all(reply: str | None) -> None:
        for index in range(len(devices)):
            replies = pending[index]
            if replies is not None:  # already scheduled: share it
                replies.extend([reply] if reply else [])
                continue
            pending[index] = [reply] if reply else []
            task = loop.create_task(announce(index, random.uniform(0, args.jitter)))  # noqa: S311
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def on_request(msg) -> None:
        announce_all(msg.reply or None)

    async def on_ha_status(msg) -> None:
        if b'"online"' in msg.data:
            announce_all(None)

    await nc.subscribe(f"{p}.discovery.request", cb=on_request)
    await nc.subscribe(f"{p}.ha.status", cb=on_ha_status)
    for index in range(len(devices)):  # devices announce when they connect
        await announce(index, 0)
    await nc.flush()
    print(json.dumps({"ready": True}), flush=True)

    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    n_dev = len(devices)
    cursor = 0
    while line := await reader.readline():
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        rate = float(cmd["rate"])
        total = int(cmd["count"]) if "count" in cmd else int(rate * float(cmd["seconds"]))
        sent = 0
        t_first = time.monotonic()
        pacer = Pacer(rate, t_first)
        while sent < total:
            due = min(pacer.due(time.monotonic()) + 1, total)
            while sent < due:
                index = cursor % n_dev
                cursor += 1
                counters[index] += 1
                await nc.publish(state_subjects[index], b'{"state":%d}' % counters[index])
                sent += 1
            if sent < total:
                await asyncio.sleep(0.002)
        t_last = time.monotonic()
        await nc.flush()
        report(sent, t_first, t_last, counters)
    await nc.drain()


async def fill_streams(nc, args, devices: list[tuple[str, bytes, list[tuple[str, bytes]]]]) -> None:
    """Create the home's streams, publish what devices publish, wait until all is stored."""
    sys.path.insert(0, str(Path(args.integration_root).resolve()))
    from custom_components.nats.protocol.subjects import Subjects  # noqa: PLC0415
    from custom_components.nats.retention import stream_configs  # noqa: PLC0415

    js = nc.jetstream(timeout=30)
    configs = stream_configs(Subjects(args.prefix))
    for config in configs:
        await js.add_stream(config)
    devices_stream, states_stream = (c.name for c in configs)
    p = args.prefix
    heartbeat = json.dumps({"v": 1, "online": True, "interval": HEARTBEAT_INTERVAL, "uptime": 3600}).encode()

    async def stored() -> tuple[int, int]:
        a = await js.stream_info(devices_stream)
        b = await js.stream_info(states_stream)
        return a.state.messages, b.state.messages

    t0 = time.monotonic()
    want = (0, 0)
    republished = 0
    for start in range(0, len(devices), CHUNK):
        chunk = devices[start : start + CHUNK]
        want = (want[0] + len(chunk), want[1] + sum(len(states) + 1 for _, _, states in chunk))
        for attempt in range(4):
            for dev, announcement, states in chunk:
                await nc.publish(f"{p}.discovery.announce.{dev}", announcement)
                for subject, payload in states:
                    await nc.publish(subject, payload)
                await nc.publish(f"{p}.devices.{dev}.status", heartbeat)
            await nc.flush()
            deadline = time.monotonic() + 10
            while True:  # polled: the server says nothing when a stream has stored a message
                have = await stored()
                if have == want or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.01)
            if have == want:
                break
            if attempt == 3:
                raise SystemExit(f"the streams hold {have} messages, not {want}")
            republished += len(chunk)  # the server dropped some: publish the chunk again
    seconds = time.monotonic() - t0
    print(
        json.dumps(
            {
                "ready": True,
                "streams": {devices_stream: want[0], states_stream: want[1]},
                "fill_s": round(seconds, 2),
                "messages_per_s": round(sum(want) / seconds),
                "republished_devices": republished,
                "heartbeat_interval": HEARTBEAT_INTERVAL,
            }
        ),
        flush=True,
    )
    await nc.close()  # no goodbye: the retained heartbeats still say online


if __name__ == "__main__":
    asyncio.run(main())
