"""Water heaters: announced modes and features become Home Assistant's; every service reaches the device."""

from __future__ import annotations

from typing import Any

import pytest

from homeassistant.components.water_heater import (
    ATTR_AWAY_MODE,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    ATTR_OPERATION_LIST,
    ATTR_OPERATION_MODE,
    ATTR_TARGET_TEMP_STEP,
    SERVICE_SET_AWAY_MODE,
    SERVICE_SET_OPERATION_MODE,
    SERVICE_SET_TEMPERATURE,
    WaterHeaterEntityFeature,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    ATTR_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "water_heater",
        "id": "boiler",
        "name": "Boiler",
        "operation_modes": ["off", "eco", "electric", "performance"],
        "supports_away_mode": True,
        "supports_on_off": True,
        "min_temp": 30,
        "max_temp": 70,
        "target_temperature_step": 0.5,
    },
    {"platform": "water_heater", "id": "tank", "name": "Tank"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = WaterHeaterEntityFeature
BOILER = "water_heater.cellar_boiler"
TANK = "water_heater.cellar_tank"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        "water_heater", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


@pytest.fixture
async def cellar(hass: HomeAssistant, setup_entry: Any, device_factory: DeviceFactory) -> Device:
    """A device with a full-featured boiler and a plain tank, in Home Assistant."""
    device = await device_factory("cellar", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.cellar_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, cellar: Device) -> None:
    """Each water heater offers the features, modes and range it announced."""
    boiler = hass.states.get(BOILER).attributes
    assert boiler[ATTR_SUPPORTED_FEATURES] == F.TARGET_TEMPERATURE | F.OPERATION_MODE | F.AWAY_MODE | F.ON_OFF
    assert boiler[ATTR_OPERATION_LIST] == ["off", "eco", "electric", "performance"]
    assert (boiler[ATTR_MIN_TEMP], boiler[ATTR_MAX_TEMP], boiler[ATTR_TARGET_TEMP_STEP]) == (30, 70, 0.5)
    tank = hass.states.get(TANK).attributes
    assert tank[ATTR_SUPPORTED_FEATURES] == F.TARGET_TEMPERATURE
    assert (tank[ATTR_MIN_TEMP], tank[ATTR_MAX_TEMP]) == (43, 60)  # the protocol's °C defaults
    assert ATTR_OPERATION_LIST not in tank
    assert ATTR_TARGET_TEMP_STEP not in tank
    assert state_of(hass, BOILER)() == STATE_UNKNOWN


async def test_states(hass: HomeAssistant, cellar: Device) -> None:
    """Mode, temperatures and away mode are shown; an invalid state is dropped whole."""
    await cellar.set_state("boiler", "eco", current_temperature=48.5, target_temperature=55, away_mode=True)
    await wait_for(hass, lambda: state_of(hass, BOILER)() == "eco")
    boiler = hass.states.get(BOILER).attributes
    assert (boiler[ATTR_CURRENT_TEMPERATURE], boiler[ATTR_TEMPERATURE]) == (48.5, 55)
    assert (boiler[ATTR_OPERATION_MODE], boiler[ATTR_AWAY_MODE]) == ("eco", STATE_ON)

    await cellar.set_state("boiler", "gas", target_temperature=50)  # mode not announced
    await cellar.set_state("boiler", "eco", target_temperature=80)  # above max_temp
    await cellar.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.cellar_barrier")() == "after")
    assert hass.states.get(BOILER).attributes[ATTR_TEMPERATURE] == 55

    # A heater without modes has no operation to show: its state stays unknown.
    await cellar.set_state("tank", None, current_temperature=51, target_temperature=55)
    await wait_for(hass, lambda: hass.states.get(TANK).attributes[ATTR_CURRENT_TEMPERATURE] == 51)
    assert state_of(hass, TANK)() == STATE_UNKNOWN


async def test_every_service(hass: HomeAssistant, cellar: Device) -> None:
    """Each service is one command; the state the device confirms is shown when it returns."""

    def shown() -> tuple[str, float | None, str]:
        state = hass.states.get(BOILER)
        return state.state, state.attributes[ATTR_TEMPERATURE], state.attributes[ATTR_AWAY_MODE]

    await _call(hass, SERVICE_SET_OPERATION_MODE, BOILER, **{ATTR_OPERATION_MODE: "electric"})
    assert shown() == ("electric", None, STATE_OFF)
    await _call(hass, SERVICE_SET_TEMPERATURE, BOILER, **{ATTR_TEMPERATURE: 62.5})
    assert shown() == ("electric", 62.5, STATE_OFF)
    await _call(hass, SERVICE_SET_TEMPERATURE, BOILER, **{ATTR_TEMPERATURE: 50, ATTR_OPERATION_MODE: "eco"})
    assert shown() == ("eco", 50, STATE_OFF)
    await _call(hass, SERVICE_SET_AWAY_MODE, BOILER, **{ATTR_AWAY_MODE: True})
    assert shown() == ("eco", 50, STATE_ON)
    await _call(hass, SERVICE_SET_AWAY_MODE, BOILER, **{ATTR_AWAY_MODE: False})
    await _call(hass, SERVICE_TURN_OFF, BOILER)
    await _call(hass, SERVICE_TURN_ON, BOILER)
    assert cellar.states["boiler"]["power"] == "ON"
    await _call(hass, SERVICE_SET_TEMPERATURE, TANK, **{ATTR_TEMPERATURE: 45})
    assert hass.states.get(TANK).attributes[ATTR_TEMPERATURE] == 45

    assert cellar.commands == [
        ("boiler", {"operation_mode": "electric"}),
        ("boiler", {"target_temperature": 62.5}),
        ("boiler", {"target_temperature": 50, "operation_mode": "eco"}),
        ("boiler", {"away_mode": True}),
        ("boiler", {"away_mode": False}),
        ("boiler", {"power": "OFF"}),
        ("boiler", {"power": "ON"}),
        ("tank", {"target_temperature": 45}),
    ]


async def test_refusals(hass: HomeAssistant, cellar: Device) -> None:
    """The device's refusal fails the service with its reason; a mode not offered never leaves."""
    await cellar.set_state("boiler", "eco", target_temperature=55)
    await wait_for(hass, lambda: state_of(hass, BOILER)() == "eco")
    cellar.entities["boiler"]["supports_away_mode"] = False  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_AWAY_MODE, BOILER, **{ATTR_AWAY_MODE: True})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Cellar rejected the command: away_mode not supported"

    with pytest.raises(ServiceValidationError):
        await _call(hass, SERVICE_SET_OPERATION_MODE, BOILER, **{ATTR_OPERATION_MODE: "gas"})
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_TEMPERATURE, TANK, **{ATTR_TEMPERATURE: 75})
    assert str(err.value) == "Device Cellar rejected the command: target_temperature 75 out of range 43..60"
    assert [entity for entity, _ in cellar.commands] == ["boiler", "tank"]
    assert state_of(hass, BOILER)() == "eco"
