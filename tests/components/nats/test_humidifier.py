"""Humidifiers: device class, modes and range become Home Assistant's; every service reaches the device."""

from __future__ import annotations

from typing import Any

import pytest

from homeassistant.components.humidifier import (
    ATTR_ACTION,
    ATTR_AVAILABLE_MODES,
    ATTR_CURRENT_HUMIDITY,
    ATTR_HUMIDITY,
    ATTR_MAX_HUMIDITY,
    ATTR_MIN_HUMIDITY,
    SERVICE_SET_HUMIDITY,
    SERVICE_SET_MODE,
    HumidifierEntityFeature,
)
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_MODE,
    ATTR_SUPPORTED_FEATURES,
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
        "platform": "humidifier",
        "id": "bedroom",
        "name": "Bedroom",
        "device_class": "humidifier",
        "modes": ["normal", "eco", "sleep"],
        "min_humidity": 30,
        "max_humidity": 80,
    },
    {"platform": "humidifier", "id": "basement", "name": "Basement", "device_class": "dehumidifier"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
BEDROOM = "humidifier.air_bedroom"
BASEMENT = "humidifier.air_basement"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("humidifier", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def air(hass: HomeAssistant, setup_entry: Any, device_factory: DeviceFactory) -> Device:
    """A device with a humidifier with modes and a plain dehumidifier, in Home Assistant."""
    device = await device_factory("air", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.air_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, air: Device) -> None:
    """Each entity has its device class, humidity range and, when announced, modes."""
    bedroom = hass.states.get(BEDROOM).attributes
    assert bedroom[ATTR_SUPPORTED_FEATURES] == HumidifierEntityFeature.MODES
    assert bedroom[ATTR_AVAILABLE_MODES] == ["normal", "eco", "sleep"]
    assert (bedroom[ATTR_MIN_HUMIDITY], bedroom[ATTR_MAX_HUMIDITY]) == (30, 80)
    assert bedroom[ATTR_DEVICE_CLASS] == "humidifier"
    basement = hass.states.get(BASEMENT).attributes
    assert basement[ATTR_SUPPORTED_FEATURES] == 0
    assert (basement[ATTR_MIN_HUMIDITY], basement[ATTR_MAX_HUMIDITY]) == (0, 100)
    assert basement[ATTR_DEVICE_CLASS] == "dehumidifier"
    assert ATTR_AVAILABLE_MODES not in basement
    assert state_of(hass, BEDROOM)() == STATE_UNKNOWN


async def test_states(hass: HomeAssistant, air: Device) -> None:
    """On/off, mode, humidities and action are shown; an invalid state is dropped whole."""
    await air.set_state(
        "bedroom", "ON", mode="sleep", target_humidity=45, current_humidity=38.5, action="humidifying"
    )
    await air.set_state("basement", "OFF", current_humidity=70, action="off")
    await wait_for(hass, lambda: state_of(hass, BASEMENT)() == STATE_OFF)
    bedroom = hass.states.get(BEDROOM)
    assert bedroom.state == STATE_ON
    assert (bedroom.attributes[ATTR_MODE], bedroom.attributes[ATTR_HUMIDITY]) == ("sleep", 45)
    assert bedroom.attributes[ATTR_CURRENT_HUMIDITY] == 38.5
    assert bedroom.attributes[ATTR_ACTION] == "humidifying"
    assert hass.states.get(BASEMENT).attributes[ATTR_ACTION] == "off"

    await air.set_state("bedroom", "ON", mode="boost")  # not announced
    await air.set_state("bedroom", "ON", target_humidity=90)  # above max_humidity
    await air.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.air_barrier")() == "after")
    assert hass.states.get(BEDROOM).attributes[ATTR_MODE] == "sleep"


async def test_every_service(hass: HomeAssistant, air: Device) -> None:
    """Each service is one command; the state the device confirms is shown when it returns."""

    def shown() -> tuple[str, Any, Any]:
        state = hass.states.get(BEDROOM)
        return state.state, state.attributes.get(ATTR_HUMIDITY), state.attributes.get(ATTR_MODE)

    await _call(hass, SERVICE_TURN_ON, BEDROOM)
    assert shown() == (STATE_ON, None, None)
    await _call(hass, SERVICE_SET_HUMIDITY, BEDROOM, **{ATTR_HUMIDITY: 55})
    assert shown() == (STATE_ON, 55, None)
    await _call(hass, SERVICE_SET_MODE, BEDROOM, **{ATTR_MODE: "eco"})
    assert shown() == (STATE_ON, 55, "eco")
    await _call(hass, SERVICE_TURN_OFF, BEDROOM)
    assert shown()[0] == STATE_OFF
    await _call(hass, SERVICE_SET_HUMIDITY, BASEMENT, **{ATTR_HUMIDITY: 40})
    assert hass.states.get(BASEMENT).attributes[ATTR_HUMIDITY] == 40

    assert air.commands == [
        ("bedroom", {"state": "ON"}),
        ("bedroom", {"target_humidity": 55}),
        ("bedroom", {"mode": "eco"}),
        ("bedroom", {"state": "OFF"}),
        ("basement", {"target_humidity": 40}),
    ]


async def test_refusals(hass: HomeAssistant, air: Device) -> None:
    """The device's refusal fails the service with its reason; Home Assistant checks the announced range itself."""
    await air.set_state("bedroom", "ON", mode="eco")
    await wait_for(hass, lambda: state_of(hass, BEDROOM)() == STATE_ON)
    air.entities["bedroom"]["modes"] = ["normal"]  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_MODE, BEDROOM, **{ATTR_MODE: "sleep"})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Air rejected the command: mode 'sleep' not announced"
    assert hass.states.get(BEDROOM).attributes[ATTR_MODE] == "eco"

    with pytest.raises(ServiceValidationError):
        await _call(hass, SERVICE_SET_HUMIDITY, BEDROOM, **{ATTR_HUMIDITY: 90})
    assert air.commands == [("bedroom", {"mode": "sleep"})]
