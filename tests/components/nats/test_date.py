"""Dates: shown as the device reports them; a new date reaches the device and is confirmed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_DATE, ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from nats_home.device import Device
from nats_home.errors import CommandRejectedError

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "date", "id": "holiday", "name": "Holiday"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
HOLIDAY = "date.office_holiday"


async def _set(hass: HomeAssistant, value: date) -> None:
    await hass.services.async_call(
        "date", "set_value", {ATTR_ENTITY_ID: HOLIDAY, ATTR_DATE: value}, blocking=True
    )


@pytest.fixture
async def office(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with a date, in Home Assistant."""
    device = await device_factory("office", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.office_barrier") is not None)
    return device


async def test_states(hass: HomeAssistant, office: Device, caplog: pytest.LogCaptureFixture) -> None:
    """A date is shown; an impossible one is dropped; null is unknown."""
    assert state_of(hass, HOLIDAY)() == STATE_UNKNOWN
    await office.set_state("holiday", "2024-02-29")
    await wait_for(hass, lambda: state_of(hass, HOLIDAY)() == "2024-02-29")
    await office.set_state("holiday", "2026-02-29")
    await office.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.office_barrier")() == "after")
    assert state_of(hass, HOLIDAY)() == "2024-02-29"
    assert (
        "Ignoring state on home.devices.office.date.holiday.state: 2026-02-29 is not a calendar date"
        in caplog.text
    )
    await office.set_state("holiday", None)
    await wait_for(hass, lambda: state_of(hass, HOLIDAY)() == STATE_UNKNOWN)


async def test_set_value(hass: HomeAssistant, office: Device) -> None:
    """The date reaches the device as YYYY-MM-DD; its confirmed state is shown at once."""
    await _set(hass, date(2026, 12, 24))
    assert state_of(hass, HOLIDAY)() == "2026-12-24"
    assert office.commands == [("holiday", {"value": "2026-12-24"})]


async def test_device_refusal(hass: HomeAssistant, office: Device) -> None:
    """A date the device refuses fails the action with its reason; the state stays."""

    async def refuse(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("year 1969 out of range 1970..3000")

    office.command_handler = refuse
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, date(1969, 7, 20))
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Office rejected the command: year 1969 out of range 1970..3000"
    assert state_of(hass, HOLIDAY)() == STATE_UNKNOWN
