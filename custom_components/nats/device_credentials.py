"""Operator mode: minting, revoking and renewing per-device credentials for one entry.

Home Assistant holds the home's account signing key (in the operator bundle
of its config entry) and signs one user per device; nats-server enforces
each user's permissions and expiry. Renewal runs in renewal.py; this module
provisions and revokes, and owns what is stored about each device.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send

import nats.errors

from .connection import ConnectionFailedError, async_open, async_tls_context
from .const import DOMAIN
from .credential_store import CredentialStore, DeviceCredential
from .operator_auth import bundle_of, credential_lifetime, jwt_auth
from .protocol.credentials import AccountUpdateError, mint_device, revoke_device, secrets_snippet
from .protocol.operator import UserCredentials
from .protocol.tokens import is_valid_token
from .protocol.transport import NatsMsg
from .renewal import Renewal, expiring_issue_id

if TYPE_CHECKING:
    from .hub import NatsHub
    from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)

BUTTON_PLATFORM: Final = "button"
"""Where a provisioned device's Revoke and Renew buttons live."""


def credential_error(key: str, **placeholders: str) -> HomeAssistantError:
    """Return a translated error of the credential actions and buttons."""
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


@dataclass(frozen=True, slots=True)
class Provisioned:
    """A device's new credentials, shown once: the seed is not kept."""

    device_id: str
    credentials: UserCredentials
    record: DeviceCredential
    secrets_yaml: str


class DeviceCredentials:
    """The devices one entry provisioned: their keys, renewal and revocation."""

    def __init__(self, hass: HomeAssistant, entry: NatsConfigEntry, hub: NatsHub) -> None:
        self.hass = hass
        self.entry = entry
        self.hub = hub
        self.bundle = bundle_of(entry.data)
        self.store = CredentialStore(hass, entry.entry_id)
        self.renewal = Renewal(self)

    @property
    def signal_added(self) -> str:
        """Dispatcher signal carrying the id of a device provisioned for the first time."""
        return f"{DOMAIN}_{self.entry.entry_id}_credentials_added"

    @property
    def lifetime(self) -> int:
        """Seconds a JWT minted or renewed now is valid (the entry's option)."""
        return credential_lifetime(self.entry.options)

    async def async_load(self) -> None:
        """Read the stored devices before the entry's platforms are set up."""
        await self.store.async_load()

    async def async_start(self) -> None:
        """Start renewing, listen for announcements, and add the devices' buttons."""
        assert self.hub.client is not None
        # A device that announces is back: a renewal it missed is tried at once.
        await self.hub.client.subscribe(self.hub.subjects.announce_any, cb=self._on_announce)
        if self.store.devices:
            await self.hub.platforms.async_set_up_now([BUTTON_PLATFORM])
        self.renewal.start()

    async def _on_announce(self, msg: NatsMsg) -> None:
        device_id = self.hub.subjects.announce_device(msg.subject)
        if device_id:
            self.renewal.device_heard(device_id)

    def device_name(self, device_id: str) -> str:
        """Return the device's announced name, or its id before it announced."""
        return self.hub.device_name(device_id)

    async def async_provision(self, device_id: str, lifetime: int | None = None) -> Provisioned:
        """Mint a new key and JWT for a device; a key it had before is revoked first.

        Revoking first means a failure leaves everything as it was (the old
        key still works): no key is ever valid without this entry knowing it.
        """
        if not is_valid_token(device_id):
            raise credential_error("invalid_device_id", device=device_id)
        previous = self.store.get(device_id)
        if previous is not None and not previous.revoked:
            await self._async_revoke_key(device_id, previous.public_key)
        lifetime = self.lifetime if lifetime is None else lifetime
        now = int(time.time())
        creds = mint_device(self.bundle, device_id, lifetime=lifetime, now=now)
        record = DeviceCredential(public_key=creds.public_key, issued=now, expires=now + lifetime)
        self.store.set(device_id, record)
        await self.store.async_save_now()
        self.renewal.forget(device_id)
        _LOGGER.info("Provisioned credentials for device %s (key %s)", device_id, creds.public_key)
        if previous is None:
            await self.hub.platforms.async_ensure([BUTTON_PLATFORM])
            async_dispatcher_send(self.hass, self.signal_added, device_id)
        else:
            self.notify_changed(device_id)
        snippet = secrets_snippet(device_id, creds, prefix=self.bundle.prefix)
        return Provisioned(device_id, creds, record, snippet)

    async def async_revoke(self, device_id: str) -> DeviceCredential:
        """Revoke a device's key on the server: it is disconnected at once and never renewed again."""
        record = self.store.get(device_id)
        if record is None:
            raise credential_error("device_not_provisioned", device=device_id)
        await self._async_revoke_key(device_id, record.public_key)
        self.renewal.forget(device_id)
        self.notify_changed(device_id)
        return record

    async def _async_revoke_key(self, device_id: str, public_key: str) -> None:
        """Push the revocation through the system account and record it; translated errors."""
        name = self.device_name(device_id)
        tls = await async_tls_context(self.hass, self.entry.data)
        try:
            system = await async_open(
                self.entry.data,
                tls,
                name="Home Assistant (revocation)",
                auth=jwt_auth(self.bundle.system),
            )
        except ConnectionFailedError as err:
            raise credential_error("revoke_cannot_connect", device=name, error=str(err)) from err
        try:
            async with self.renewal.busy:  # no renewal is signed between revoking and recording it
                await revoke_device(system, self.bundle, public_key)
                self.store.update(device_id, revoked=True)
        except (AccountUpdateError, nats.errors.Error) as err:
            raise credential_error("revoke_failed", device=name, error=str(err)) from err
        finally:
            with contextlib.suppress(nats.errors.Error, OSError, TimeoutError):
                await system.close()
        await self.store.async_save_now()
        ir.async_delete_issue(self.hass, DOMAIN, expiring_issue_id(self.entry.entry_id, device_id))
        _LOGGER.info("Revoked the credentials of device %s (key %s)", device_id, public_key)

    async def async_renew_now(self, device_id: str) -> DeviceCredential:
        """Renew and deliver a device's JWT now, whether due or not; translated errors."""
        record = self.store.get(device_id)
        if record is None:
            raise credential_error("device_not_provisioned", device=device_id)
        if record.revoked:
            raise credential_error("device_revoked", device=self.device_name(device_id))
        outcome = await self.renewal.async_deliver(device_id)
        if outcome.error is not None:
            raise credential_error("renewal_failed", device=self.device_name(device_id), error=outcome.error)
        return self.store.devices[device_id]

    def signal_changed(self, device_id: str) -> str:
        """Dispatcher signal telling a device's buttons its record changed."""
        return f"{DOMAIN}_{self.entry.entry_id}_credentials_changed_{device_id}"

    @callback
    def notify_changed(self, device_id: str) -> None:
        """Tell a device's buttons to write their state again (revoked: unavailable)."""
        async_dispatcher_send(self.hass, self.signal_changed(device_id))
