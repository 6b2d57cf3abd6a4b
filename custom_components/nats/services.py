"""The integration's actions: provisioning and revoking device credentials (operator mode)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import probatio as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv

from .const import DOMAIN
from .device_credentials import DeviceCredentials, Provisioned, credential_error
from .message_trace import async_setup_trace_action
from .runtime import NatsConfigEntry

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_LIFETIME: Final = "lifetime"
SERVICE_PROVISION_DEVICE: Final = "provision_device"
SERVICE_REVOKE_DEVICE: Final = "revoke_device"
MIN_LIFETIME: Final = timedelta(seconds=1)

_TARGET: Final = {
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    vol.Required(ATTR_DEVICE_ID): cv.string,
}
PROVISION_SCHEMA: Final = vol.Schema(
    {**_TARGET, vol.Optional(ATTR_LIFETIME): vol.All(cv.time_period, vol.Range(min=MIN_LIFETIME))}
)
REVOKE_SCHEMA: Final = vol.Schema(_TARGET)


def _credentials_of(hass: HomeAssistant, call: ServiceCall) -> DeviceCredentials:
    """Return the credentials of the entry the call names, or of the only loaded entry."""
    entries: list[NatsConfigEntry] = [
        entry for entry in hass.config_entries.async_entries(DOMAIN) if entry.state is ConfigEntryState.LOADED
    ]
    if (entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID)) is not None:
        entries = [entry for entry in entries if entry.entry_id == entry_id]
        if not entries:
            raise credential_error("entry_not_loaded", entry=entry_id)
    elif len(entries) != 1:
        raise credential_error("entry_required", count=str(len(entries)))
    entry = entries[0]
    if entry.runtime_data.credentials is None:
        raise credential_error("not_operator_mode", entry=entry.title)
    return entry.runtime_data.credentials


def provisioned_response(provisioned: Provisioned) -> dict[str, Any]:
    """Return what the provision action answers: everything the device needs, shown once."""
    return {
        "device_id": provisioned.device_id,
        "public_key": provisioned.record.public_key,
        "expires": datetime.fromtimestamp(provisioned.record.expires, UTC).isoformat(),
        "creds": provisioned.credentials.creds_file(),
        "secrets_yaml": provisioned.secrets_yaml,
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once for the integration (they find their entry per call)."""

    async def _provision(call: ServiceCall) -> ServiceResponse:
        credentials = _credentials_of(hass, call)
        lifetime: timedelta | None = call.data.get(ATTR_LIFETIME)
        provisioned = await credentials.async_provision(
            call.data[ATTR_DEVICE_ID], int(lifetime.total_seconds()) if lifetime is not None else None
        )
        return provisioned_response(provisioned)

    async def _revoke(call: ServiceCall) -> None:
        await _credentials_of(hass, call).async_revoke(call.data[ATTR_DEVICE_ID])

    hass.services.async_register(
        DOMAIN,
        SERVICE_PROVISION_DEVICE,
        _provision,
        schema=PROVISION_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(DOMAIN, SERVICE_REVOKE_DEVICE, _revoke, schema=REVOKE_SCHEMA)
    async_setup_trace_action(hass)
