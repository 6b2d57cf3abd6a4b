"""Sensors and device classes: what Home Assistant cannot use is dropped, loudly."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_DEVICE_CLASS, STATE_UNKNOWN
from homeassistant.core import HomeAssistant

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for


async def test_unknown_device_class(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device class Home Assistant does not know is ignored; the entity still works."""
    device = await device_factory("lab", [{"platform": "switch", "id": "relay", "device_class": "warp_core"}])
    await device.set_state("relay", "ON")
    await wait_for(hass, lambda: state_of(hass, "switch.lab_relay")() == "on")
    assert ATTR_DEVICE_CLASS not in hass.states.get("switch.lab_relay").attributes
    assert "Device lab: ignoring unknown switch device class 'warp_core' of entity relay" in caplog.text


async def test_enum_sensor_shown_as_text(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An enum sensor announced without options (protocol 1.0-1.2) is shown as text."""
    device = await device_factory("lab", [{"platform": "sensor", "id": "phase", "device_class": "enum"}])
    await device.set_state("phase", "waxing")
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_phase")() == "waxing")
    assert "text sensor phase cannot use device class 'enum' without options" in caplog.text


async def test_numeric_flag(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """numeric: true makes a unitless sensor numeric; numeric: false makes a text sensor."""
    device = await device_factory(
        "lab",
        [
            {"platform": "sensor", "id": "count", "numeric": True},
            {
                "platform": "sensor",
                "id": "code",
                "device_class": "temperature",
                "numeric": False,
            },
            {"platform": "sensor", "id": "boot", "device_class": "timestamp", "numeric": True},
        ],
    )
    await device.set_state("count", 3)
    await device.set_state("code", "A7")
    await device.set_state("boot", 1767225600)
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_boot")() not in (None, STATE_UNKNOWN))
    assert hass.states.get("sensor.lab_count").attributes.get("state_class") is None
    assert state_of(hass, "sensor.lab_count")() == "3"
    code = hass.states.get("sensor.lab_code")
    assert (code.state, code.attributes.get("unit_of_measurement")) == ("A7", None)
    assert "text sensor code cannot use device class 'temperature'" in caplog.text
    assert state_of(hass, "sensor.lab_boot")() == "2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("device_class", "good", "bad"),
    [
        ("timestamp", "2026-01-02T03:04:05+01:00", "2026-01-02T03:04:05"),
        ("timestamp", "2026-01-02T03:04:05+01:00", "yesterday"),
        ("date", "2026-01-02", "yesterday"),
    ],
)
async def test_time_sensors(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
    device_class: str,
    good: str,
    bad: str,
) -> None:
    """Timestamps need a time zone and dates must be ISO 8601; an invalid one is dropped.

    The sensor keeps its last good value, as for every other invalid state.
    """
    device = await device_factory(
        "lab",
        [
            {"platform": "sensor", "id": "when", "device_class": device_class},
            {"platform": "sensor", "id": "barrier"},
        ],
    )
    await device.set_state("when", good)
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_when")() not in (None, STATE_UNKNOWN))
    shown = state_of(hass, "sensor.lab_when")()
    assert shown.startswith(good[:10])
    await device.set_state("when", bad)
    await device.set_state("barrier", "after")  # handled after the bad state
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_barrier")() == "after")
    assert state_of(hass, "sensor.lab_when")() == shown
    assert f"Ignoring state on home.devices.lab.sensor.when.state: {bad!r} is not an ISO 8601" in caplog.text
