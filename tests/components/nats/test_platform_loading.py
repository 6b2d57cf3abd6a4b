"""Home Assistant platforms are set up when a device first needs one, and every protocol platform has one."""

from __future__ import annotations

import importlib

from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from custom_components.nats.protocol.platforms import PLATFORMS

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for


def test_every_protocol_platform_has_a_home_assistant_module() -> None:
    """A platform the protocol knows but Home Assistant could not set up would lose its entities."""
    for name in PLATFORMS:
        Platform(name)  # Home Assistant has the platform
        module = importlib.import_module(f"custom_components.nats.{name}")
        assert callable(module.async_setup_entry), name
        assert module.PARALLEL_UPDATES == 0, name


async def test_only_announced_platforms_are_set_up(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """A home of switches loads the switch platform alone; a new sensor adds the sensor platform."""
    hub = setup_entry.runtime_data.hub
    assert hub.platforms.loaded == set()
    plug = await device_factory("plug", [{"platform": "switch", "id": "relay"}])
    await plug.set_state("relay", "ON")
    await wait_for(hass, lambda: state_of(hass, "switch.plug_relay")() == "on")
    assert hub.platforms.loaded == {Platform.SWITCH}

    await plug.set_entities(
        [{"platform": "switch", "id": "relay"}, {"platform": "sensor", "id": "watts", "unit": "W"}]
    )
    await plug.set_state("watts", 12)
    await wait_for(hass, lambda: state_of(hass, "sensor.plug_watts")() == "12")
    assert hub.platforms.loaded == {Platform.SWITCH, Platform.SENSOR}

    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    assert setup_entry.state is ConfigEntryState.NOT_LOADED
    assert hub.platforms.loaded == set()
    assert state_of(hass, "switch.plug_relay")() == "unavailable"
