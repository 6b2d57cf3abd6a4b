"""Enum sensors: device class enum with announced options (protocol 1.3)."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.sensor import ATTR_OPTIONS, SensorDeviceClass
from homeassistant.const import ATTR_DEVICE_CLASS
from homeassistant.core import HomeAssistant

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

PHASES = ["new", "waxing", "full", "waning"]


async def test_enum_sensor_with_options(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The device class and options reach Home Assistant; a state outside them is dropped."""
    device = await device_factory(
        "lab",
        [
            {"platform": "sensor", "id": "phase", "device_class": "enum", "options": PHASES},
            {"platform": "sensor", "id": "barrier"},
        ],
    )
    await device.set_state("phase", "waxing")
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_phase")() == "waxing")
    attributes = hass.states.get("sensor.lab_phase").attributes
    assert attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.ENUM
    assert attributes[ATTR_OPTIONS] == PHASES
    assert "cannot use device class" not in caplog.text

    await device.set_state("phase", "gibbous")
    await device.set_state("barrier", "after")  # handled after the bad state
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_barrier")() == "after")
    assert state_of(hass, "sensor.lab_phase")() == "waxing"
    assert "Ignoring state on home.devices.lab.sensor.phase.state: option 'gibbous' was not announced" in (
        caplog.text
    )
