"""NATS Home: devices that speak NATS appear in Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN
from .hub import NatsHub
from .runtime import NatsConfigEntry, NatsRuntimeData

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.LIGHT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup_entry(hass: HomeAssistant, entry: NatsConfigEntry) -> bool:
    """Connect to NATS, set up the platforms, then start discovery."""
    hub = NatsHub(hass, entry)
    await hub.async_connect()
    entry.runtime_data = NatsRuntimeData(hub)
    try:
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
        await hub.async_start()
    except Exception:
        await hub.async_stop()
        raise
    return True


async def async_unload_entry(hass: HomeAssistant, entry: NatsConfigEntry) -> bool:
    """Unload the platforms and close the connection."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.hub.async_stop()
    return unloaded


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: NatsConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device; it comes back if it announces again."""
    for domain, device_id in device.identifiers:
        if domain == DOMAIN:
            entry.runtime_data.hub.forget_device(device_id)
    return True
