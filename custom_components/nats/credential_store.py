"""What Home Assistant keeps about each device it minted credentials for (operator mode).

Per device only the public key, when its JWT was issued and expires, the
last renewal's outcome and whether it is revoked: never the device's seed,
which is shown once when the device is provisioned and then forgotten. One
`Store` per config entry, so removing the entry removes it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0
"""Seconds to gather changes before writing; a revocation is written at once."""


@dataclass(frozen=True, slots=True)
class RenewalOutcome:
    """The last attempt to deliver a renewed JWT: when, and why it failed (None: it was taken)."""

    at: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the device took the renewed JWT."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class DeviceCredential:
    """One provisioned device's key and the validity of the JWT it holds."""

    public_key: str
    issued: int
    expires: int
    revoked: bool = False
    last_renewal: RenewalOutcome | None = None

    @property
    def lifetime(self) -> int:
        """Seconds the device's current JWT was issued for."""
        return self.expires - self.issued

    def as_dict(self) -> dict[str, Any]:
        """Return the record as stored (and as diagnostics show it)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceCredential:
        """Return the record of a stored dict."""
        renewal = data.get("last_renewal")
        return cls(
            public_key=str(data["public_key"]),
            issued=int(data["issued"]),
            expires=int(data["expires"]),
            revoked=bool(data.get("revoked", False)),
            last_renewal=RenewalOutcome(int(renewal["at"]), renewal.get("error")) if renewal else None,
        )


class CredentialStore:
    """The provisioned devices of one entry, kept in `.storage/nats.credentials.<entry>`."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.credentials.{entry_id}")
        self.devices: dict[str, DeviceCredential] = {}

    async def async_load(self) -> None:
        """Read what was stored."""
        data = await self._store.async_load() or {}
        self.devices = {
            device_id: DeviceCredential.from_dict(record)
            for device_id, record in data.get("devices", {}).items()
        }

    def get(self, device_id: str) -> DeviceCredential | None:
        """Return a device's record, or None if this entry never provisioned it."""
        return self.devices.get(device_id)

    def set(self, device_id: str, record: DeviceCredential) -> None:
        """Keep a device's record; written shortly after."""
        self.devices[device_id] = record
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def update(self, device_id: str, **changes: Any) -> DeviceCredential:
        """Change fields of a device's record and return it."""
        record = replace(self.devices[device_id], **changes)
        self.set(device_id, record)
        return record

    async def async_save_now(self) -> None:
        """Write at once (a revocation must not be lost to a crash)."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete what was stored (the entry is being removed)."""
        await self._store.async_remove()

    def _data(self) -> dict[str, Any]:
        return {"devices": {device_id: record.as_dict() for device_id, record in self.devices.items()}}
