"""Device logs from the compiled host firmware (nats: log: in examples/esphome/host.yaml).

host.yaml publishes its warnings at most 5 a second; the tests pick the
level with NATS_LOG_LEVEL (the other firmware tests turn it off). Its
`demo.log` automation logs a message's payload as a warning (tag `demo`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging
from typing import Any

import nats
from nats.aio.client import Client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from custom_components.nats.device_logs import EVENT_DEVICE_LOG, recent_lines
from custom_components.nats.identity import device_identifier
from custom_components.nats.protocol.device_logs import LogLine, parse_log_line

from ..components.nats.conftest import (  # noqa: F401 (fixtures)
    auto_enable_custom_integrations,
    config_entry,
    setup_entry,
    wait_for,
)
from ..nats_server import NatsServer
from .conftest import HOST_DEVICE_ID, HostFirmware, HostFirmwareFactory
from .recorder import Recorder

pytestmark = pytest.mark.timeout(600)
RATE = 5
"""host.yaml's log: rate, lines per second."""


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


async def _start(
    host_firmware: HostFirmwareFactory, server: NatsServer, client: Client, level: str
) -> tuple[HostFirmware, Recorder]:
    """Start the firmware publishing from `level` up; return once it is announced."""
    bus = Recorder()
    await client.subscribe("home.>", cb=bus.handler)
    await client.flush()
    firmware = host_firmware(server.url, env={"NATS_LOG_LEVEL": level})
    await bus.wait_for(firmware.announce_subject, timeout=20)
    return firmware, bus


def _lines(bus: Recorder, firmware: HostFirmware, since: int = 0) -> list[LogLine]:
    subject = firmware.subject("log")
    return [parse_log_line(m.data) for m in bus.messages[since:] if m.subject == subject]


async def _warn(
    client: Client, bus: Recorder, firmware: HostFirmware, text: str, timeout: float = 10
) -> LogLine:
    """Have the firmware log `text` as a warning; return its published line."""
    since = bus.mark()
    await client.publish("demo.log", text.encode())
    msg = await bus.wait_for(
        firmware.subject("log"),
        lambda m: parse_log_line(m.data).message == text,
        timeout=timeout,
        since=since,
    )
    return parse_log_line(msg.data)


async def test_the_firmware_publishes_its_lines_from_its_level_up(
    nats_server: NatsServer, host_firmware: HostFirmwareFactory, client: Client
) -> None:
    firmware, bus = await _start(host_firmware, nats_server, client, "WARN")
    since = bus.mark()
    # A command makes the firmware log at debug level ("Command applied ...").
    reply = await client.request(
        firmware.subject("select", "mode", "command"), b'{"option":"eco"}', timeout=5
    )
    assert b'"ok":true' in reply.data
    line = await _warn(client, bus, firmware, "Pump pressure low: 0.4 bar, é")

    assert (line.level, line.tag, line.message) == ("warn", "demo", "Pump pressure low: 0.4 bar, é")
    assert "Command applied on" in firmware.log()  # logged, at debug level ...
    assert [x.level for x in _lines(bus, firmware, since)] == ["warn"]  # ... and not published


async def test_the_firmware_publishes_debug_lines_when_asked(
    nats_server: NatsServer, host_firmware: HostFirmwareFactory, client: Client
) -> None:
    firmware, bus = await _start(host_firmware, nats_server, client, "DEBUG")
    await asyncio.sleep(1.5)  # the start-up lines have passed the rate limit
    since = bus.mark()
    await client.request(firmware.subject("select", "mode", "command"), b'{"option":"away"}', timeout=5)
    msg = await bus.wait_for(
        firmware.subject("log"), lambda m: "Command applied on" in parse_log_line(m.data).message, since=since
    )
    assert parse_log_line(msg.data).level == "debug"
    assert parse_log_line(msg.data).tag == "nats"


async def test_the_firmware_limits_its_rate_and_counts_what_it_dropped(
    nats_server: NatsServer, host_firmware: HostFirmwareFactory, client: Client
) -> None:
    firmware, bus = await _start(host_firmware, nats_server, client, "WARN")
    await _warn(client, bus, firmware, "before the burst")
    await asyncio.sleep(1.5)  # the bucket is full again
    since = bus.mark()
    burst = 4 * RATE
    for i in range(burst):
        await client.publish("demo.log", f"burst {i}".encode())
    await firmware.wait_log("burst 19")
    await asyncio.sleep(1.5)  # refilled: the next line goes out
    after = await _warn(client, bus, firmware, "after the burst")

    published = [x for x in _lines(bus, firmware, since) if x.message.startswith("burst")]
    assert RATE <= len(published) < burst
    assert [x.message for x in published] == [f"burst {i}" for i in range(len(published))]
    assert after.dropped == burst - len(published)  # every line is either published or counted


async def test_the_firmware_lines_reach_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
    client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[dict[str, Any]] = []

    @callback
    def _on_line(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_DEVICE_LOG, _on_line)
    host_firmware(nats_server.url, env={"NATS_LOG_LEVEL": "WARN"})
    registry = dr.async_get(hass)
    identifier = device_identifier(setup_entry.entry_id, HOST_DEVICE_ID)
    await wait_for(
        hass, lambda: registry.async_get_device_by_identifier(identifier, setup_entry.entry_id), timeout=30
    )

    await client.publish("demo.log", b"Filter needs cleaning")
    await wait_for(hass, lambda: any(e["message"] == "Filter needs cleaning" for e in events), timeout=10)

    line = next(e for e in events if e["message"] == "Filter needs cleaning")
    device = registry.async_get_device_by_identifier(identifier, setup_entry.entry_id)
    assert device is not None
    assert (line["device_id"], line["nats_device_id"]) == (device.id, HOST_DEVICE_ID)
    assert (line["level"], line["tag"]) == ("warn", "demo")
    assert any(
        r.name == f"custom_components.nats.device.{HOST_DEVICE_ID}"
        and r.levelno == logging.WARNING
        and r.getMessage() == "[demo] Filter needs cleaning"
        for r in caplog.records
    )
    assert recent_lines(setup_entry.runtime_data, HOST_DEVICE_ID)[-1]["message"] == "Filter needs cleaning"
