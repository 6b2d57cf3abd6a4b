"""Repeated per-message warnings are rate-limited per (subject, reason)."""

from __future__ import annotations

import logging

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant

from custom_components.nats.log_limiter import LogLimiter, reason_key

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import ManualClock, state_of, wait_for

LOGGER = "custom_components.nats.test_limiter"


def _lines(caplog: pytest.LogCaptureFixture, level: int, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and r.getMessage().startswith(start)]


def test_first_warning_then_one_a_minute_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    """The first repeat of a reason is a warning; repeats within a minute are debug, then counted."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    clock = ManualClock()
    limiter = LogLimiter(logging.getLogger(LOGGER), clock)
    for _ in range(17):
        limiter.warning("home.devices.a.status", "no v", "Bad on %s: %s", "home.devices.a.status", "no v")
        clock.now += 25 / 17
    assert _lines(caplog, logging.WARNING, "Bad on") == ["Bad on home.devices.a.status: no v"]
    assert len(_lines(caplog, logging.DEBUG, "Bad on")) == 16

    clock.now = 1000.0 + 61
    limiter.warning("home.devices.a.status", "no v", "Bad on %s: %s", "home.devices.a.status", "no v")
    assert _lines(caplog, logging.WARNING, "Bad on")[-1] == (
        "Bad on home.devices.a.status: no v (16 more like it on this subject in the last 61 s, "
        "logged at debug level)"
    )
    clock.now += 61
    limiter.warning("home.devices.a.status", "no v", "Bad on %s: %s", "home.devices.a.status", "no v")
    assert _lines(caplog, logging.WARNING, "Bad on")[-1] == "Bad on home.devices.a.status: no v"


def test_keys_are_subject_and_reason(caplog: pytest.LogCaptureFixture) -> None:
    """Another subject or another reason warns at once; the same mistake with other values does not."""
    limiter = LogLimiter(logging.getLogger(LOGGER), ManualClock())
    limiter.warning("s1", "option 'a' was not announced", "m1")
    limiter.warning("s1", "option 'b' was not announced", "m2")  # same reason, other value
    limiter.warning("s2", "option 'a' was not announced", "m3")  # other subject
    limiter.warning("s1", "required key not provided at 'v'. Got None", "m4")  # other reason
    limiter.warning("s1", "required key not provided at 'online'. Got None", "m5")  # other field
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "m1",
        "m3",
        "m4",
        "m5",
    ]


def test_reason_key() -> None:
    """Quoted values and numbers are masked; schema paths stay."""
    assert reason_key("option 'x' was not announced") == "option … was not announced"
    assert reason_key("invalid JSON: Expecting value: line 1 column 7 (char 6)") == reason_key(
        "invalid JSON: Expecting value: line 1 column 1 (char 0)"
    )
    assert reason_key("not a valid value at 'entities[0].icon'. Got 'bad'") == (
        "not a valid value at 'entities[0].icon'"
    )


def test_memory_is_bounded() -> None:
    """A flood of distinct subjects forgets the oldest keys."""
    limiter = LogLimiter(logging.getLogger(LOGGER), ManualClock(), max_keys=8)
    for index in range(100):
        limiter.warning(f"s{index}", "r", "m")
    assert len(limiter._seen) == 8


RELAY = [{"platform": "switch", "id": "relay"}, {"platform": "sensor", "id": "temperature", "unit": "°C"}]


async def test_heartbeats_without_v_warn_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """17 heartbeats missing v make one warning; the others are debug lines."""
    caplog.set_level(logging.DEBUG, logger="custom_components.nats")
    await device_factory("lab", RELAY, heartbeat_interval=600)
    await wait_for(hass, lambda: state_of(hass, "switch.lab_relay")() not in (None, STATE_UNAVAILABLE))
    client = await nats.connect(nats_server.url)
    try:
        for _ in range(17):
            await client.publish("home.devices.lab.status", b'{"online":true,"interval":30}')
        await client.publish("home.devices.lab.status", b'{"v":1,"online":false,"interval":30}')  # barrier
        await client.flush()
    finally:
        await client.close()
    await wait_for(hass, lambda: state_of(hass, "switch.lab_relay")() == STATE_UNAVAILABLE)
    start = "Ignoring heartbeat on home.devices.lab.status: required key not provided"
    assert len(_lines(caplog, logging.WARNING, start)) == 1
    assert len(_lines(caplog, logging.DEBUG, start)) == 16


async def test_invalid_states_and_announcements_warn_once(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Invalid states and announcements repeated on one subject warn once, per reason."""
    caplog.set_level(logging.DEBUG, logger="custom_components.nats")
    await device_factory("lab", RELAY)
    await wait_for(hass, lambda: hass.states.get("sensor.lab_temperature") is not None)
    client = await nats.connect(nats_server.url)
    try:
        for word in ("warm", "hot", "cold"):
            await client.publish(
                "home.devices.lab.sensor.temperature.state", f'{{"state":"{word}"}}'.encode()
            )
            await client.publish("home.discovery.announce.odd", b'{"v":1,"id":"odd","name":"Odd"}')
        await client.publish("home.devices.lab.sensor.temperature.state", b'{"v":2,"state":1}')
        await client.publish("home.devices.lab.switch.relay.state", b'{"state":"ON"}')  # barrier
        await client.publish(
            "home.discovery.announce.barrier",
            b'{"v":1,"id":"barrier","name":"Barrier","entities":[{"platform":"switch","id":"b"}]}',
        )
        await client.flush()
    finally:
        await client.close()
    await wait_for(hass, lambda: state_of(hass, "switch.lab_relay")() == "on")
    await wait_for(hass, lambda: hass.states.get("switch.barrier_b") is not None)
    state = "Ignoring state on home.devices.lab.sensor.temperature.state"
    # "expected a number" once (for warm; hot and cold are the same reason), the version once.
    assert len(_lines(caplog, logging.WARNING, state)) == 2
    assert len(_lines(caplog, logging.DEBUG, state)) == 2
    announcement = "Ignoring announcement on home.discovery.announce.odd"
    assert len(_lines(caplog, logging.WARNING, announcement)) == 1
    assert len(_lines(caplog, logging.DEBUG, announcement)) == 2
