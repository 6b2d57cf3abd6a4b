"""Diagnostics: connection, devices and their last states, with secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import CONF_CREDENTIALS, CONF_NKEY_SEED, CONF_TLS_CA, CONF_TOKEN
from .runtime import NatsConfigEntry

TO_REDACT: Final = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_TOKEN,
    CONF_NKEY_SEED,
    CONF_CREDENTIALS,
    CONF_TLS_CA,
    "mac",
}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: NatsConfigEntry) -> dict[str, Any]:
    """Return what a maintainer needs to see why a device misbehaves."""
    hub = entry.runtime_data.hub
    client = hub.client
    server = client.connected_server_version if client is not None and client.is_connected else None
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "connection": {
            "connected": hub.connected,
            "server_version": str(server) if server else None,
            "prefix": hub.subjects.prefix,
            "command_timeout": hub.command_timeout,
        },
        "messages": hub.messages_for_diagnostics(),
        "devices": {
            device_id: {
                "announcement": async_redact_data(asdict(device.announcement), TO_REDACT),
                "available": hub.is_device_available(device_id),
                "states": hub.states_for_diagnostics(device_id),
            }
            for device_id, device in sorted(hub.devices.items())
        },
    }
