"""Times: shown as the device reports them; a new time of day reaches the device and is confirmed."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, ATTR_TIME, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from nats_home.device import Device
from nats_home.errors import CommandRejectedError

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "time", "id": "wake_up", "name": "Wake up"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
WAKE_UP = "time.bedroom_wake_up"


async def _set(hass: HomeAssistant, value: time) -> None:
    await hass.services.async_call(
        "time", "set_value", {ATTR_ENTITY_ID: WAKE_UP, ATTR_TIME: value}, blocking=True
    )


@pytest.fixture
async def bedroom(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with a time, in Home Assistant."""
    device = await device_factory("bedroom", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.bedroom_barrier") is not None)
    return device


async def test_states(hass: HomeAssistant, bedroom: Device, caplog: pytest.LogCaptureFixture) -> None:
    """A time of day is shown; 24:00:00 is dropped; null is unknown."""
    assert state_of(hass, WAKE_UP)() == STATE_UNKNOWN
    await bedroom.set_state("wake_up", "06:45:00")
    await wait_for(hass, lambda: state_of(hass, WAKE_UP)() == "06:45:00")
    await bedroom.set_state("wake_up", "24:00:00")
    await bedroom.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.bedroom_barrier")() == "after")
    assert state_of(hass, WAKE_UP)() == "06:45:00"
    assert (
        "Ignoring state on home.devices.bedroom.time.wake_up.state: 24:00:00 is not a time of day"
        in caplog.text
    )
    await bedroom.set_state("wake_up", None)
    await wait_for(hass, lambda: state_of(hass, WAKE_UP)() == STATE_UNKNOWN)


async def test_set_value(hass: HomeAssistant, bedroom: Device) -> None:
    """The time reaches the device as HH:MM:SS, to the second; its confirmed state is shown at once."""
    await _set(hass, time(7, 5, 9, 500_000))
    assert state_of(hass, WAKE_UP)() == "07:05:09"
    assert bedroom.commands == [("wake_up", {"value": "07:05:09"})]


async def test_device_refusal(hass: HomeAssistant, bedroom: Device) -> None:
    """A time the device refuses fails the action with its reason; the state stays."""

    async def refuse(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("alarm is locked")

    bedroom.command_handler = refuse
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, time(5, 0))
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Bedroom rejected the command: alarm is locked"
    assert state_of(hass, WAKE_UP)() == STATE_UNKNOWN
