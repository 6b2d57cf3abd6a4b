"""End to end: the host firmware's configuration store against a real nats-server.

The bucket is written with nats-py's key-value API, as Home Assistant does
(compare-and-set updates, deletes); the firmware reads it at connect with
direct gets over core NATS and follows its keys live. The firmware is
examples/esphome/host.yaml (heartbeat 5 s, friendly name "NATS host demo").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
from pathlib import Path
import re
from typing import Any

import nats
from nats.aio.client import Client
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue
import pytest

from custom_components.nats.protocol.payloads import parse_announcement, parse_heartbeat

from ..nats_fixtures import until
from ..nats_server import NatsServer
from .conftest import HostFirmware, HostFirmwareFactory
from .recorder import Recorder

pytestmark = pytest.mark.timeout(600)

BUCKET = "NATS_HOME_HOME_CONFIG"
DEFAULT_NAME = "NATS host demo"


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await nats.connect(nats_server.url, reconnect_time_wait=0.2, max_reconnect_attempts=-1)
    yield nc
    await nc.close()


@pytest.fixture
async def bus(client: Client) -> Recorder:
    recorder = Recorder()
    await client.subscribe("home.>", cb=recorder.handler)
    await client.flush()
    return recorder


async def bucket(client: Client) -> KeyValue:
    """The home's bucket as Home Assistant creates it."""
    return await client.jetstream().create_key_value(bucket=BUCKET, history=1, direct=True)


def announced(data: bytes, device_id: str) -> tuple[str, int, list[dict[str, Any]]]:
    """Name, heartbeat interval and declared settings of a valid announcement."""
    announcement = parse_announcement(data, device_id)
    return announcement.name, announcement.heartbeat_interval, json.loads(data)["config"]


async def announcement_named(bus: Recorder, firmware: HostFirmware, name: str, since: int = 0) -> bytes:
    msg = await bus.wait_for(
        firmware.announce_subject,
        lambda m: json.loads(m.data)["name"] == name,
        timeout=5,
        since=since,
    )
    return msg.data


async def heartbeat_every(
    bus: Recorder, firmware: HostFirmware, interval: int, since: int = 0, timeout: float = 5
) -> None:
    await bus.wait_for(
        firmware.status_subject,
        lambda m: parse_heartbeat(m.data).interval == interval,
        timeout=timeout,
        since=since,
    )


async def logged(firmware: HostFirmware, pattern: str, timeout: float = 5) -> None:
    await until(lambda: re.search(pattern, firmware.log()), timeout)


async def test_stored_values_apply_at_connect(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """The first announcement already carries the stored name and interval; the heartbeats follow it."""
    kv = await bucket(client)
    await kv.put("nats-host-demo.heartbeat_interval", b"7")
    await kv.put("nats-host-demo.name", json.dumps("Stored näme").encode())

    firmware = host_firmware(nats_server.url)
    msg = await bus.wait_for(firmware.announce_subject, timeout=10)
    name, interval, config = announced(msg.data, firmware.device_id)
    assert (name, interval) == ("Stored näme", 7)
    assert config == [
        {
            "id": "heartbeat_interval",
            "name": "Heartbeat interval",
            "type": "number",
            "default": 5,
            "min": 5,
            "max": 3600,
            "step": 1,
            "unit": "s",
        },
        {"id": "name", "name": "Name", "type": "text", "default": DEFAULT_NAME, "max_length": 64},
    ]
    await heartbeat_every(bus, firmware, 7)
    # Heartbeats keep that interval: the next one comes about 7 s later.
    mark = bus.mark()
    await bus.wait_for(firmware.status_subject, timeout=9, since=mark)
    start = asyncio.get_running_loop().time()
    await bus.wait_for(firmware.status_subject, timeout=9, since=bus.mark())
    assert 6 <= asyncio.get_running_loop().time() - start <= 8.5
    assert re.search(r"Name 'Stored näme' \(stored\)", firmware.log())
    assert re.search(r"Heartbeat interval 7 s \(stored\)", firmware.log())


async def test_live_changes_deletes_and_refused_values(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """Changes apply live, a delete or purge restores the default, a bad value changes nothing."""
    kv = await bucket(client)
    firmware = host_firmware(nats_server.url)
    msg = await bus.wait_for(firmware.announce_subject, timeout=10)
    assert announced(msg.data, firmware.device_id)[:2] == (DEFAULT_NAME, 5)

    # Compare-and-set writes, as Home Assistant makes them (create, then update on the revision).
    mark = bus.mark()
    revision = await kv.create("nats-host-demo.name", json.dumps("Living room").encode())
    data = await announcement_named(bus, firmware, "Living room", since=mark)
    assert announced(data, firmware.device_id)[:2] == ("Living room", 5)
    mark = bus.mark()
    await kv.update("nats-host-demo.name", json.dumps("Kitchen").encode(), last=revision)
    await announcement_named(bus, firmware, "Kitchen", since=mark)

    mark = bus.mark()
    await kv.put("nats-host-demo.heartbeat_interval", b"10")
    await heartbeat_every(bus, firmware, 10, since=mark)
    data = await announcement_named(bus, firmware, "Kitchen", since=mark)
    assert announced(data, firmware.device_id)[:2] == ("Kitchen", 10)

    # Values the setting cannot take are ignored with a warning naming device, setting and value.
    refused = [
        ("heartbeat_interval", b"abc", "not JSON"),
        ("heartbeat_interval", b"2", "out of range"),
        ("heartbeat_interval", b"7.5", "not a whole number"),
        ("heartbeat_interval", b'"7"', "not a number"),
        ("name", b"42", "not a string"),
        ("name", json.dumps("x" * 65).encode(), "too long"),
        ("name", b'""', "empty"),
    ]
    mark = bus.mark()
    for setting, value, why in refused:
        await kv.put(f"nats-host-demo.{setting}", value)
        shown = re.escape(value.decode()[:64])
        await logged(firmware, rf"\[nats-host-demo\] Ignoring the stored {setting} '{shown}.*': {why}")
    # Nothing changed: no announcement, the heartbeats keep their interval.
    await heartbeat_every(bus, firmware, 10, since=bus.mark(), timeout=12)
    assert [m for m in bus.messages[mark:] if m.subject == firmware.announce_subject] == []
    assert {
        parse_heartbeat(m.data).interval for m in bus.messages[mark:] if m.subject == firmware.status_subject
    } == {10}

    # Deleted or purged: back to the YAML's values.
    mark = bus.mark()
    await kv.delete("nats-host-demo.heartbeat_interval")
    await heartbeat_every(bus, firmware, 5, since=mark)
    mark = bus.mark()
    await kv.purge("nats-host-demo.name")
    data = await announcement_named(bus, firmware, DEFAULT_NAME, since=mark)
    assert announced(data, firmware.device_id)[:2] == (DEFAULT_NAME, 5)
    assert "Name 'NATS host demo' (default)" in firmware.log()

    # Another device's keys and unknown settings are not this device's business.
    mark = bus.mark()
    await kv.put("other-device.name", b'"Not me"')
    await kv.put("nats-host-demo.colour", b'"red"')
    await asyncio.sleep(0.5)
    assert [m for m in bus.messages[mark:] if m.subject == firmware.announce_subject] == []

    # After a reconnection the device reads the store again.
    await kv.put("nats-host-demo.name", b'"After restart"')
    await announcement_named(bus, firmware, "After restart")
    nats_server.stop()
    await asyncio.sleep(0.3)
    nats_server.start()
    kv = await bucket(client)
    await kv.delete("nats-host-demo.name")  # while the device may not be back yet
    mark = bus.mark()
    await client.publish("home.discovery.request", b'{"v":1}')
    await announcement_named(bus, firmware, DEFAULT_NAME, since=mark)


async def test_the_loser_of_a_compare_and_set_is_not_applied(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """A write the store refused reaches the device too (core NATS); it keeps what the store holds."""
    kv = await bucket(client)
    revision = await kv.put("nats-host-demo.name", b'"Before"')
    firmware = host_firmware(nats_server.url)
    await announcement_named(bus, firmware, "Before")

    mark = bus.mark()
    await kv.update("nats-host-demo.name", b'"Winner"', last=revision)
    with pytest.raises(KeyWrongLastSequenceError):
        await kv.update("nats-host-demo.name", b'"Loser"', last=revision)
    await announcement_named(bus, firmware, "Winner", since=mark)
    await asyncio.sleep(1)
    names = [
        json.loads(m.data)["name"] for m in bus.messages[mark:] if m.subject == firmware.announce_subject
    ]
    assert names == ["Winner"]
    assert (await kv.get("nats-host-demo.name")).value == b'"Winner"'


async def test_without_bucket_or_jetstream_the_defaults_hold(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, tmp_path: Path
) -> None:
    """No bucket, or no JetStream at all: the direct gets are answered at once and the defaults stay."""
    loop = asyncio.get_running_loop()
    firmware = host_firmware(nats_server.url)
    # The heartbeat goes out on connecting; the announcement is not held up
    # by the 2 s an unanswered direct get would take.
    await bus.wait_for(firmware.status_subject, timeout=10)
    connected = loop.time()
    msg = await bus.wait_for(firmware.announce_subject, timeout=10)
    assert loop.time() - connected < 1.5
    assert announced(msg.data, firmware.device_id)[:2] == (DEFAULT_NAME, 5)
    await logged(firmware, r"No stored name \(status 503\)")
    firmware.stop()

    plain = tmp_path / "no-jetstream"
    plain.mkdir()
    server = NatsServer(plain, jetstream=False)
    server.start()
    try:
        other = await nats.connect(server.url)
        recorder = Recorder()
        await other.subscribe("home.>", cb=recorder.handler)
        await other.flush()
        firmware = host_firmware(server.url)
        heartbeat = await recorder.wait_for(firmware.status_subject, timeout=10)
        connected = loop.time()
        assert parse_heartbeat(heartbeat.data).interval == 5
        msg = await recorder.wait_for(firmware.announce_subject, timeout=10)
        assert loop.time() - connected < 1.5
        assert announced(msg.data, firmware.device_id)[:2] == (DEFAULT_NAME, 5)
        await logged(firmware, r"No stored heartbeat_interval \(status 503\)")
        await other.close()
    finally:
        server.stop()
