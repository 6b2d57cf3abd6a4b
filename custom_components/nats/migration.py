"""Config entry migrations: 1.1 → 1.2 scopes devices and entities to their entry (identity.py).

Entries made before 1.2 registered devices as (nats, <device id>) and
entities as `<device id>:<kind>:<id>`. Both are rewritten in place, so the
registry entries, and with them the user's entity ids, names, areas and
history, stay; only the keys change. The entry's unique id gains the
authenticated identity (entry_identity.py).
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN
from .entry_identity import entry_unique_id
from .identity import device_identifier
from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)

CURRENT_MINOR_VERSION: Final = 2


async def async_migrate(hass: HomeAssistant, entry: NatsConfigEntry) -> bool:
    """Bring an entry's registry entries and unique id to the current version."""
    if entry.version > 1:
        return False  # made by a newer version of the integration
    if entry.minor_version < 2:
        _migrate_devices(hass, entry)
        await er.async_migrate_entries(hass, entry.entry_id, _scoped_unique_id(entry.entry_id))
        hass.config_entries.async_update_entry(entry, unique_id=entry_unique_id(entry.data), minor_version=2)
        _LOGGER.debug("Migrated %s to version 1.2: devices and entities scoped to the entry", entry.title)
    return True


def _migrate_devices(hass: HomeAssistant, entry: NatsConfigEntry) -> None:
    """Rewrite (nats, <device id>) to the entry's scoped identifier, in the same device entry."""
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        old = {value for domain, value in device.identifiers if domain == DOMAIN and ":" not in value}
        if old:
            identifiers = {i for i in device.identifiers if i[0] != DOMAIN or i[1] not in old}
            identifiers |= {device_identifier(entry.entry_id, value) for value in old}
            devices.async_update_device(device.id, new_identifiers=identifiers)


def _scoped_unique_id(entry_id: str) -> Callable[[er.RegistryEntry], dict[str, str] | None]:
    @callback
    def _migrate(registry_entry: er.RegistryEntry) -> dict[str, str] | None:
        if registry_entry.platform != DOMAIN or registry_entry.unique_id.count(":") != 2:
            return None  # not ours, or scoped already
        return {"new_unique_id": f"{entry_id}:{registry_entry.unique_id}"}

    return _migrate
