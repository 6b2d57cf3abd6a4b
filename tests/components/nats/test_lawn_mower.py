"""Lawn mowers: announced actions become features; every action reaches the device."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.lawn_mower import (
    SERVICE_DOCK,
    SERVICE_PAUSE,
    SERVICE_START_MOWING,
    SERVICE_STOP,
    LawnMowerEntityFeature,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "lawn_mower",
        "id": "mower",
        "name": None,
        "supports_start_mowing": True,
        "supports_pause": True,
        "supports_stop": True,
        "supports_dock": True,
    },
    {
        "platform": "lawn_mower",
        "id": "basic",
        "name": "Basic",
        "supports_start_mowing": True,
        "supports_dock": True,
    },
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = LawnMowerEntityFeature
MOWER = "lawn_mower.garden"


async def _call(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call("lawn_mower", service, {ATTR_ENTITY_ID: entity_id}, blocking=True)


@pytest.fixture
async def garden(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A robot mower with every action, and a basic one."""
    device = await device_factory("garden", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.garden_barrier") is not None)
    return device


async def test_discovery_and_states(hass: HomeAssistant, garden: Device) -> None:
    """Each mower offers the actions it announced; its activity is shown, an invalid one dropped."""
    assert (
        hass.states.get(MOWER).attributes[ATTR_SUPPORTED_FEATURES]
        == F.START_MOWING | F.PAUSE | F.STOP | F.DOCK
    )
    assert (
        hass.states.get("lawn_mower.garden_basic").attributes[ATTR_SUPPORTED_FEATURES]
        == F.START_MOWING | F.DOCK
    )
    assert state_of(hass, MOWER)() == STATE_UNKNOWN

    for word in ("mowing", "paused", "returning", "idle", "error", "docked"):
        await garden.set_state("mower", word)
        await wait_for(hass, lambda word=word: state_of(hass, MOWER)() == word)

    await garden.set_state("mower", "cleaning")  # a vacuum's word: dropped
    await garden.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.garden_barrier")() == "after")
    assert state_of(hass, MOWER)() == "docked"


async def test_every_action(hass: HomeAssistant, garden: Device) -> None:
    """Each action reaches the device; the confirmed activity is shown when the action returns."""
    for service, shown in (
        (SERVICE_START_MOWING, "mowing"),
        (SERVICE_PAUSE, "paused"),
        (SERVICE_STOP, "idle"),
        (SERVICE_DOCK, "docked"),
    ):
        await _call(hass, service, MOWER)
        assert state_of(hass, MOWER)() == shown, service
    assert garden.commands == [
        ("mower", {"action": "start_mowing"}),
        ("mower", {"action": "pause"}),
        ("mower", {"action": "stop"}),
        ("mower", {"action": "dock"}),
    ]


async def test_device_refusal(hass: HomeAssistant, garden: Device) -> None:
    """An action the device refuses fails with its reason; the activity stays."""
    await garden.set_state("mower", "mowing")
    await wait_for(hass, lambda: state_of(hass, MOWER)() == "mowing")
    garden.entities["mower"]["supports_dock"] = False  # less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_DOCK, MOWER)
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Garden rejected the command: dock not supported"
    assert state_of(hass, MOWER)() == "mowing"
