"""Device trackers: a GPS position put in Home Assistant's zones, or presence as home or not_home."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.device_tracker import ATTR_SOURCE_TYPE, SourceType
from homeassistant.const import (
    ATTR_GPS_ACCURACY,
    ATTR_LATITUDE,
    ATTR_LONGITUDE,
    STATE_HOME,
    STATE_NOT_HOME,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "device_tracker", "id": "car", "name": "Car", "source_type": "gps"},
    {
        "platform": "device_tracker",
        "id": "phone",
        "name": "Phone",
        "source_type": "router",
        "category": "config",
    },
    {"platform": "device_tracker", "id": "keys", "name": "Keys", "source_type": "bluetooth_le"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
CAR = "device_tracker.tracker_car"
PHONE = "device_tracker.tracker_phone"
KEYS = "device_tracker.tracker_keys"
OFFICE = {"latitude": 52.3600, "longitude": 4.8800}


@pytest.fixture
async def tracker(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device tracking a car by GPS, a phone on its router and keys by Bluetooth LE."""
    hass.config.latitude, hass.config.longitude = 52.3731, 4.8922
    assert await async_setup_component(hass, "zone", {"zone": [{"name": "Office", **OFFICE, "radius": 100}]})
    device = await device_factory("tracker", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.tracker_barrier") is not None)
    return device


async def _barrier(hass: HomeAssistant, device: Device, value: str) -> None:
    await device.set_state("barrier", value)
    await wait_for(hass, lambda: state_of(hass, "sensor.tracker_barrier")() == value)


async def test_discovery(hass: HomeAssistant, tracker: Device) -> None:
    """Each tracker has its source type, is unknown until the device says, and is diagnostic unless announced."""
    assert hass.states.get(CAR).attributes[ATTR_SOURCE_TYPE] == SourceType.GPS
    assert hass.states.get(PHONE).attributes[ATTR_SOURCE_TYPE] == SourceType.ROUTER
    assert hass.states.get(KEYS).attributes[ATTR_SOURCE_TYPE] == SourceType.BLUETOOTH_LE
    assert [state_of(hass, entity)() for entity in (CAR, PHONE, KEYS)] == [STATE_UNKNOWN] * 3
    registry = er.async_get(hass)
    assert registry.async_get(CAR).entity_category is EntityCategory.DIAGNOSTIC  # Home Assistant's default
    assert registry.async_get(PHONE).entity_category is EntityCategory.CONFIG
    assert registry.async_get(CAR).device_id == registry.async_get(PHONE).device_id is not None


async def test_gps(hass: HomeAssistant, tracker: Device) -> None:
    """Home Assistant places the position in its zones; an invalid position is dropped; null is unknown."""
    await tracker.set_state("car", "located", latitude=52.3731, longitude=4.8922, gps_accuracy=12)
    await wait_for(hass, lambda: state_of(hass, CAR)() == STATE_HOME)
    car = hass.states.get(CAR).attributes
    assert (car[ATTR_LATITUDE], car[ATTR_LONGITUDE], car[ATTR_GPS_ACCURACY]) == (52.3731, 4.8922, 12)

    await tracker.set_state("car", "located", **OFFICE)
    await wait_for(hass, lambda: state_of(hass, CAR)() == "Office")
    assert hass.states.get(CAR).attributes[ATTR_GPS_ACCURACY] == 0
    await tracker.set_state("car", "located", latitude=48.8566, longitude=2.3522)
    await wait_for(hass, lambda: state_of(hass, CAR)() == STATE_NOT_HOME)

    await tracker.set_state("car", "located", latitude=91, longitude=2)  # invalid: dropped
    await tracker.set_state("car", "home")  # a GPS tracker's zone comes from its position: dropped
    await _barrier(hass, tracker, "after")
    assert hass.states.get(CAR).attributes[ATTR_LATITUDE] == 48.8566

    await tracker.set_state("car", None)  # no fix
    await wait_for(hass, lambda: state_of(hass, CAR)() == STATE_UNKNOWN)
    assert ATTR_LATITUDE not in hass.states.get(CAR).attributes


async def test_presence(hass: HomeAssistant, tracker: Device) -> None:
    """A router or Bluetooth tracker is home or not_home as the device sees it."""
    await tracker.set_state("phone", "home")
    await tracker.set_state("keys", "not_home")
    await wait_for(hass, lambda: state_of(hass, KEYS)() == STATE_NOT_HOME)
    assert state_of(hass, PHONE)() == STATE_HOME
    assert hass.states.get(PHONE).attributes["in_zones"] == ["zone.home"]

    await tracker.set_state("phone", "located", latitude=1, longitude=2)  # not a presence word: dropped
    await _barrier(hass, tracker, "after")
    assert state_of(hass, PHONE)() == STATE_HOME
    await tracker.set_state("phone", None)
    await wait_for(hass, lambda: state_of(hass, PHONE)() == STATE_UNKNOWN)
