"""Date-times: a moment with its offset is shown in UTC; a new moment reaches the device in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.datetime import ATTR_DATETIME
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from nats_home.device import Device
from nats_home.errors import CommandRejectedError

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "datetime", "id": "departure", "name": "Departure"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
DEPARTURE = "datetime.garage_departure"


async def _set(hass: HomeAssistant, value: datetime | str) -> None:
    await hass.services.async_call(
        "datetime", "set_value", {ATTR_ENTITY_ID: DEPARTURE, ATTR_DATETIME: value}, blocking=True
    )


@pytest.fixture
async def garage(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with a date-time, in Home Assistant."""
    device = await device_factory("garage", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.garage_barrier") is not None)
    return device


async def test_states(hass: HomeAssistant, garage: Device, caplog: pytest.LogCaptureFixture) -> None:
    """The device's offset places the moment; one without an offset is dropped; null is unknown."""
    assert state_of(hass, DEPARTURE)() == STATE_UNKNOWN
    await garage.set_state("departure", "2026-01-02T03:04:05+01:00")
    await wait_for(hass, lambda: state_of(hass, DEPARTURE)() == "2026-01-02T02:04:05+00:00")
    await garage.set_state("departure", "2026-01-02T08:00:00Z")
    await wait_for(hass, lambda: state_of(hass, DEPARTURE)() == "2026-01-02T08:00:00+00:00")
    await garage.set_state("departure", "2026-01-02T09:00:00")  # a local time of unknown zone
    await garage.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.garage_barrier")() == "after")
    assert state_of(hass, DEPARTURE)() == "2026-01-02T08:00:00+00:00"
    assert (
        "Ignoring state on home.devices.garage.datetime.departure.state: expected an RFC 3339" in caplog.text
    )
    await garage.set_state("departure", None)
    await wait_for(hass, lambda: state_of(hass, DEPARTURE)() == STATE_UNKNOWN)


async def test_set_value(hass: HomeAssistant, garage: Device) -> None:
    """Any zone the user picks in reaches the device as the same moment in UTC, to the second."""
    await _set(hass, datetime(2026, 6, 1, 10, 30, 15, 250_000, tzinfo=timezone(timedelta(hours=2))))
    assert state_of(hass, DEPARTURE)() == "2026-06-01T08:30:15+00:00"
    await _set(hass, datetime(2026, 6, 2, 7, 0, tzinfo=UTC))
    assert state_of(hass, DEPARTURE)() == "2026-06-02T07:00:00+00:00"
    # A naive date-time is in Home Assistant's time zone (US/Pacific in the test harness).
    await _set(hass, "2026-06-03 12:00:00")
    assert state_of(hass, DEPARTURE)() == "2026-06-03T19:00:00+00:00"
    assert garage.commands == [
        ("departure", {"value": "2026-06-01T08:30:15Z"}),
        ("departure", {"value": "2026-06-02T07:00:00Z"}),
        ("departure", {"value": "2026-06-03T19:00:00Z"}),
    ]


async def test_device_refusal(hass: HomeAssistant, garage: Device) -> None:
    """A moment the device refuses fails the action with its reason; the state stays."""

    async def refuse(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("year 1969 out of range 1970..3000")

    garage.command_handler = refuse
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, datetime(1969, 7, 20, 20, 17, tzinfo=UTC))
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Garage rejected the command: year 1969 out of range 1970..3000"
    assert state_of(hass, DEPARTURE)() == STATE_UNKNOWN
