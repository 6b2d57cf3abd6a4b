"""Vacuums: announced actions and fan speeds become features; every action reaches the device."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.vacuum import (
    ATTR_FAN_SPEED,
    ATTR_FAN_SPEED_LIST,
    SERVICE_CLEAN_SPOT,
    SERVICE_LOCATE,
    SERVICE_PAUSE,
    SERVICE_RETURN_TO_BASE,
    SERVICE_SET_FAN_SPEED,
    SERVICE_START,
    SERVICE_STOP,
    VacuumEntityFeature,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "vacuum",
        "id": "robot",
        "name": None,
        "supports_start": True,
        "supports_pause": True,
        "supports_stop": True,
        "supports_return_home": True,
        "supports_clean_spot": True,
        "supports_locate": True,
        "fan_speeds": ["quiet", "standard", "max"],
    },
    {
        "platform": "vacuum",
        "id": "basic",
        "name": "Basic",
        "supports_start": True,
        "supports_return_home": True,
    },
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = VacuumEntityFeature
ROBOT = "vacuum.hall"
BASIC = "vacuum.hall_basic"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("vacuum", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def hall(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device that is a robot vacuum with every feature, and a basic second one."""
    device = await device_factory("hall", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.hall_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, hall: Device) -> None:
    """Each vacuum offers exactly the actions and fan speeds it announced."""
    robot, basic = hass.states.get(ROBOT), hass.states.get(BASIC)
    assert robot.attributes[ATTR_SUPPORTED_FEATURES] == (
        F.STATE | F.START | F.PAUSE | F.STOP | F.RETURN_HOME | F.CLEAN_SPOT | F.LOCATE | F.FAN_SPEED
    )
    assert robot.attributes[ATTR_FAN_SPEED_LIST] == ["quiet", "standard", "max"]
    assert robot.attributes[ATTR_FAN_SPEED] is None
    assert basic.attributes[ATTR_SUPPORTED_FEATURES] == F.STATE | F.START | F.RETURN_HOME
    assert ATTR_FAN_SPEED_LIST not in basic.attributes
    assert (robot.state, basic.state) == (STATE_UNKNOWN, STATE_UNKNOWN)


async def test_states(hass: HomeAssistant, hall: Device) -> None:
    """Activity and fan speed are shown; an unannounced fan speed drops the whole state."""
    await hall.set_state("robot", "cleaning", fan_speed="max")
    await hall.set_state("basic", "returning", fan_speed="max")  # ignored: no fan speeds announced
    await wait_for(hass, lambda: state_of(hass, BASIC)() == "returning")
    robot = hass.states.get(ROBOT)
    assert (robot.state, robot.attributes[ATTR_FAN_SPEED]) == ("cleaning", "max")
    assert ATTR_FAN_SPEED not in hass.states.get(BASIC).attributes

    await hall.set_state("robot", "docked", fan_speed="turbo")  # invalid: dropped whole
    await hall.set_state("robot", "sleeping")  # invalid
    await hall.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.hall_barrier")() == "after")
    assert state_of(hass, ROBOT)() == "cleaning"

    for word in ("docked", "idle", "paused", "error"):
        await hall.set_state("robot", word, fan_speed="quiet")
        await wait_for(hass, lambda word=word: state_of(hass, ROBOT)() == word)
    await hall.set_state("robot", None)
    await wait_for(hass, lambda: state_of(hass, ROBOT)() == STATE_UNKNOWN)


async def test_every_action(hass: HomeAssistant, hall: Device) -> None:
    """Each vacuum action and the fan speed reach the device; the confirmed state is shown at once."""
    await hall.set_state("robot", "docked", fan_speed="quiet")
    await wait_for(hass, lambda: state_of(hass, ROBOT)() == "docked")

    expected = [
        (SERVICE_START, "cleaning"),
        (SERVICE_PAUSE, "paused"),
        (SERVICE_CLEAN_SPOT, "cleaning"),
        (SERVICE_STOP, "idle"),
        (SERVICE_LOCATE, "idle"),
        (SERVICE_RETURN_TO_BASE, "docked"),
    ]
    for service, shown in expected:
        await _call(hass, service, ROBOT)
        assert state_of(hass, ROBOT)() == shown, service
    await _call(hass, SERVICE_SET_FAN_SPEED, ROBOT, **{ATTR_FAN_SPEED: "max"})
    assert hass.states.get(ROBOT).attributes[ATTR_FAN_SPEED] == "max"

    assert hall.commands == [
        ("robot", {"action": "start"}),
        ("robot", {"action": "pause"}),
        ("robot", {"action": "clean_spot"}),
        ("robot", {"action": "stop"}),
        ("robot", {"action": "locate"}),
        ("robot", {"action": "return_home"}),
        ("robot", {"fan_speed": "max"}),
    ]


async def test_refusals(hass: HomeAssistant, hall: Device) -> None:
    """A fan speed the vacuum did not announce, or an action it cannot do, fails with the device's reason."""
    await hall.set_state("robot", "cleaning", fan_speed="quiet")
    await wait_for(hass, lambda: state_of(hass, ROBOT)() == "cleaning")
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_FAN_SPEED, ROBOT, **{ATTR_FAN_SPEED: "turbo"})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Hall rejected the command: fan_speed 'turbo' not announced"

    hall.entities["robot"]["supports_pause"] = False  # less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_PAUSE, ROBOT)
    assert str(err.value) == "Device Hall rejected the command: pause not supported"
    robot = hass.states.get(ROBOT)
    assert (robot.state, robot.attributes[ATTR_FAN_SPEED]) == ("cleaning", "quiet")
