"""Device log lines (protocol 1.6): a device's lines show in Home Assistant's log, as events and in its history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from custom_components.nats import device_logs
from custom_components.nats.device_logs import EVENT_DEVICE_LOG, RECENT_LINES, recent_lines
from custom_components.nats.diagnostics import async_get_device_diagnostics
from custom_components.nats.identity import device_identifier
from nats_home.device import Device
from nats_home.device_log_handler import DeviceLogHandler

from ...conftest import DeviceFactory
from .conftest import wait_for

ENTITIES = [{"platform": "sensor", "id": "battery", "name": "Battery"}]
SUBJECT = "home.devices.porch.log"


@pytest.fixture
async def porch(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device in Home Assistant."""
    device = await device_factory("porch", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.porch_battery") is not None)
    return device


@pytest.fixture
async def device_logger(porch: Device) -> AsyncIterator[tuple[logging.Logger, DeviceLogHandler]]:
    """The device program's own logger, publishing from INFO up (its records stay out of the root logger)."""
    logger = logging.getLogger("porch_program")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = DeviceLogHandler(porch, logging.INFO, rate=100)
    logger.addHandler(handler)
    yield logger, handler
    logger.removeHandler(handler)


def _events(hass: HomeAssistant) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    @callback
    def _on_line(event: Event) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(EVENT_DEVICE_LOG, _on_line)
    return seen


def _registry_id(hass: HomeAssistant, entry: MockConfigEntry, device_id: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry.entry_id, device_id), entry.entry_id
    )
    assert device is not None
    return device.id


async def test_a_devices_log_lines_show_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_logger: tuple[logging.Logger, DeviceLogHandler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.nats.device")
    logger, _ = device_logger
    events = _events(hass)

    logger.debug("Polling the battery")  # below the handler's level: not published
    logger.warning("Battery low: %d%%", 12)
    await wait_for(hass, lambda: len(events) == 1)

    line = events[0]
    assert line["device_id"] == _registry_id(hass, setup_entry, "porch")
    assert line["nats_device_id"] == "porch"
    assert (line["level"], line["tag"], line["message"]) == ("warn", "porch_program", "Battery low: 12%")
    assert line["dropped"] == 0
    assert isinstance(line["time"], float)
    # In Home Assistant's log, under the device's own logger, at the line's level.
    records = [r for r in caplog.records if r.name == "custom_components.nats.device.porch"]
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.WARNING, "[porch_program] Battery low: 12%")
    ]
    # In the device's diagnostics download.
    device = dr.async_get(hass).async_get(_registry_id(hass, setup_entry, "porch"))
    assert device is not None
    history = (await async_get_device_diagnostics(hass, setup_entry, device))["logs"]
    assert [(h["level"], h["message"]) for h in history] == [("warn", "Battery low: 12%")]
    assert "received" in history[0]
    assert recent_lines(setup_entry.runtime_data.hub, "porch") == history


async def test_the_history_keeps_only_the_recent_lines(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_logger: tuple[logging.Logger, DeviceLogHandler],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        device_logs, "LINES_PER_SECOND", 1000
    )  # this test is about the history, not the limit
    logger, _ = device_logger
    events = _events(hass)
    total = RECENT_LINES + 15
    for i in range(total):
        logger.info("line %d", i)
    await wait_for(hass, lambda: len(events) == total)

    history = recent_lines(setup_entry.runtime_data, "porch")
    assert [h["message"] for h in history] == [f"line {i}" for i in range(total - RECENT_LINES, total)]
    assert recent_lines(setup_entry.runtime_data, "nobody") == []


async def test_a_flooding_device_is_limited_and_told_lines_were_dropped(
    hass: HomeAssistant, setup_entry: MockConfigEntry, porch: Device
) -> None:
    events = _events(hass)
    flood = device_logs.LINES_PER_SECOND + 10
    for i in range(flood):  # a device without a rate limit of its own
        await porch.nc.publish(SUBJECT, f'{{"level":"info","message":"flood {i}"}}'.encode())
    await porch.nc.publish(SUBJECT, b'{"level":"info","message":"flood over"}')
    await asyncio.sleep(1.1)  # the bucket refills (a wait, not a measurement)
    await porch.nc.publish(SUBJECT, b'{"level":"info","message":"later"}')
    await wait_for(hass, lambda: bool(events) and events[-1]["message"] == "later")

    # Every line was either shown or counted in the next one shown.
    shown = events[:-1]
    assert device_logs.LINES_PER_SECOND <= len(shown) < flood + 1
    assert len(shown) + events[-1]["dropped"] == flood + 1


async def test_a_malformed_log_line_is_dropped_with_a_warning(
    hass: HomeAssistant, setup_entry: MockConfigEntry, porch: Device, caplog: pytest.LogCaptureFixture
) -> None:
    events = _events(hass)
    for payload in (b"not json", b'{"level":3,"message":"x"}', b'{"level":"warn"}', b'["warn","x"]'):
        await porch.nc.publish(SUBJECT, payload)
    await porch.nc.publish(SUBJECT, b'{"level":"error","tag":"boot","message":"still here"}')
    await wait_for(hass, lambda: len(events) == 1)

    assert events[0]["message"] == "still here"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for reason in ("invalid JSON", "level must be", "message must be a string", "not a JSON object"):
        assert any(
            f"Device porch: ignoring log line on {SUBJECT}: " in w and reason in w for w in warnings
        ), reason
    assert [h["message"] for h in recent_lines(setup_entry.runtime_data, "porch")] == ["still here"]


async def test_the_device_library_limits_its_rate_and_says_what_it_dropped(
    hass: HomeAssistant, setup_entry: MockConfigEntry, porch: Device
) -> None:
    logger = logging.getLogger("porch_limited")
    logger.propagate = False
    handler = DeviceLogHandler(porch, logging.WARNING, rate=3, period=0.5)
    logger.addHandler(handler)
    events = _events(hass)
    try:
        for i in range(10):
            logger.warning("burst %d", i)
        await wait_for(hass, lambda: len(events) == 3)
        assert [e["message"] for e in events] == ["burst 0", "burst 1", "burst 2"]

        await asyncio.sleep(0.6)  # the bucket refills: the next line goes out, with the count
        logger.error("after the burst")
        await wait_for(hass, lambda: len(events) == 4)
        assert (events[3]["message"], events[3]["level"], events[3]["dropped"]) == (
            "after the burst",
            "error",
            7,
        )

        # Disconnected: logging still never raises; the line is counted as dropped.
        await porch.nc.close()
        logger.error("nobody hears this")
        assert handler.limiter.dropped == 1
    finally:
        logger.removeHandler(handler)
