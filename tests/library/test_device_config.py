"""The device library's settings against a real nats-server: read at start, followed live, bad values ignored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import logging
import time
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import KeyValueConfig, StorageType
import nats.js.errors
from nats.js.kv import KeyValue
import pytest

from nats_home.config_settings import ConfigValue, bucket_name
from nats_home.device import Device
from nats_home.errors import ProtocolError

from ..nats_fixtures import DeviceFactory, server_has_everything, until
from ..nats_server import NatsServer

BUCKET = bucket_name("home")
CONFIG = [
    {"id": "heartbeat_interval", "name": "Heartbeat interval", "type": "number", "min": 1, "max": 600},
    {"id": "name", "name": "Name", "type": "text"},
    {"id": "threshold", "name": "Report threshold", "type": "number", "default": 5, "min": 1, "max": 50},
    {"id": "led", "name": "Status LED", "type": "switch", "default": True},
]


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    """Another client of the server: the controller writing settings, and a listener."""
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


@pytest.fixture
async def bucket(client: Client) -> KeyValue:
    """The home's configuration bucket as Home Assistant creates it."""
    js = client.jetstream()
    return await js.create_key_value(
        KeyValueConfig(bucket=BUCKET, history=1, storage=StorageType.FILE, direct=True)
    )


def _collect(into: list[dict[str, Any]]) -> Any:
    async def _cb(msg: Msg) -> None:
        into.append(json.loads(msg.data))

    return _cb


async def test_stored_values_are_read_at_start(device_factory: DeviceFactory, bucket: KeyValue) -> None:
    """A device starting reads its stored settings before it announces; absent ones keep their default."""
    await bucket.put("plug.heartbeat_interval", b"7")
    await bucket.put("plug.name", b'"Office plug"')
    await bucket.put("other.threshold", b"9")  # another device's
    changes: list[tuple[str, ConfigValue]] = []

    async def on_config(setting_id: str, value: ConfigValue) -> None:
        changes.append((setting_id, value))

    device = await device_factory("plug", [], name="Plug", config=CONFIG, on_config=on_config)
    assert device.config_values == {
        "heartbeat_interval": 7,
        "name": "Office plug",
        "threshold": 5,
        "led": True,
    }
    assert (device.heartbeat_interval, device.name) == (7, "Office plug")
    announcement = device.announcement()
    assert (announcement["name"], announcement["heartbeat_interval"]) == ("Office plug", 7)
    assert [setting["default"] for setting in announcement["config"]] == [30, "Plug", 5, True]
    assert changes == []


async def test_changes_are_applied_live(
    device_factory: DeviceFactory, bucket: KeyValue, client: Client
) -> None:
    """Heartbeat interval at once, name re-announced, a device-defined setting to on_config, delete = default."""
    changes: list[tuple[str, ConfigValue]] = []

    async def on_config(setting_id: str, value: ConfigValue) -> None:
        changes.append((setting_id, value))

    device = await device_factory("plug", [], name="Plug", config=CONFIG, on_config=on_config)
    await server_has_everything(device.nc)  # its first heartbeat and announcement are out
    heartbeats: list[dict[str, Any]] = []
    announcements: list[dict[str, Any]] = []
    await client.subscribe("home.devices.plug.status", cb=_collect(heartbeats))
    await client.subscribe("home.discovery.announce.plug", cb=_collect(announcements))
    await server_has_everything(client)

    revision = await bucket.put("plug.heartbeat_interval", b"2")
    await until(lambda: heartbeats, timeout=2)
    assert heartbeats[0]["interval"] == 2, "one heartbeat at once with the new interval"
    started = time.monotonic()
    await until(lambda: len(heartbeats) >= 2, timeout=4)
    assert 1.5 < time.monotonic() - started < 3.5, "the next one after the new interval"

    assert announcements[0]["heartbeat_interval"] == 2, "and re-announced with it"

    await bucket.put("plug.name", b'"Desk lamp"')
    await until(lambda: announcements[-1]["name"] == "Desk lamp", timeout=2)

    await bucket.put("plug.threshold", b"12.5")
    await bucket.put("plug.led", b"false")
    await until(lambda: len(changes) == 2, timeout=2)
    assert changes == [("threshold", 12.5), ("led", False)]

    await bucket.put("plug.threshold", b"12.5")  # the same value again: nothing to apply
    await bucket.delete("plug.led")
    await until(lambda: len(changes) == 3, timeout=2)
    assert changes[-1] == ("led", True), "deleted: back to the default"
    await bucket.purge("plug.heartbeat_interval")
    await until(lambda: device.heartbeat_interval == 30, timeout=2)
    assert revision


async def test_bad_values_are_ignored_with_a_warning(
    device_factory: DeviceFactory, bucket: KeyValue, caplog: pytest.LogCaptureFixture
) -> None:
    """Wrong type, out of range, too long or not JSON: logged with device, setting and value; nothing changes."""
    await bucket.put("plug.threshold", b"70")  # out of range already at start
    device = await device_factory("plug", [], config=CONFIG)
    assert device.config_values["threshold"] == 5
    assert "Device plug: ignoring the stored value b'70' of setting threshold" in caplog.text
    await bucket.put("plug.led", b"1")
    await bucket.put("plug.name", json.dumps("n" * 65).encode())
    await bucket.put("plug.heartbeat_interval", b"ten")
    await bucket.put("plug.threshold", b"8")
    await until(lambda: device.config_values["threshold"] == 8, timeout=2)
    assert device.config_values == {"heartbeat_interval": 30, "name": "Plug", "threshold": 8, "led": True}
    for setting, value in (("led", "b'1'"), ("heartbeat_interval", "b'ten'")):
        assert f"Device plug: ignoring the stored value {value} of setting {setting}" in caplog.text
    assert next(r for r in caplog.records if "setting name" in r.message).levelno == logging.WARNING


async def test_without_bucket_or_jetstream_the_defaults_stay(
    device_factory: DeviceFactory, tmp_path: Any
) -> None:
    """No bucket (or no JetStream): the direct gets find nothing at once and the device starts with its defaults."""
    started = time.monotonic()
    device = await device_factory("plug", [], config=CONFIG)
    assert time.monotonic() - started < 1.5, "no 2 s wait: nothing answers, which is known at once"
    assert device.config_values["threshold"] == 5
    (tmp_path / "plain").mkdir()
    plain = NatsServer(tmp_path / "plain", jetstream=False)
    plain.start()
    nc = await nats.connect(plain.url)
    try:
        other = Device(nc, "lamp", "Lamp", [], config=CONFIG, announce_jitter=0)
        await other.start()
        assert other.config_values["led"] is True
        await other.stop()
    finally:
        await nc.close()
        plain.stop()


async def test_values_survive_a_server_restart(
    nats_server: NatsServer, device_factory: DeviceFactory
) -> None:
    """After the server restarts (its store kept), the device reads its settings again and follows changes."""
    device = await device_factory("plug", [], config=CONFIG)
    nc = await nats.connect(nats_server.url)
    try:
        kv = await nc.jetstream().create_key_value(KeyValueConfig(bucket=BUCKET, direct=True))
        await kv.put("plug.threshold", b"21")
        await until(lambda: device.config_values["threshold"] == 21, timeout=5)
    finally:
        await nc.close()
    nats_server.stop()
    nats_server.start()
    nc = await nats.connect(nats_server.url)
    try:
        kv = await nc.jetstream().key_value(BUCKET)
        await until(lambda: device.nc.is_connected, timeout=10)
        await until(lambda: device.config_values["threshold"] == 21, timeout=5)
        await kv.put("plug.threshold", b"22")
        await until(lambda: device.config_values["threshold"] == 22, timeout=5)
    finally:
        await nc.close()


def test_invalid_declaration_is_refused_at_once() -> None:
    """A declaration Home Assistant would refuse (with the whole announcement) raises when the device is made."""
    with pytest.raises(ProtocolError, match="min must be below max"):
        Device(None, "plug", "Plug", [], config=[{**CONFIG[2], "min": 60}])  # type: ignore[arg-type]


async def test_a_refused_compare_and_set_write_is_never_applied(
    device_factory: DeviceFactory, bucket: KeyValue, client: Client
) -> None:
    """Core NATS delivers a refused write too: the device follows what the store keeps instead."""
    changes: list[tuple[str, ConfigValue]] = []

    async def on_config(setting_id: str, value: ConfigValue) -> None:
        changes.append((setting_id, value))

    device = await device_factory("plug", [], config=CONFIG, on_config=on_config)
    revision = await bucket.put("plug.threshold", b"10")
    await until(lambda: device.config_values["threshold"] == 10, timeout=2)
    with pytest.raises(nats.js.errors.KeyWrongLastSequenceError):
        await bucket.update("plug.threshold", b"40", last=revision - 1)
    await bucket.update("plug.led", b"false", last=0)  # accepted: applied once the store has it
    await until(lambda: device.config_values["led"] is False, timeout=2)
    await server_has_everything(client)
    await asyncio.sleep(0.2)
    assert device.config_values["threshold"] == 10
    assert changes == [("threshold", 10), ("led", False)]
    await bucket.update("plug.threshold", b"11", last=revision)
    await until(lambda: device.config_values["threshold"] == 11, timeout=2)
