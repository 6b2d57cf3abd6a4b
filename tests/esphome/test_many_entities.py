"""A firmware with 150 entities and a 1 KiB send buffer: announced whole, controllable.

The announcement (about 30 KiB) is streamed through the send buffer; these
tests check that it arrives complete and valid, that nothing the firmware
sends meanwhile lands inside it, and that subscriptions too many for the
send buffer at once all reach the server (many_entities.py builds it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import json
from pathlib import Path
import socket

import nats
from nats.aio.client import Client
import pytest

from custom_components.nats.protocol.payloads import parse_announcement, parse_reply, parse_state

from ..nats_server import NatsServer
from .conftest import HostFirmware
from .fake_server import FakeServer, readline
from .many_entities import (
    DEVICE_ID,
    ECHO_SUBJECT,
    LONG_SUBJECTS,
    TX_BUFFER_SIZE,
    expected_entities,
)
from .recorder import Recorder

pytestmark = pytest.mark.timeout(900)

StartFirmware = Callable[..., HostFirmware]


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


@pytest.fixture
async def bus(client: Client) -> Recorder:
    recorder = Recorder()
    await client.subscribe("home.>", cb=recorder.handler)
    await client.subscribe("many.>", cb=recorder.handler)
    await client.flush()
    return recorder


async def test_announces_150_entities_through_a_1k_send_buffer(
    many_firmware_binary: Path,
    start_firmware: StartFirmware,
    nats_server: NatsServer,
    bus: Recorder,
    client: Client,
) -> None:
    firmware = start_firmware(many_firmware_binary, nats_server.url, device_id=DEVICE_ID)
    msg = await bus.wait_for(firmware.announce_subject, timeout=15)
    assert len(msg.data) > 20 * TX_BUFFER_SIZE
    announcement = parse_announcement(msg.data, DEVICE_ID)
    assert {(e.platform, e.id) for e in announcement.entities} == expected_entities()

    # Every state follows, each on its own subject.
    stateful = [e for e in announcement.entities if e.platform != "button"]
    for e in stateful:
        parse_state(e, (await bus.wait_for(firmware.subject(e.platform, e.id, "state"))).data)

    # A discovery request answered on its reply subject while commands
    # arrive: every reply and the re-announcement come back intact.
    switches = [e for e in announcement.entities if e.platform == "switch"]

    async def turn_on(entity_id: str) -> None:
        msg = await client.request(
            firmware.subject("switch", entity_id, "command"), b'{"state":"ON"}', timeout=5
        )
        reply = parse_reply(msg.data)
        assert (reply.ok, reply.state) == (True, {"state": "ON"}), entity_id

    request = client.request("home.discovery.request", b'{"v":1}', timeout=5)
    results = await asyncio.gather(request, *(turn_on(e.id) for e in switches[:30]))
    assert len(parse_announcement(results[0].data, DEVICE_ID).entities) == 150
    assert "Disconnected" not in firmware.log()


async def test_subscriptions_beyond_the_send_buffer_all_reach_the_server(
    many_firmware_binary: Path,
    start_firmware: StartFirmware,
    nats_server: NatsServer,
    bus: Recorder,
    client: Client,
) -> None:
    """Their SUB lines do not fit the send buffer at once; none may be lost."""
    assert sum(len(f"SUB {s} 99\r\n") for s in LONG_SUBJECTS) > TX_BUFFER_SIZE
    firmware = start_firmware(many_firmware_binary, nats_server.url, device_id=DEVICE_ID)
    await bus.wait_for(firmware.announce_subject, timeout=15)
    for subject in LONG_SUBJECTS:
        mark = bus.mark()
        await client.publish(subject, b"ping")
        await bus.wait_for(ECHO_SUBJECT, lambda m, s=subject: m.data == s.encode(), since=mark)


async def test_nothing_is_sent_inside_the_announcement(
    many_firmware_binary: Path, start_firmware: StartFirmware
) -> None:
    """A PING and a command arrive while the announcement streams: PONG and reply follow it."""
    # The announcement goes out one send buffer per loop (about 25 loops
    # here); a small receive window that is not read keeps it waiting longer.
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    async with FakeServer(sock=listener, limit=4096) as server:
        firmware = start_firmware(many_firmware_binary, f"127.0.0.1:{server.port}", device_id=DEVICE_ID)
        reader, writer = await server.accept()
        assert (await readline(reader)).startswith("CONNECT ")
        assert await readline(reader) == "PING\r\n"
        writer.write(b"PONG\r\n")
        await writer.drain()
        while True:
            line = await readline(reader)
            if line.startswith(f"PUB {firmware.announce_subject} "):
                size = int(line.split()[-1])
                break
            if line.startswith("PUB "):
                await readline(reader)  # the payload of a heartbeat
        relay = "greenhouse_irrigation_valve_relay_in_row_001"
        command = b'{"state":"ON"}'
        writer.write(
            b"PING\r\n"
            + f"MSG {firmware.subject('switch', relay, 'command')} 1 _INBOX.t {len(command)}\r\n".encode()
            + command
            + b"\r\n"
        )
        await writer.drain()
        await asyncio.sleep(0.2)
        payload = await asyncio.wait_for(reader.readexactly(size + 2), 10)
        assert payload.endswith(b"\r\n")
        assert len(parse_announcement(payload[:-2].rstrip(), DEVICE_ID).entities) == 150
        seen: list[str] = []
        reply = None
        while reply is None or "PONG\r\n" not in seen:
            line = await readline(reader)
            seen.append(line)
            if line.startswith("PUB _INBOX.t "):
                reply = parse_reply((await readline(reader)).strip().encode())
            elif line.startswith("PUB "):
                json.loads(await readline(reader))
        assert (reply.ok, reply.state) == (True, {"state": "ON"})
        # The command was carried out while the announcement was still going
        # out: its reply was held, not lost and not sent inside.
        async with asyncio.timeout(5):
            while "Announcement sent" not in firmware.log():  # noqa: ASYNC110 (polls a file)
                await asyncio.sleep(0.05)
        log = firmware.log()
        assert log.index("Command applied") < log.index("Announcement sent")
