"""Diagnostics: connection, devices and their last states, with secrets redacted."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from typing import Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import (
    CONF_CREDENTIALS,
    CONF_NKEY_SEED,
    CONF_OPERATOR_BUNDLE,
    CONF_TLS_CA,
    CONF_TLS_CLIENT_CERT,
    CONF_TLS_CLIENT_KEY,
    CONF_TOKEN,
)
from .device_options import command_timeout
from .device_runtime import DeviceRuntime
from .hub import NatsHub
from .identity import device_id_of
from .runtime import NatsConfigEntry

TO_REDACT: Final = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_TOKEN,
    CONF_NKEY_SEED,
    CONF_CREDENTIALS,
    CONF_OPERATOR_BUNDLE,
    CONF_TLS_CA,
    CONF_TLS_CLIENT_CERT,
    CONF_TLS_CLIENT_KEY,
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
        "messages": messages_for_diagnostics(hub),
        "retention": {
            "available": hub.retention.available,
            "mismatches": hub.retention.mismatches,
            "restored_at_start": asdict(hub.restored),
        },
        "last_discovery": _last_gather(hub),
        "settings_store": {"bucket": hub.device_config.bucket, "available": hub.device_config.available},
        "device_credentials": _device_credentials(entry),
        "server_health": health.as_diagnostics() if (health := entry.runtime_data.health) else None,
        "devices": {
            device_id: {
                "announcement": async_redact_data(asdict(device.announcement), TO_REDACT),
                "available": hub.is_device_available(device_id),
                # How long ago it was last heard; after a restart, measured from the server's timestamps.
                "last_heard_seconds_ago": _seconds_ago(hass, device.liveness.last_seen),
                "states": _states(device),
                "settings": {
                    setting.id: hub.device_config.value(device_id, setting.id)
                    for setting in device.announcement.config
                },
            }
            for device_id, device in sorted(hub.devices.items())
        },
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: NatsConfigEntry, device_entry: DeviceEntry
) -> dict[str, Any]:
    """Return why one device did not do what it was told: its recent commands, states and messages.

    Keys: `device` (what it announced, whether it is available, when last
    heard), `states` (its entities' last states), `commands` (the last ones
    with outcome and round-trip time; codes redacted), `availability` (its
    changes and their causes), `refused_messages` (what was ignored and why),
    `logs` (its recent log lines, when it publishes them).
    """
    hub = entry.runtime_data.hub
    found = (device_id_of(entry.entry_id, identifier) for identifier in device_entry.identifiers)
    device_id = next((device_id for device_id in found if device_id is not None), None)
    device = hub.devices.get(device_id) if device_id is not None else None
    if device_id is None or device is None:
        # The server's own device, or a device not announced since Home Assistant started.
        return {"device": {"id": device_id, "known": False}}
    return {
        "device": {
            "id": device_id,
            "known": True,
            "announcement": async_redact_data(asdict(device.announcement), TO_REDACT),
            "available": hub.is_device_available(device_id),
            "last_heard_seconds_ago": _seconds_ago(hass, device.liveness.last_seen),
            "heartbeat_window": device.liveness.window,
            "command_timeout": command_timeout(entry.options, device_id),
        },
        "states": _states(device),
        **async_redact_data(device.history.as_diagnostics(), TO_REDACT),
        "logs": hub.device_logs.recent(device_id),
    }


def messages_for_diagnostics(hub: NatsHub) -> dict[str, Any]:
    """Return what became of the messages received, and the client's own counts."""
    client = hub.client
    return {
        **asdict(hub.counters),
        "states_waiting_for_announcement": len(hub.early_states),
        "states_evicted_before_announcement": hub.early_states.evicted,
        # How far apart each entity's state writes are kept now (write_pacer.py: longer in a flood).
        "state_write_interval_s": round(hub.write_pacer.interval, 3),
        "client": dict(client.stats) if client is not None else None,
    }


def _device_credentials(entry: NatsConfigEntry) -> dict[str, Any] | None:
    """Return what is kept about each provisioned device (public keys and times; never a seed)."""
    credentials = entry.runtime_data.credentials
    if credentials is None:
        return None
    return {
        "lifetime": credentials.lifetime,
        "devices": {
            device_id: {
                **record.as_dict(),
                "issued": _iso(record.issued),
                "expires": _iso(record.expires),
                "last_renewal": {
                    "at": _iso(record.last_renewal.at),
                    "ok": record.last_renewal.ok,
                    "error": record.last_renewal.error,
                }
                if record.last_renewal is not None
                else None,
            }
            for device_id, record in sorted(credentials.store.devices.items())
        },
    }


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _last_gather(hub: NatsHub) -> dict[str, Any] | None:
    """Return which devices answered the last discovery request."""
    gather = hub.presence.last_gather
    if gather is None:
        return None
    return {"answered": sorted(gather.answered), "silent": sorted(set(hub.devices) - gather.answered)}


def _seconds_ago(hass: HomeAssistant, loop_time: float) -> float | None:
    return round(hass.loop.time() - loop_time, 1) if loop_time else None


def _states(device: DeviceRuntime) -> dict[str, Any]:
    """Return a device's last states keyed 'platform.entity'."""
    return {
        f"{platform}.{entity_id}": asdict(value)
        if is_dataclass(value) and not isinstance(value, type)
        else value
        for (platform, entity_id), value in sorted(device.states.items())
    }
