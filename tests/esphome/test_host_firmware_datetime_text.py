"""The host firmware's text, date, time and datetime entities against a real nats-server.

examples/esphome/host.yaml has a template text of each mode and a template
date, time and datetime; the firmware has no time component, so its time
zone is UTC.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
from nats.aio.client import Client
import pytest

from custom_components.nats.protocol.platforms.date import DateInfo
from custom_components.nats.protocol.platforms.datetime import DateTimeInfo
from custom_components.nats.protocol.platforms.text import TextInfo
from custom_components.nats.protocol.platforms.time import TimeInfo

from ..nats_server import NatsServer
from .conftest import HostFirmwareFactory
from .recorder import Recorder
from .test_host_firmware import command, confirmed, entity, first_state, start

pytestmark = pytest.mark.timeout(600)


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


async def test_text_lengths_pattern_and_mode_announced_and_commanded(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """ESPHome's TextTraits as announced; a text within them is set, one outside refused with the spec's text."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    greeting = entity(announcement, "greeting")
    door_code = entity(announcement, "door_code")
    assert isinstance(greeting, TextInfo)
    assert (greeting.min_length, greeting.max_length, greeting.pattern, greeting.mode) == (
        1,
        20,
        None,
        "text",
    )
    assert (door_code.min_length, door_code.max_length, door_code.pattern, door_code.mode) == (
        0,
        4,
        "^[0-9]{4}$",
        "password",
    )
    # The template's initial value; a template text without one is unknown.
    assert await first_state(bus, firmware, greeting) == "Hello"
    assert await first_state(bus, firmware, door_code) is None

    assert await confirmed(client, bus, firmware, greeting, {"value": "Grüß Gott"}) == "Grüß Gott"
    # The protocol counts characters, ESPHome bytes: ten two-byte characters fit its 20.
    assert await confirmed(client, bus, firmware, greeting, {"value": "ä" * 10}) == "ä" * 10
    assert await confirmed(client, bus, firmware, door_code, {"value": "0815"}) == "0815"

    cases = [
        ("greeting", {"value": "x" * 21}, "value length 21 out of range 1..20"),
        ("greeting", {"value": ""}, "value length 0 out of range 1..20"),
        # Within the announced characters but not ESPHome's bytes: refused, not dropped silently.
        ("greeting", {"value": "ä" * 11}, "value of 22 bytes longer than the device's 20"),
        ("door_code", {"value": "12345"}, "value length 5 out of range 0..4"),
        ("door_code", {"value": 1234}, "invalid value"),
        ("door_code", {}, "value is required"),
    ]
    for entity_id, payload, error in cases:
        reply = await command(client, firmware, "text", entity_id, payload)
        assert not reply.ok, payload
        assert reply.error == error or error in (reply.error or ""), (payload, reply.error)
    mark = bus.mark()
    await client.request("home.discovery.request", b'{"v":1}', timeout=3)
    msg = await bus.wait_for(firmware.subject("text", "greeting", "state"), since=mark)
    assert msg.data.decode() == '{"state":"' + "ä" * 10 + '"}'


async def test_date_and_time_commanded(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """Dates and times as YYYY-MM-DD and HH:MM:SS; ESPHome's years 1970..3000 refused outside."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    holiday = entity(announcement, "holiday")
    wake_up = entity(announcement, "wake_up")
    assert isinstance(holiday, DateInfo)
    assert isinstance(wake_up, TimeInfo)
    assert await first_state(bus, firmware, holiday) == "2026-12-24"
    assert await first_state(bus, firmware, wake_up) == "06:45:00"

    assert await confirmed(client, bus, firmware, holiday, {"value": "2028-02-29"}) == "2028-02-29"
    assert await confirmed(client, bus, firmware, wake_up, {"value": "23:59:59"}) == "23:59:59"
    assert await confirmed(client, bus, firmware, wake_up, {"value": "00:00:00"}) == "00:00:00"

    cases = [
        ("date", "holiday", {"value": "1969-07-20"}, "year 1969 out of range 1970..3000"),
        ("date", "holiday", {"value": "2026-02-29"}, "invalid value: must be a date as YYYY-MM-DD"),
        ("time", "wake_up", {"value": "24:00:00"}, "invalid value: must be a time of day as HH:MM:SS"),
        ("time", "wake_up", {"value": "07:30"}, "invalid value"),
    ]
    for platform, entity_id, payload, error in cases:
        reply = await command(client, firmware, platform, entity_id, payload)
        assert not reply.ok, payload
        assert error in (reply.error or ""), (payload, reply.error)
    assert (
        f"Command rejected on {firmware.subject('date', 'holiday', 'command')}: year 1969" in firmware.log()
    )


async def test_datetime_as_a_moment_in_utc(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """Any offset sets the same moment; the device (time zone UTC here) publishes it with Z."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    departure = entity(announcement, "departure")
    assert isinstance(departure, DateTimeInfo)
    assert await first_state(bus, firmware, departure) == "2026-01-02T03:04:05Z"

    assert (
        await confirmed(client, bus, firmware, departure, {"value": "2026-06-01T10:30:15+02:00"})
        == "2026-06-01T08:30:15Z"
    )
    assert (
        await confirmed(client, bus, firmware, departure, {"value": "2026-12-31T20:00:00-05:00"})
        == "2027-01-01T01:00:00Z"
    )
    assert (
        await confirmed(client, bus, firmware, departure, {"value": "1970-01-01T00:00:00Z"})
        == "1970-01-01T00:00:00Z"
    )

    cases = [
        ({"value": "1969-12-31T23:59:59Z"}, "year 1969 out of range 1970..3000"),
        ({"value": "1970-01-01T00:30:00+01:00"}, "year 1969 out of range 1970..3000"),
        ({"value": "2026-01-02T03:04:05"}, "invalid value: must be an RFC 3339 date-time"),
        ({"value": 1767323045}, "invalid value"),
    ]
    for payload, error in cases:
        reply = await command(client, firmware, "datetime", "departure", payload)
        assert not reply.ok, payload
        assert error in (reply.error or ""), (payload, reply.error)
