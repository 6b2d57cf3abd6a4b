"""A device's settings, read from the home's configuration bucket and followed live.

The `Device` owns one `DeviceSettings` (docs/protocol.md, Device
configuration): it reads every declared setting's stored value with direct
gets, follows changes on the bucket's subjects, and hands each new value to
the device, which applies the reserved ones (name, heartbeat interval) itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import logging
import time
from typing import Any, Final

import nats.errors

from .config_settings import (
    DIRECT_GET_TIMEOUT,
    ConfigSetting,
    ConfigValue,
    bucket_name,
    decode_value,
    describe_settings,
    device_subjects,
    direct_get_subject,
    is_deleted,
)
from .errors import ProtocolError
from .transport import NatsClient, NatsMsg, NatsSubscription

_LOGGER = logging.getLogger(__name__)

RECONNECT_POLL: Final = 1.0
"""Seconds between looks at the client's reconnect count: settings are read again after one."""
CONFIRM_RETRY: Final = 0.05
"""Seconds between direct gets while the store has not decided on a compare-and-set write yet."""
EXPECTED_LAST_SEQUENCE: Final = "Nats-Expected-Last-Subject-Sequence"

__all__ = ["DeviceSettings"]

type Spawn = Callable[[Coroutine[Any, Any, None]], asyncio.Task[None] | None]
"""The device's way to start a task that its stop() cancels (None once it is stopping)."""

type SettingChanged = Callable[[str, ConfigValue], Awaitable[None]]
"""Called with (setting id, value) after a setting took a new value."""


class DeviceSettings:
    """The declared settings of one device and the value each has now."""

    def __init__(
        self,
        nc: NatsClient,
        device_id: str,
        prefix: str,
        config: list[dict[str, Any]],
        own: dict[str, Any],
        *,
        changed: SettingChanged,
        spawn: Spawn,
    ) -> None:
        """`own` gives the reserved settings' defaults (the device's own name and interval)."""
        self.nc = nc
        self.device_id = device_id
        self.declared = _declared_config(config, own)
        """The `config` list the device announces."""
        self.settings: dict[str, ConfigSetting] = {
            setting.id: setting for setting in describe_settings(self.declared)
        }
        self.values: dict[str, ConfigValue] = {
            setting.id: setting.default_value for setting in self.settings.values()
        }
        """The value each declared setting has now: the stored one, or its default."""
        self.bucket = bucket_name(prefix)
        self._changed = changed
        self._spawn = spawn
        self._live: set[str] = set()
        self._confirming: dict[str, asyncio.Task[None]] = {}

    async def start(self) -> NatsSubscription | None:
        """Follow changes, read the stored values, re-read after reconnects; None if none is declared."""
        if not self.settings:
            return None
        # Subscribed before reading, so no change made meanwhile is missed.
        subscription = await self.nc.subscribe(
            device_subjects(self.bucket, self.device_id), cb=self._on_change
        )
        await self.read()
        self._spawn(self._reread_after_reconnects())
        return subscription

    async def read(self) -> None:
        """Read every declared setting's stored value (direct gets), keeping defaults where none is.

        Done at start and after every reconnection. A value that arrives live
        while its get is under way is newer than the get's answer, which is
        then dropped.
        """
        self._live.clear()
        found = await asyncio.gather(*(self._direct_get(setting_id) for setting_id in self.settings))
        for setting_id, reply in zip(self.settings, found, strict=True):
            if setting_id not in self._live and (stored := _stored(reply)) is not None:
                await self._apply(setting_id, stored or None)

    async def _direct_get(self, setting_id: str) -> NatsMsg | None:
        """Ask the store for a setting's last message; None when nothing answers (no JetStream)."""
        subject = direct_get_subject(self.bucket, self.device_id, setting_id)
        try:
            return await self.nc.request(subject, b"", timeout=DIRECT_GET_TIMEOUT)
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            return None

    async def _on_change(self, msg: NatsMsg) -> None:
        setting_id = msg.subject.rpartition(".")[2]
        if setting_id not in self.settings:
            return
        self._live.add(setting_id)
        if (pending := self._confirming.pop(setting_id, None)) is not None:
            pending.cancel()  # this change is newer than what it would find
        expected = (msg.headers or {}).get(EXPECTED_LAST_SEQUENCE)
        if expected is None or not expected.isdigit():
            await self._apply(setting_id, None if is_deleted(msg.headers) else msg.data)
            return
        # A compare-and-set write, which the store may refuse; core NATS delivers
        # it either way. The device follows what the store keeps instead.
        if (task := self._spawn(self._confirm(setting_id, int(expected)))) is not None:
            self._confirming[setting_id] = task

    async def _confirm(self, setting_id: str, expected: int) -> None:
        """Apply what the store keeps once it has decided on a compare-and-set write.

        While the key's last sequence is still the one the write expected,
        the store has not taken it in yet (a refused write leaves another
        sequence there): ask again, for at most DIRECT_GET_TIMEOUT.
        """
        deadline = time.monotonic() + DIRECT_GET_TIMEOUT
        while True:
            reply = await self._direct_get(setting_id)
            headers = (reply.headers or {}) if reply is not None else {}
            status = headers.get("Status")
            unchanged = (not status and headers.get("Nats-Sequence") == str(expected)) or (
                status == "404" and expected == 0
            )
            if not unchanged or time.monotonic() > deadline:
                break
            await asyncio.sleep(CONFIRM_RETRY)
        self._confirming.pop(setting_id, None)
        if not unchanged and (stored := _stored(reply)) is not None:
            await self._apply(setting_id, stored or None)

    async def _apply(self, setting_id: str, raw: bytes | None) -> None:
        """Apply a stored value (None: deleted, back to the default); a bad one is logged and ignored."""
        setting = self.settings[setting_id]
        if raw is None:
            value = setting.default_value
        else:
            try:
                value = decode_value(setting, raw)
            except ProtocolError as err:
                _LOGGER.warning(
                    "Device %s: ignoring the stored value %r of setting %s: %s; it stays %r",
                    self.device_id,
                    raw[:100],
                    setting_id,
                    err,
                    self.values[setting_id],
                )
                return
        if value == self.values[setting_id]:
            return
        self.values[setting_id] = value
        await self._changed(setting_id, value)

    async def _reread_after_reconnects(self) -> None:
        seen = self.nc.stats["reconnects"]
        while True:
            await asyncio.sleep(RECONNECT_POLL)
            if self.nc.stats["reconnects"] != seen and self.nc.is_connected:
                seen = self.nc.stats["reconnects"]
                await self.read()


def _stored(reply: NatsMsg | None) -> bytes | None:
    """Return the value a direct get found, b"" for none (deleted or never set), None for no answer."""
    if reply is None:
        return None
    status = (reply.headers or {}).get("Status")
    if status:  # 404: the key has no message, so the default applies; 408, 503: no answer
        return b"" if status == "404" else None
    return b"" if is_deleted(reply.headers) else reply.data


def _declared_config(config: list[dict[str, Any]], own: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the `config` to announce; reserved settings default to the device's own name and interval."""
    declared = [dict(setting) for setting in config]
    for setting in declared:
        if setting.get("id") in own:
            setting.setdefault("default", own[setting["id"]])
    return declared
