"""Climate entities: announced capabilities become features; every service reaches the device."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.climate import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_FAN_MODE,
    ATTR_FAN_MODES,
    ATTR_HUMIDITY,
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODE,
    ATTR_HVAC_MODES,
    ATTR_MAX_HUMIDITY,
    ATTR_MAX_TEMP,
    ATTR_MIN_HUMIDITY,
    ATTR_MIN_TEMP,
    ATTR_PRESET_MODE,
    ATTR_PRESET_MODES,
    ATTR_SWING_HORIZONTAL_MODE,
    ATTR_SWING_HORIZONTAL_MODES,
    ATTR_SWING_MODE,
    ATTR_SWING_MODES,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    ATTR_TARGET_TEMP_STEP,
    SERVICE_SET_FAN_MODE,
    SERVICE_SET_HUMIDITY,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_PRESET_MODE,
    SERVICE_SET_SWING_HORIZONTAL_MODE,
    SERVICE_SET_SWING_MODE,
    SERVICE_SET_TEMPERATURE,
    ClimateEntityFeature,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    ATTR_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
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
        "platform": "climate",
        "id": "thermostat",
        "name": "Thermostat",
        "hvac_modes": ["off", "heat", "cool", "heat_cool"],
        "supports_target_temperature_range": True,
        "min_temp": 10,
        "max_temp": 30,
        "temp_step": 0.5,
        "fan_modes": ["auto", "low", "high"],
        "preset_modes": ["eco", "comfort"],
    },
    {
        "platform": "climate",
        "id": "aircon",
        "name": "Aircon",
        "hvac_modes": ["off", "cool", "dry", "fan_only", "auto"],
        "supports_target_humidity": True,
        "min_humidity": 0,
        "max_humidity": 100,
        "precision": 1,
        "swing_modes": ["off", "vertical", "horizontal", "both"],
        "swing_horizontal_modes": ["off", "on"],
    },
    {
        "platform": "climate",
        "id": "boiler",
        "name": "Boiler",
        "hvac_modes": ["heat"],
        "temperature_unit": "°F",
    },
    {
        "platform": "climate",
        "id": "zone",
        "name": "Zone",
        "hvac_modes": ["heat_cool"],
        "supports_target_temperature": False,
        "supports_target_temperature_range": True,
    },
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = ClimateEntityFeature
THERMOSTAT = "climate.house_thermostat"
AIRCON = "climate.house_aircon"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("climate", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def house(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with four climate entities of different capabilities, in Home Assistant."""
    device = await device_factory("house", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.house_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, house: Device) -> None:
    """Each entity offers the features, modes and ranges it announced."""
    thermostat = hass.states.get(THERMOSTAT).attributes
    assert thermostat[ATTR_SUPPORTED_FEATURES] == (
        F.TARGET_TEMPERATURE
        | F.TARGET_TEMPERATURE_RANGE
        | F.FAN_MODE
        | F.PRESET_MODE
        | F.TURN_OFF
        | F.TURN_ON
    )
    assert thermostat[ATTR_HVAC_MODES] == ["off", "heat", "cool", "heat_cool"]
    assert (thermostat[ATTR_MIN_TEMP], thermostat[ATTR_MAX_TEMP], thermostat[ATTR_TARGET_TEMP_STEP]) == (
        10,
        30,
        0.5,
    )
    assert thermostat[ATTR_FAN_MODES] == ["auto", "low", "high"]
    assert thermostat[ATTR_PRESET_MODES] == ["eco", "comfort"]
    assert ATTR_MIN_HUMIDITY not in thermostat

    aircon = hass.states.get(AIRCON).attributes
    assert aircon[ATTR_SUPPORTED_FEATURES] == (
        F.TARGET_TEMPERATURE
        | F.TARGET_HUMIDITY
        | F.SWING_MODE
        | F.SWING_HORIZONTAL_MODE
        | F.TURN_OFF
        | F.TURN_ON
    )
    assert (aircon[ATTR_MIN_HUMIDITY], aircon[ATTR_MAX_HUMIDITY]) == (0, 100)
    assert aircon[ATTR_SWING_MODES] == ["off", "vertical", "horizontal", "both"]
    assert aircon[ATTR_SWING_HORIZONTAL_MODES] == ["off", "on"]
    assert (aircon[ATTR_MIN_TEMP], aircon[ATTR_MAX_TEMP], aircon[ATTR_TARGET_TEMP_STEP]) == (7, 35, 1)

    # Only "heat": no off to turn to, so no turn_on/turn_off. 45..95 °F shown in Home
    # Assistant's °C at the announced precision (1 in °F by default).
    boiler = hass.states.get("climate.house_boiler").attributes
    assert boiler[ATTR_SUPPORTED_FEATURES] == F.TARGET_TEMPERATURE
    assert (boiler[ATTR_MIN_TEMP], boiler[ATTR_MAX_TEMP]) == (7, 35)
    assert hass.states.get("climate.house_zone").attributes[ATTR_SUPPORTED_FEATURES] == (
        F.TARGET_TEMPERATURE_RANGE
    )
    assert state_of(hass, THERMOSTAT)() == STATE_UNKNOWN


async def test_states(hass: HomeAssistant, house: Device) -> None:
    """Mode, action, temperatures, humidities and modes are shown; an invalid state is dropped."""
    await house.set_state(
        "thermostat",
        "heat_cool",
        hvac_action="heating",
        current_temperature=19.4,
        target_temperature_low=19,
        target_temperature_high=24,
        fan_mode="auto",
        preset_mode="eco",
    )
    await house.set_state("aircon", "dry", current_humidity=61, target_humidity=45, swing_mode="both")
    await house.set_state("boiler", "heat", current_temperature=71.6, target_temperature=95)
    await wait_for(hass, lambda: state_of(hass, "climate.house_boiler")() == "heat")
    thermostat = hass.states.get(THERMOSTAT)
    assert thermostat.state == "heat_cool"
    assert {key: thermostat.attributes[key] for key in (ATTR_HVAC_ACTION, ATTR_CURRENT_TEMPERATURE)} == {
        ATTR_HVAC_ACTION: "heating",
        ATTR_CURRENT_TEMPERATURE: 19.4,
    }
    assert (thermostat.attributes[ATTR_TARGET_TEMP_LOW], thermostat.attributes[ATTR_TARGET_TEMP_HIGH]) == (
        19,
        24,
    )
    assert (thermostat.attributes[ATTR_FAN_MODE], thermostat.attributes[ATTR_PRESET_MODE]) == ("auto", "eco")
    aircon = hass.states.get(AIRCON)
    assert aircon.state == "dry"
    assert (aircon.attributes[ATTR_CURRENT_HUMIDITY], aircon.attributes[ATTR_HUMIDITY]) == (61, 45)
    assert aircon.attributes[ATTR_SWING_MODE] == "both"
    boiler = hass.states.get("climate.house_boiler").attributes
    assert (boiler[ATTR_CURRENT_TEMPERATURE], boiler[ATTR_TEMPERATURE]) == (22, 35)  # 71.6 and 95 °F

    await house.set_state("thermostat", "cool", preset_mode="away")  # not announced: dropped whole
    await house.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.house_barrier")() == "after")
    assert state_of(hass, THERMOSTAT)() == "heat_cool"


async def test_every_service(hass: HomeAssistant, house: Device) -> None:
    """Each service is one command; the state the device confirms is shown when it returns."""
    await _call(hass, SERVICE_SET_HVAC_MODE, THERMOSTAT, **{ATTR_HVAC_MODE: "heat"})
    assert state_of(hass, THERMOSTAT)() == "heat"
    await _call(hass, SERVICE_SET_TEMPERATURE, THERMOSTAT, **{ATTR_TEMPERATURE: 21.5})
    assert hass.states.get(THERMOSTAT).attributes[ATTR_TEMPERATURE] == 21.5
    await _call(
        hass,
        SERVICE_SET_TEMPERATURE,
        THERMOSTAT,
        **{ATTR_HVAC_MODE: "heat_cool", ATTR_TARGET_TEMP_LOW: 19, ATTR_TARGET_TEMP_HIGH: 24},
    )
    thermostat = hass.states.get(THERMOSTAT)
    assert thermostat.state == "heat_cool"
    assert (thermostat.attributes[ATTR_TARGET_TEMP_LOW], thermostat.attributes[ATTR_TARGET_TEMP_HIGH]) == (
        19,
        24,
    )
    await _call(hass, SERVICE_SET_FAN_MODE, THERMOSTAT, **{ATTR_FAN_MODE: "low"})
    await _call(hass, SERVICE_SET_PRESET_MODE, THERMOSTAT, **{ATTR_PRESET_MODE: "comfort"})
    thermostat = hass.states.get(THERMOSTAT)
    assert (thermostat.attributes[ATTR_FAN_MODE], thermostat.attributes[ATTR_PRESET_MODE]) == (
        "low",
        "comfort",
    )
    await _call(hass, SERVICE_TURN_OFF, THERMOSTAT)
    assert state_of(hass, THERMOSTAT)() == "off"
    await _call(hass, SERVICE_TURN_ON, THERMOSTAT)  # back to the mode it was in
    assert state_of(hass, THERMOSTAT)() == "heat_cool"

    await _call(hass, SERVICE_SET_HUMIDITY, AIRCON, **{ATTR_HUMIDITY: 40})
    await _call(hass, SERVICE_SET_SWING_MODE, AIRCON, **{ATTR_SWING_MODE: "vertical"})
    await _call(hass, SERVICE_SET_SWING_HORIZONTAL_MODE, AIRCON, **{ATTR_SWING_HORIZONTAL_MODE: "on"})
    aircon = hass.states.get(AIRCON).attributes
    assert (aircon[ATTR_HUMIDITY], aircon[ATTR_SWING_MODE], aircon[ATTR_SWING_HORIZONTAL_MODE]) == (
        40,
        "vertical",
        "on",
    )
    await _call(hass, SERVICE_TURN_ON, AIRCON)  # never on before: the first mode announced after off
    assert state_of(hass, AIRCON)() == "cool"

    assert house.commands == [
        ("thermostat", {"hvac_mode": "heat"}),
        ("thermostat", {"target_temperature": 21.5}),
        (
            "thermostat",
            {"hvac_mode": "heat_cool", "target_temperature_low": 19, "target_temperature_high": 24},
        ),
        ("thermostat", {"fan_mode": "low"}),
        ("thermostat", {"preset_mode": "comfort"}),
        ("thermostat", {"hvac_mode": "off"}),
        ("thermostat", {"hvac_mode": "heat_cool"}),
        ("aircon", {"target_humidity": 40}),
        ("aircon", {"swing_mode": "vertical"}),
        ("aircon", {"swing_horizontal_mode": "on"}),
        ("aircon", {"hvac_mode": "cool"}),
    ]


async def test_fahrenheit_entity(hass: HomeAssistant, house: Device) -> None:
    """Home Assistant converts its °C into the entity's announced °F before sending."""
    await _call(hass, SERVICE_SET_TEMPERATURE, "climate.house_boiler", **{ATTR_TEMPERATURE: 20})
    assert house.commands == [("boiler", {"target_temperature": 68})]
    assert hass.states.get("climate.house_boiler").attributes[ATTR_TEMPERATURE] == 20


async def test_device_refusal(hass: HomeAssistant, house: Device) -> None:
    """A command the device refuses fails the action with its reason; the state stays."""
    await house.set_state("thermostat", "heat", preset_mode="eco")
    await wait_for(hass, lambda: state_of(hass, THERMOSTAT)() == "heat")
    house.entities["thermostat"]["preset_modes"] = ["eco"]  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_PRESET_MODE, THERMOSTAT, **{ATTR_PRESET_MODE: "comfort"})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device House rejected the command: preset_mode 'comfort' not announced"
    assert hass.states.get(THERMOSTAT).attributes[ATTR_PRESET_MODE] == "eco"


async def test_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, house: Device) -> None:
    """A climate entity that does not answer in time fails the action, saying so."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    house.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_HVAC_MODE, THERMOSTAT, **{ATTR_HVAC_MODE: "cool"})
    assert err.value.translation_key == "command_timeout"
    assert str(err.value) == "Device House did not answer within 0.5 s"
    assert state_of(hass, THERMOSTAT)() == STATE_UNKNOWN
