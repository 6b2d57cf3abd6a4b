"""The device configuration store: the home's key-value bucket of device settings (docs/protocol.md).

Devices declare settings in their announcement; their values live in one
JetStream key-value bucket per home, which Home Assistant creates, watches
(so a change by anyone shows) and writes with compare-and-set, so that of
two writers at once one fails with a clear error instead of silently
overwriting the other. Each setting is a configuration entity on its
device (config_entity.py and the number, switch and text platforms).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
import contextlib
from dataclasses import dataclass, replace
import logging
from typing import TYPE_CHECKING, Final

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
import nats.js.errors
from nats.js.kv import KeyValue

from .const import DOMAIN
from .identity import unique_id
from .log_limiter import LogLimiter
from .protocol.config_settings import (
    DELETED_OPERATIONS,
    ConfigSetting,
    ConfigValue,
    SwitchSetting,
    TextSetting,
    bucket_name,
    check_value,
    decode_value,
    encode_value,
    key,
    parse_key,
    stream_name,
)
from .protocol.errors import ProtocolError
from .retention import OURS, async_change_replicas

if TYPE_CHECKING:
    from .device_runtime import DeviceRuntime
    from .hub import NatsHub

_LOGGER = logging.getLogger(__name__)

CONFIG_KEY: Final = "config"
"""First part of a configuration entity's key in its device's entities (never a platform)."""
INITIAL_LOAD_TIMEOUT: Final = 5.0
"""Seconds set-up waits for the bucket's current values before devices are asked to announce."""
_NATS_ERRORS: Final = (nats.errors.Error, nats.js.errors.Error, TimeoutError)


def config_unique_id(entry_id: str, device_id: str, setting_id: str) -> str:
    """Return the unique id of a setting's entity."""
    return unique_id(entry_id, device_id, CONFIG_KEY, setting_id)


@dataclass(frozen=True, slots=True)
class _Stored:
    """The bucket's last message for a key: its raw value (None once deleted) and revision."""

    raw: bytes | None
    revision: int


class DeviceConfigStore:
    """Keeps every device's settings as the bucket holds them, and writes them with compare-and-set."""

    def __init__(self, hub: NatsHub) -> None:
        """Prepare the store; nothing touches the network until async_start."""
        self._hub = hub
        self.bucket = bucket_name(hub.subjects.prefix)
        self._kv: KeyValue | None = None
        self._watcher: KeyValue.KeyWatcher | None = None
        self._stored: dict[tuple[str, str], _Stored] = {}
        self._declared: dict[str, tuple[DeviceRuntime, dict[str, ConfigSetting]]] = {}
        self._loaded = asyncio.Event()
        self._said_unavailable = False
        self._log_limiter = LogLimiter(_LOGGER, hub.hass.loop.time)

    @property
    def available(self) -> bool:
        """Whether settings can be read and written: the bucket is there and watched."""
        return self._kv is not None

    def signal_new(self, platform: str) -> str:
        """Dispatcher signal carrying new configuration entities of one platform."""
        return f"{DOMAIN}_{self._hub.entry.entry_id}_new_config_{platform}"

    async def async_start(self, replicas: int) -> None:
        """Ensure the bucket (with the streams' replicas) and follow it, when the server has JetStream."""
        if not self._hub.retention.available or self._hub.jetstream_client is None:
            return
        js = self._hub.jetstream_client.jetstream(timeout=5)
        try:
            try:
                kv = await js.key_value(self.bucket)
                await self._async_follow_replicas(js, replicas)
            except nats.js.errors.BucketNotFoundError:
                kv = await js.create_key_value(
                    KeyValueConfig(
                        bucket=self.bucket,
                        description=f"{OURS} the settings of every device",
                        history=1,
                        storage=StorageType.FILE,
                        replicas=replicas,
                        direct=True,  # devices read their settings with direct gets
                    )
                )
                _LOGGER.info("Created JetStream key-value bucket %s for device settings", self.bucket)
            watcher = await kv.watch(">")
        except _NATS_ERRORS as err:
            _LOGGER.warning(
                "Cannot use the JetStream key-value bucket %s (%s): devices' settings are not offered",
                self.bucket,
                err,
            )
            return
        self._kv, self._watcher = kv, watcher
        self._hub.entry.async_create_background_task(
            self._hub.hass, self._async_follow_bucket(watcher), f"{DOMAIN} {self.bucket} watch"
        )
        # Entities of the devices about to announce start with the stored values.
        try:
            async with asyncio.timeout(INITIAL_LOAD_TIMEOUT):
                await self._loaded.wait()
        except TimeoutError:
            _LOGGER.warning(
                "Reading bucket %s took over %s s; settings follow as they arrive",
                self.bucket,
                INITIAL_LOAD_TIMEOUT,
            )

    async def _async_follow_replicas(self, js: JetStreamContext, replicas: int) -> None:
        """Give the bucket the replicas the options ask, as the streams get them, if NATS Home made it."""
        found = (await js.stream_info(stream_name(self.bucket))).config
        if found.num_replicas != replicas and (found.description or "").startswith(OURS):
            await async_change_replicas(js, replace(found, num_replicas=replicas), found)

    async def async_stop(self) -> None:
        """Stop watching (before the connection closes: nats-py's consumer tasks end only then)."""
        watcher, self._watcher, self._kv = self._watcher, None, None
        if watcher is not None:
            with contextlib.suppress(*_NATS_ERRORS):
                await watcher.stop()  # type: ignore[no-untyped-call]  # nats-py leaves it untyped

    async def _async_follow_bucket(self, watcher: KeyValue.KeyWatcher) -> None:
        """Apply every change of the bucket; nats-py's ordered consumer resumes after reconnects."""
        async for entry in watcher:
            if entry is None:  # the current values have all been delivered
                self._loaded.set()
                continue
            deleted = entry.operation in DELETED_OPERATIONS
            self._store(entry.key, _Stored(None if deleted else entry.value, entry.revision))

    @callback
    def _store(self, bucket_key: str, stored: _Stored) -> None:
        if (parsed := parse_key(bucket_key)) is None:
            return
        previous = self._stored.get(parsed)
        if previous is not None and previous.revision >= stored.revision:
            return  # already known (our own write, or a get after a conflict)
        self._stored[parsed] = stored
        device_id, setting_id = parsed
        if (device := self._hub.devices.get(device_id)) is not None and (
            entity := device.entities.get((CONFIG_KEY, setting_id))
        ) is not None:
            entity.handle_state(self.value(device_id, setting_id))

    def value(self, device_id: str, setting_id: str) -> ConfigValue | None:
        """Return a setting's value: the stored one, or the default; None when the stored one is unusable."""
        setting = self.setting(device_id, setting_id)
        if setting is None:
            return None
        stored = self._stored.get((device_id, setting_id))
        if stored is None or stored.raw is None:
            return setting.default_value
        try:
            return decode_value(setting, stored.raw)
        except ProtocolError as err:
            # The device ignores it too and keeps what it had, which Home Assistant cannot know.
            subject = f"$KV.{self.bucket}.{key(device_id, setting_id)}"
            self._log_limiter.warning(
                subject,
                str(err),
                "Device %s: the stored value of setting %s is unusable: %s",
                device_id,
                setting_id,
                err,
            )
            return None

    def setting(self, device_id: str, setting_id: str) -> ConfigSetting | None:
        """Return a setting as its device declared it last."""
        declared = self._declared.get(device_id)
        return declared[1].get(setting_id) if declared is not None else None

    async def async_set(self, device_id: str, setting_id: str, value: ConfigValue) -> None:
        """Write a setting if nobody changed it since Home Assistant saw it; raise a translated error."""
        setting = self.setting(device_id, setting_id)
        device = self._hub.device_name(device_id)
        placeholders = {"device": device, "setting": setting.name if setting else setting_id}
        if not self._hub.connected or self._hub.client is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="not_connected",
                translation_placeholders={"device": device},
            )
        if self._kv is None or setting is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="config_unavailable",
                translation_placeholders=placeholders,
            )
        try:
            value = check_value(setting, value)
        except ProtocolError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="config_invalid",
                translation_placeholders={**placeholders, "error": str(err)},
            ) from None
        bucket_key = key(device_id, setting_id)
        raw = encode_value(value)
        stored = self._stored.get((device_id, setting_id))
        try:
            # last=0: Home Assistant saw no value, so the key must still have none.
            revision = await self._kv.update(bucket_key, raw, last=stored.revision if stored else 0)
        except nats.js.errors.KeyWrongLastSequenceError:
            now = await self._async_read(bucket_key)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="config_conflict",
                translation_placeholders={**placeholders, "value": _display(setting, now)},
            ) from None
        except _NATS_ERRORS as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="config_write_failed",
                translation_placeholders={**placeholders, "error": str(err) or type(err).__name__},
            ) from err
        self._store(bucket_key, _Stored(raw, revision))

    async def _async_read(self, bucket_key: str) -> ConfigValue | None:
        """Read a key's value now (after a conflict), so the entity and the next write know it."""
        assert self._kv is not None
        try:
            entry = await self._kv.get(bucket_key)
        except nats.js.errors.KeyNotFoundError as err:
            if err.entry is not None:  # deleted: nats-py hands over the delete marker
                self._store(bucket_key, _Stored(None, err.entry.revision or 0))
        except _NATS_ERRORS:
            return None
        else:
            self._store(bucket_key, _Stored(entry.value, entry.revision or 0))
        device_id, setting_id = bucket_key.split(".", 1)
        return self.value(device_id, setting_id)

    async def async_forget(self, device_id: str) -> None:
        """Purge a removed device's settings, so a device announcing that id again starts from defaults."""
        self._declared.pop(device_id, None)
        for stored in [stored for stored in self._stored if stored[0] == device_id]:
            del self._stored[stored]
        jetstream = self._hub.jetstream_client
        if self._kv is None or jetstream is None or not self._hub.connected:
            return
        subject = f"$KV.{self.bucket}.{device_id}.>"
        try:
            await jetstream.jetstream(timeout=5).purge_stream(stream_name(self.bucket), subject=subject)
        except _NATS_ERRORS as err:
            _LOGGER.warning(
                "Device %s: could not purge its settings from bucket %s: %s", device_id, self.bucket, err
            )

    async def async_follow(self, runtime: DeviceRuntime) -> None:
        """Create, update or remove a device's configuration entities after a valid announcement."""
        settings = {setting.id: setting for setting in runtime.announcement.config}
        known = self._declared.get(runtime.id)
        # A device forgotten and announced again has a new runtime and none of its entities.
        old = known[1] if known is not None and known[0] is runtime else {}
        if known is not None and known[0] is runtime and old == settings:
            return
        if self._kv is None:
            if settings and not self._said_unavailable:
                self._said_unavailable = True
                _LOGGER.info(
                    "Device %s declares settings, but without JetStream on the NATS server there is "
                    "no configuration store: no configuration entities are created",
                    runtime.id,
                )
            return
        self._declared[runtime.id] = (runtime, settings)
        registry = er.async_get(self._hub.hass)
        added: defaultdict[str, list[ConfigSetting]] = defaultdict(list)
        for setting_id, setting in old.items():
            current = settings.get(setting_id)
            if current == setting:
                continue
            await self._hub.async_remove_entity(runtime, (CONFIG_KEY, setting_id))
            if current is None or current.type != setting.type:
                # Gone, or now on another platform: its registry entry goes too.
                setting_unique_id = config_unique_id(self._hub.entry.entry_id, runtime.id, setting_id)
                if entity_id := registry.async_get_entity_id(setting.type, DOMAIN, setting_unique_id):
                    registry.async_remove(entity_id)
        for setting_id, setting in settings.items():
            if old.get(setting_id) != setting:
                added[setting.type].append(setting)
        await self._hub.platforms.async_ensure(added.keys())
        for platform, new in added.items():
            async_dispatcher_send(self._hub.hass, self.signal_new(platform), runtime.id, new)


def _display(setting: ConfigSetting, value: ConfigValue | None) -> str:
    """Show a value as the user sees it in the entity."""
    if value is None:
        return "unusable"
    if isinstance(setting, SwitchSetting):
        return "on" if value else "off"
    if isinstance(setting, TextSetting):
        return f'"{value}"'
    return str(value)
