"""Who enforces a light's colour temperature range (docs/protocol.md, Light ranges)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.light import (
    ATTR_COLOR_TEMP_KELVIN,
    ATTR_MAX_COLOR_TEMP_KELVIN,
    ATTR_MIN_COLOR_TEMP_KELVIN,
)
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

STRIP = {
    "platform": "light",
    "id": "strip",
    "color_modes": ["color_temp", "rgb"],
    "min_kelvin": 2200,
    "max_kelvin": 6000,
}
BARRIER = {"platform": "sensor", "id": "barrier"}


async def test_state_outside_the_range_is_dropped(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A state whose colour temperature lies outside min..max is invalid, like an unannounced mode."""
    device = await device_factory("lab", [STRIP, BARRIER])
    await device.set_state("strip", "ON", brightness=200, color_mode="color_temp", color_temp_kelvin=2700)
    await wait_for(hass, lambda: state_of(hass, "light.lab_strip")() == "on")
    attributes = hass.states.get("light.lab_strip").attributes
    assert (attributes[ATTR_MIN_COLOR_TEMP_KELVIN], attributes[ATTR_MAX_COLOR_TEMP_KELVIN]) == (2200, 6000)
    assert attributes[ATTR_COLOR_TEMP_KELVIN] == 2700

    await device.set_state("strip", "OFF", color_mode="color_temp", color_temp_kelvin=1800)
    await device.set_state("barrier", "after")  # handled after the bad state
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_barrier")() == "after")
    strip = hass.states.get("light.lab_strip")
    assert (strip.state, strip.attributes[ATTR_COLOR_TEMP_KELVIN]) == ("on", 2700)
    assert (
        "Ignoring state on home.devices.lab.light.strip.state: "
        "color_temp_kelvin 1800 is outside the announced range 2200..6000"
    ) in caplog.text


@pytest.mark.parametrize(("requested", "sent"), [(1500, 2200), (9000, 6000), (4000, 4000)])
async def test_commands_are_clamped_to_the_range(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    requested: int,
    sent: int,
) -> None:
    """Home Assistant 2026.10 does not clamp colour temperatures; the integration does."""
    device = await device_factory("lab", [STRIP])
    await wait_for(hass, lambda: hass.states.get("light.lab_strip") is not None)
    await hass.services.async_call(
        "light",
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: "light.lab_strip", ATTR_COLOR_TEMP_KELVIN: requested},
        blocking=True,
    )
    command: dict[str, Any] = device.commands[-1][1]
    assert command["color_temp_kelvin"] == sent
    assert hass.states.get("light.lab_strip").attributes[ATTR_COLOR_TEMP_KELVIN] == sent
