"""Fans: announced capabilities become features; every service reaches the device."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.fan import (
    ATTR_DIRECTION,
    ATTR_OSCILLATING,
    ATTR_PERCENTAGE,
    ATTR_PERCENTAGE_STEP,
    ATTR_PRESET_MODE,
    ATTR_PRESET_MODES,
    DATA_COMPONENT,
    SERVICE_OSCILLATE,
    SERVICE_SET_DIRECTION,
    SERVICE_SET_PERCENTAGE,
    SERVICE_SET_PRESET_MODE,
    FanEntityFeature,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
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
        "platform": "fan",
        "id": "ceiling",
        "name": "Ceiling",
        "speed_count": 3,
        "supports_direction": True,
        "preset_modes": ["breeze"],
    },
    {"platform": "fan", "id": "desk", "name": "Desk", "speed_count": 100, "supports_oscillation": True},
    {"platform": "fan", "id": "vent", "name": "Vent"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = FanEntityFeature
CEILING = "fan.loft_ceiling"
DESK = "fan.loft_desk"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("fan", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def loft(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with three fans of different capabilities, in Home Assistant."""
    device = await device_factory("loft", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.loft_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, loft: Device) -> None:
    """Each fan offers exactly the features it announced, with its number of speeds."""
    ceiling = hass.states.get(CEILING).attributes
    assert ceiling[ATTR_SUPPORTED_FEATURES] == (
        F.SET_SPEED | F.DIRECTION | F.PRESET_MODE | F.TURN_ON | F.TURN_OFF
    )
    assert ceiling[ATTR_PERCENTAGE_STEP] == pytest.approx(100 / 3)
    assert ceiling[ATTR_PRESET_MODES] == ["breeze"]
    assert hass.states.get(DESK).attributes[ATTR_SUPPORTED_FEATURES] == (
        F.SET_SPEED | F.OSCILLATE | F.TURN_ON | F.TURN_OFF
    )
    assert hass.states.get("fan.loft_vent").attributes[ATTR_SUPPORTED_FEATURES] == F.TURN_ON | F.TURN_OFF
    fans = hass.data[DATA_COMPONENT]
    assert [fans.get_entity(fan).speed_count for fan in (CEILING, DESK)] == [3, 100]
    assert state_of(hass, CEILING)() == STATE_UNKNOWN


async def test_states(hass: HomeAssistant, loft: Device) -> None:
    """On/off, speed, direction, oscillation and preset are shown; an invalid state is dropped."""
    await loft.set_state("ceiling", "ON", percentage=33, direction="reverse", preset_mode=None)
    await loft.set_state("desk", "OFF", percentage=40, oscillating=True)
    await wait_for(hass, lambda: state_of(hass, DESK)() == STATE_OFF)
    ceiling = hass.states.get(CEILING)
    assert ceiling.state == STATE_ON
    assert (ceiling.attributes[ATTR_PERCENTAGE], ceiling.attributes[ATTR_DIRECTION]) == (33, "reverse")
    assert ceiling.attributes[ATTR_PRESET_MODE] is None
    desk = hass.states.get(DESK).attributes  # off, keeping its last speed
    assert (desk[ATTR_PERCENTAGE], desk[ATTR_OSCILLATING]) == (40, True)

    await loft.set_state("ceiling", "ON", preset_mode="turbo")  # not announced: dropped whole
    await loft.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.loft_barrier")() == "after")
    assert hass.states.get(CEILING).attributes[ATTR_DIRECTION] == "reverse"


async def test_every_service(hass: HomeAssistant, loft: Device) -> None:
    """Each service is one command; the state the device confirms is shown when it returns."""

    def shown() -> tuple[str, int | None, str | None, str | None]:
        state = hass.states.get(CEILING)
        attributes = state.attributes
        return (
            state.state,
            attributes[ATTR_PERCENTAGE],
            attributes[ATTR_DIRECTION],
            attributes[ATTR_PRESET_MODE],
        )

    await _call(hass, SERVICE_TURN_ON, CEILING, **{ATTR_PERCENTAGE: 50, ATTR_PRESET_MODE: "breeze"})
    assert shown() == (STATE_ON, 66, None, "breeze")  # 50 % of 3 speeds is speed 2
    await _call(hass, SERVICE_TURN_OFF, CEILING)
    assert shown() == (STATE_OFF, 66, None, "breeze")
    await _call(hass, SERVICE_SET_PERCENTAGE, CEILING, **{ATTR_PERCENTAGE: 100})
    assert shown() == (STATE_ON, 100, None, "breeze")
    await _call(hass, SERVICE_SET_DIRECTION, CEILING, **{ATTR_DIRECTION: "reverse"})
    assert shown() == (STATE_ON, 100, "reverse", "breeze")
    await _call(hass, SERVICE_SET_PERCENTAGE, CEILING, **{ATTR_PERCENTAGE: 0})
    assert shown() == (STATE_OFF, 100, "reverse", "breeze")
    await _call(hass, SERVICE_SET_PRESET_MODE, CEILING, **{ATTR_PRESET_MODE: "breeze"})
    assert shown()[0] == STATE_ON
    await _call(hass, SERVICE_OSCILLATE, DESK, **{ATTR_OSCILLATING: True})
    assert hass.states.get(DESK).attributes[ATTR_OSCILLATING] is True
    await _call(hass, SERVICE_TURN_ON, "fan.loft_vent")
    assert state_of(hass, "fan.loft_vent")() == STATE_ON

    assert loft.commands == [
        ("ceiling", {"state": "ON", "percentage": 50, "preset_mode": "breeze"}),
        ("ceiling", {"state": "OFF"}),
        ("ceiling", {"percentage": 100}),
        ("ceiling", {"direction": "reverse"}),
        ("ceiling", {"state": "OFF"}),
        ("ceiling", {"preset_mode": "breeze"}),
        ("desk", {"oscillating": True}),
        ("vent", {"state": "ON"}),
    ]


async def test_device_refusal(hass: HomeAssistant, loft: Device) -> None:
    """A command the device refuses fails the action with its reason; the state stays."""
    await loft.set_state("desk", "ON", percentage=40, oscillating=False)
    await wait_for(hass, lambda: state_of(hass, DESK)() == STATE_ON)
    loft.entities["desk"]["supports_oscillation"] = False  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_OSCILLATE, DESK, **{ATTR_OSCILLATING: True})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Loft rejected the command: oscillating not supported"
    assert hass.states.get(DESK).attributes[ATTR_OSCILLATING] is False


async def test_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, loft: Device) -> None:
    """A fan that does not answer in time fails the action, saying so."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    loft.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_TURN_ON, CEILING)
    assert err.value.translation_key == "command_timeout"
    assert str(err.value) == "Device Loft did not answer within 0.5 s"
    assert state_of(hass, CEILING)() == STATE_UNKNOWN
