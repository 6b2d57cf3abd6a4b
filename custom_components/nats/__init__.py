"""NATS Home: devices that speak NATS appear in Home Assistant."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import CONF_MONITORING_URL, DOMAIN
from .credential_store import CredentialStore
from .device_credentials import DeviceCredentials
from .hub import NatsHub
from .identity import device_id_of, server_identifier
from .migration import async_migrate
from .nats_actions import async_setup_nats_actions
from .operator_auth import is_operator_mode
from .retention import async_purge_device
from .runtime import NatsConfigEntry, NatsRuntimeData
from .server_health import ServerHealthCoordinator
from .services import async_setup_services

HEALTH_PLATFORMS = ("sensor", "binary_sensor")
"""Where the server's health entities are (health_entities.py)."""

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions (device credentials; publishing and requests on any subject)."""
    async_setup_services(hass)
    async_setup_nats_actions(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: NatsConfigEntry) -> bool:
    """Bring an entry made by an older version up to date (migration.py)."""
    return await async_migrate(hass, entry)


async def async_setup_entry(hass: HomeAssistant, entry: NatsConfigEntry) -> bool:
    """Connect to NATS and start discovery; platforms are set up as devices announce them."""
    hub = NatsHub(hass, entry)
    await hub.async_connect()
    credentials = DeviceCredentials(hass, entry, hub) if is_operator_mode(entry.data) else None
    health = (
        ServerHealthCoordinator(hass, entry, url) if (url := entry.options.get(CONF_MONITORING_URL)) else None
    )
    entry.runtime_data = NatsRuntimeData(hub, credentials, health)
    try:
        if credentials is not None:
            await credentials.async_load()  # before restored devices set up their buttons
        await hub.async_start()
        if credentials is not None:
            await credentials.async_start()
        if health is not None:
            # Not async_config_entry_first_refresh: the home works without its server's health.
            await health.async_refresh()
            await hub.platforms.async_set_up_now(HEALTH_PLATFORMS)
    except Exception:
        await hub.async_stop()
        raise
    return True


async def async_unload_entry(hass: HomeAssistant, entry: NatsConfigEntry) -> bool:
    """Unload the platforms and close the connection."""
    unloaded = await entry.runtime_data.hub.platforms.async_unload()
    if unloaded:
        await entry.runtime_data.hub.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: NatsConfigEntry) -> None:
    """Forget the devices the entry provisioned (their credentials stay valid until they expire)."""
    await CredentialStore(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: NatsConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device and what the server keeps of it; it comes back if it announces again.

    Not the NATS server's device while its health is watched: its entities
    would come back at the next reload; the monitoring URL option removes it.
    """
    if server_identifier(entry.entry_id) in device.identifiers:
        return entry.runtime_data.health is None
    hub = entry.runtime_data.hub
    for identifier in device.identifiers:
        if (device_id := device_id_of(entry.entry_id, identifier)) is not None:
            hub.forget_device(device_id)
            if hub.retention.available and hub.jetstream_client is not None and hub.connected:
                await async_purge_device(hub.jetstream_client, hub.subjects, device_id)
            await hub.device_config.async_forget(device_id)
    return True
