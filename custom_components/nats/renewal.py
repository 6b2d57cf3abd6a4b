"""Operator mode: renewing each provisioned device's JWT before it expires.

A device's JWT is renewed when a third of its lifetime is left: a fresh JWT
for the same key is sent as a request on the device's own credentials
subject, and the device answers `{"ok": true}` once it keeps it
(docs/protocol.md, Credentials). A device that does not take it is tried
again at least hourly and at once when it announces; when its JWT is close
to expiring and it still has not taken a new one, a repair issue names it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
import json
import logging
import time
from typing import TYPE_CHECKING, Final

from homeassistant.helpers import issue_registry as ir

import nats.errors

from .const import DOMAIN
from .credential_store import DeviceCredential, RenewalOutcome
from .protocol.credentials import RENEW_AT_LEFT, renew_device, renewal_due, renewal_request

if TYPE_CHECKING:
    from .device_credentials import DeviceCredentials

_LOGGER = logging.getLogger(__name__)

MAX_RETRY: Final = 3600.0
"""Seconds at most between attempts to deliver a renewal a device has not taken."""
RETRY_FRACTION: Final = 1 / 24
"""A short lifetime (tests, or a cautious user) retries sooner: this share of it, at least MIN_RETRY."""
MIN_RETRY: Final = 1.0
WARN_BEFORE: Final = 24 * 3600
"""A failing renewal is a repair issue this long before expiry (or a quarter of the lifetime, if shorter)."""


def expiring_issue_id(entry_id: str, device_id: str) -> str:
    """Return the repair issue id of a device whose credentials are about to expire."""
    return f"credentials_expiring_{entry_id}_{device_id}"


def retry_interval(lifetime: int) -> float:
    """Return the seconds between attempts to deliver a renewal that failed."""
    return max(MIN_RETRY, min(MAX_RETRY, lifetime * RETRY_FRACTION))


def warn_before(lifetime: int) -> float:
    """Return how long before expiry a failing renewal is raised as a repair issue."""
    return min(WARN_BEFORE, lifetime / 4)


class Renewal:
    """Renews the JWTs of one entry's provisioned devices while the entry runs."""

    def __init__(self, credentials: DeviceCredentials) -> None:
        self._credentials = credentials
        self._retry_at: dict[str, float] = {}
        """When to try a device again after a failed delivery (wall-clock seconds)."""
        self._wake = asyncio.Event()
        self.busy = asyncio.Lock()
        """Held while a JWT is signed and delivered, and while a key is revoked: a JWT signed
        after its key's revocation would not be covered by it."""

    def start(self) -> None:
        """Run until the entry unloads (Home Assistant cancels the entry's background tasks)."""
        entry = self._credentials.entry
        entry.async_create_background_task(
            self._credentials.hass, self._async_run(), f"{DOMAIN} credential renewal {entry.title}"
        )

    def device_heard(self, device_id: str) -> None:
        """Try a device whose renewal failed again now: it announced, so it is back."""
        if self._retry_at.pop(device_id, None) is not None:
            self._wake.set()

    def forget(self, device_id: str) -> None:
        """Drop the retry state of a device just provisioned again or revoked."""
        self._retry_at.pop(device_id, None)
        self._wake.set()

    async def _async_run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._async_renew_due()
            except Exception:
                # Renewal must outlive one bad record; the next wake tries again.
                _LOGGER.exception("Unexpected error renewing device credentials")
                await asyncio.sleep(MIN_RETRY)
            delay = self._next_wake() - time.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()

    def _next_wake(self) -> float:
        """Return when the next device becomes due or is retried (at most an hour away)."""
        wake = time.time() + MAX_RETRY
        for device_id, record in self._credentials.store.devices.items():
            if record.revoked:
                continue
            due = record.expires - record.lifetime * RENEW_AT_LEFT
            wake = min(wake, max(due, self._retry_at.get(device_id, due)))
        return wake

    async def _async_renew_due(self) -> None:
        now = time.time()
        for device_id, record in list(self._credentials.store.devices.items()):
            if record.revoked or not renewal_due(record.expires, record.lifetime, now):
                continue
            if self._retry_at.get(device_id, 0.0) > now:
                continue
            await self.async_deliver(device_id)

    async def async_deliver(self, device_id: str) -> RenewalOutcome:
        """Sign a fresh JWT for the device's key, send it, and record the outcome."""
        credentials = self._credentials
        async with self.busy:  # the loop and a "Renew now" press never deliver twice at once
            record = credentials.store.devices[device_id]
            if record.revoked:
                # Revoked while waiting for the lock: a JWT signed after the revocation
                # would not be covered by it, so none may ever be signed.
                return RenewalOutcome(int(time.time()), "the credentials are revoked")
            lifetime = credentials.lifetime
            now = int(time.time())
            jwt = renew_device(credentials.bundle, device_id, record.public_key, lifetime=lifetime, now=now)
            subject = credentials.hub.subjects.credentials(device_id)
            error = await self._async_send(subject, jwt)
            outcome = RenewalOutcome(now, error)
            current = credentials.store.get(device_id)
            if current is None or current.public_key != record.public_key:
                return outcome  # provisioned again meanwhile: this outcome is of a key no longer held
            if error is None:
                record = credentials.store.update(
                    device_id, issued=now, expires=now + lifetime, last_renewal=outcome
                )
                self._retry_at.pop(device_id, None)
                ir.async_delete_issue(
                    credentials.hass, DOMAIN, expiring_issue_id(credentials.entry.entry_id, device_id)
                )
                _LOGGER.debug(
                    "Device %s took its renewed credentials, valid until %s", device_id, _iso(record.expires)
                )
            else:
                record = credentials.store.update(device_id, last_renewal=outcome)
                self._retry_at[device_id] = now + retry_interval(record.lifetime)
                _LOGGER.warning(
                    "Device %s did not take its renewed credentials on %s: %s; its current ones expire at %s",
                    device_id,
                    subject,
                    error,
                    _iso(record.expires),
                )
                self._update_issue(device_id, record, subject, error, now)
        credentials.notify_changed(device_id)
        return outcome

    async def _async_send(self, subject: str, jwt: str) -> str | None:
        """Request the device to keep the JWT; return why it did not, or None."""
        hub = self._credentials.hub
        client = hub.client
        if client is None or not hub.connected:
            return "Home Assistant is not connected to the NATS server"
        timeout = hub.command_timeout
        try:
            reply = await client.request(subject, renewal_request(jwt), timeout=timeout)
        except nats.errors.NoRespondersError:
            return "the device is offline (nothing listens on its credentials subject)"
        except TimeoutError:
            return f"no reply within {timeout:g} s"
        except nats.errors.Error as err:
            return str(err) or type(err).__name__
        try:
            answer = json.loads(reply.data)
        except ValueError:
            return "the reply is not JSON"
        if isinstance(answer, dict) and answer.get("ok") is True:
            return None
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            return f"the device refused it: {answer['error'][:200]}"
        return "the reply is neither ok nor an error"

    def _update_issue(
        self, device_id: str, record: DeviceCredential, subject: str, error: str, now: int
    ) -> None:
        if record.expires - now > warn_before(record.lifetime):
            return
        credentials = self._credentials
        ir.async_create_issue(
            credentials.hass,
            DOMAIN,
            expiring_issue_id(credentials.entry.entry_id, device_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="credentials_expiring",
            translation_placeholders={
                "device": credentials.device_name(device_id),
                "expires": _iso(record.expires),
                "subject": subject,
                "error": error,
            },
        )


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
