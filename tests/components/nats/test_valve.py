"""Valves: announced capabilities become features; every action reaches the device."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.valve import ATTR_CURRENT_POSITION, ATTR_POSITION, ValveEntityFeature
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_CLOSE_VALVE,
    SERVICE_OPEN_VALVE,
    SERVICE_SET_VALVE_POSITION,
    SERVICE_STOP_VALVE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "valve",
        "id": "main_water",
        "name": "Main water",
        "device_class": "water",
        "supports_position": True,
        "supports_stop": True,
    },
    {"platform": "valve", "id": "gas", "name": "Gas", "device_class": "gas", "assumed_state": True},
    {"platform": "valve", "id": "irrigation", "name": "Irrigation", "supports_position": True},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = ValveEntityFeature


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("valve", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def garden(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with three valves of different capabilities, in Home Assistant."""
    device = await device_factory("garden", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.garden_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, garden: Device) -> None:
    """Each valve offers exactly the features it announced, with its device class."""
    main, gas, irrigation = (
        hass.states.get(f"valve.garden_{name}").attributes for name in ("main_water", "gas", "irrigation")
    )
    assert main[ATTR_SUPPORTED_FEATURES] == F.OPEN | F.CLOSE | F.SET_POSITION | F.STOP
    assert gas[ATTR_SUPPORTED_FEATURES] == F.OPEN | F.CLOSE
    assert irrigation[ATTR_SUPPORTED_FEATURES] == F.OPEN | F.CLOSE | F.SET_POSITION
    assert (main[ATTR_DEVICE_CLASS], gas[ATTR_DEVICE_CLASS]) == ("water", "gas")
    assert ATTR_DEVICE_CLASS not in irrigation
    assert gas[ATTR_ASSUMED_STATE] is True
    assert ATTR_ASSUMED_STATE not in main
    # reports_position: Home Assistant shows a position, unknown until the device says
    assert main[ATTR_CURRENT_POSITION] is None
    assert ATTR_CURRENT_POSITION not in gas
    assert state_of(hass, "valve.garden_gas")() == STATE_UNKNOWN


async def test_states(hass: HomeAssistant, garden: Device) -> None:
    """Motion and position are shown; a position the valve did not announce is ignored."""
    await garden.set_state("main_water", "closing", position=55)
    await garden.set_state("gas", "open", position=250)
    await wait_for(hass, lambda: state_of(hass, "valve.garden_gas")() == "open")
    main = hass.states.get("valve.garden_main_water")
    assert (main.state, main.attributes[ATTR_CURRENT_POSITION]) == ("closing", 55)
    assert ATTR_CURRENT_POSITION not in hass.states.get("valve.garden_gas").attributes

    await garden.set_state("main_water", "open", position=-1)  # invalid: dropped whole
    await garden.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.garden_barrier")() == "after")
    assert hass.states.get("valve.garden_main_water").attributes[ATTR_CURRENT_POSITION] == 55

    # A valve that reports a position is shown open or closed from it alone.
    await garden.set_state("main_water", "open", position=None)
    await wait_for(hass, lambda: state_of(hass, "valve.garden_main_water")() == STATE_UNKNOWN)


async def test_every_action(hass: HomeAssistant, garden: Device) -> None:
    """Each valve action reaches the device; the confirmed state is shown."""
    main = "valve.garden_main_water"

    def shown() -> tuple[str, int | None]:
        state = hass.states.get(main)
        return state.state, state.attributes[ATTR_CURRENT_POSITION]

    # Home Assistant opens and closes a valve with a position by setting it.
    await _call(hass, SERVICE_OPEN_VALVE, main)
    assert shown() == ("open", 100)
    await _call(hass, SERVICE_SET_VALVE_POSITION, main, **{ATTR_POSITION: 40})
    assert shown() == ("open", 40)
    await _call(hass, SERVICE_CLOSE_VALVE, main)
    assert shown() == ("closed", 0)

    await garden.set_state("main_water", "opening", position=30)
    await wait_for(hass, lambda: state_of(hass, main)() == "opening")
    await _call(hass, SERVICE_STOP_VALVE, main)
    assert shown() == ("open", 30)

    await _call(hass, SERVICE_OPEN_VALVE, "valve.garden_gas")
    assert state_of(hass, "valve.garden_gas")() == "open"
    await _call(hass, SERVICE_CLOSE_VALVE, "valve.garden_gas")
    assert state_of(hass, "valve.garden_gas")() == "closed"

    assert garden.commands == [
        ("main_water", {"position": 100}),
        ("main_water", {"position": 40}),
        ("main_water", {"position": 0}),
        ("main_water", {"action": "stop"}),
        ("gas", {"action": "open"}),
        ("gas", {"action": "close"}),
    ]


async def test_device_refusal(hass: HomeAssistant, garden: Device) -> None:
    """A command the device refuses fails the action with its reason; the state stays."""
    await garden.set_state("irrigation", "open", position=20)
    await wait_for(hass, lambda: state_of(hass, "valve.garden_irrigation")() == "open")
    garden.entities["irrigation"]["supports_position"] = False  # less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_VALVE_POSITION, "valve.garden_irrigation", **{ATTR_POSITION: 60})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Garden rejected the command: position not supported"
    assert hass.states.get("valve.garden_irrigation").attributes[ATTR_CURRENT_POSITION] == 20


async def test_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, garden: Device) -> None:
    """A valve that does not answer in time fails the action, saying so."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    garden.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_CLOSE_VALVE, "valve.garden_gas")
    assert err.value.translation_key == "command_timeout"
    assert str(err.value) == "Device Garden did not answer within 0.5 s"
    assert state_of(hass, "valve.garden_gas")() == STATE_UNKNOWN
