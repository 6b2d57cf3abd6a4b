"""Buttons on a provisioned device's page: revoke its credentials, renew them now (operator mode).

Only devices this entry provisioned get them; they are Home Assistant's own
entities (named by translation key), not announced by the device.
"""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .device_credentials import DeviceCredentials
from .identity import device_identifier, unique_id
from .runtime import NatsConfigEntry


@callback
def async_setup_credential_buttons(
    entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the buttons of every provisioned device, and of each one provisioned later."""
    credentials = entry.runtime_data.credentials
    if credentials is None:
        return
    added: set[str] = set()

    @callback
    def _add(device_ids: list[str]) -> None:
        new = [device_id for device_id in device_ids if device_id not in added]
        added.update(new)
        async_add_entities(
            button
            for device_id in new
            for button in (
                RevokeCredentialsButton(credentials, device_id),
                RenewCredentialsButton(credentials, device_id),
            )
        )

    @callback
    def _added(device_id: str) -> None:
        _add([device_id])

    _add(list(credentials.store.devices))
    entry.async_on_unload(async_dispatcher_connect(credentials.hass, credentials.signal_added, _added))


class CredentialButton(ButtonEntity):
    """A button acting on one provisioned device's credentials; unavailable once they are revoked."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, credentials: DeviceCredentials, device_id: str) -> None:
        """Attach the button to the device's page (created by name if it has not announced yet)."""
        self._credentials = credentials
        self.device_id = device_id
        entry_id = credentials.entry.entry_id
        self._attr_unique_id = unique_id(entry_id, device_id, "credentials", str(self.translation_key))
        identifier = device_identifier(entry_id, device_id)
        if dr.async_get(credentials.hass).async_get_device_by_identifier(identifier, entry_id) is not None:
            self._attr_device_info = DeviceInfo(identifiers={identifier})
        else:
            self._attr_device_info = DeviceInfo(identifiers={identifier}, name=device_id)

    @property
    def available(self) -> bool:
        """Available while the device holds credentials that are not revoked."""
        record = self._credentials.store.get(self.device_id)
        return record is not None and not record.revoked

    async def async_added_to_hass(self) -> None:
        """Follow changes of the device's record (revoked, provisioned again)."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self._credentials.signal_changed(self.device_id), self.async_write_ha_state
            )
        )


class RevokeCredentialsButton(CredentialButton):
    """Revoke the device's key on the server: it is disconnected at once and never renewed."""

    _attr_translation_key = "revoke_credentials"

    async def async_press(self) -> None:
        """Revoke; a failure is a translated error."""
        await self._credentials.async_revoke(self.device_id)


class RenewCredentialsButton(CredentialButton):
    """Send the device a renewed JWT now instead of when a third of its lifetime is left."""

    _attr_translation_key = "renew_credentials"

    async def async_press(self) -> None:
        """Renew; a device that does not take it is a translated error."""
        await self._credentials.async_renew_now(self.device_id)
