"""Where an announcement becomes a device and its entities."""

from __future__ import annotations

from collections import defaultdict
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .availability import Liveness
from .const import DOMAIN
from .device_history import REASON_ANNOUNCEMENT, record_refused
from .device_runtime import DeviceRuntime, EntityKey
from .identity import device_identifier, unique_id
from .log_limiter import LogLimiter
from .protocol.errors import ProtocolError
from .protocol.models import DeviceAnnouncement
from .protocol.payloads import claimed_device_id, parse_announcement
from .protocol.platform import EntityInfo

if TYPE_CHECKING:
    from .hub import NatsHub

_LOGGER = logging.getLogger(__name__)


def unsupported_version_issue_id(device_id: str) -> str:
    """Return the repair issue id for a device speaking an unknown protocol."""
    return f"unsupported_protocol_{device_id}"


class Discovery:
    """Applies announcements: device registry, entity adds, updates and removals."""

    def __init__(self, hub: NatsHub) -> None:
        self._hub = hub
        self._log_limiter = LogLimiter(_LOGGER, hub.hass.loop.time)
        self._restored: defaultdict[str, defaultdict[str, list[EntityInfo]]] = defaultdict(
            lambda: defaultdict(list)
        )

    async def async_handle(self, subject: str, subject_device: str, raw: bytes) -> None:
        """Validate and apply one announcement; refuse bad ones with a warning."""
        device = self._parse(subject, subject_device, raw)
        if device is None:
            return
        runtime = self._hub.devices.get(device.id)
        previous = runtime.announcement if runtime is not None else None
        if runtime is None:
            runtime = self._hub.devices[device.id] = DeviceRuntime(device, Liveness(device.id))
        # An announcement is a sign of life.
        self._hub.availability.track(runtime.liveness, device.heartbeat_interval, REASON_ANNOUNCEMENT)
        if previous != device:
            runtime.device_entry = self._update_device_registry(device)
            runtime.announcement = device
            await self._async_apply_entities(runtime, previous)
        await self._hub.device_config.async_follow(runtime)  # also for a device restored unchanged

    def restore(
        self, subject: str, subject_device: str, raw: bytes, states: dict[EntityKey, bytes]
    ) -> DeviceRuntime | None:
        """Create a device from its retained announcement and states, at set-up (restore.py).

        Its entities are added when their platform is set up, which takes
        them with take_restored; nothing is dispatched.
        """
        device = self._parse(subject, subject_device, raw)
        if device is None:
            return None
        runtime = self._hub.devices[device.id] = DeviceRuntime(device, Liveness(device.id))
        runtime.device_entry = self._update_device_registry(device)
        descriptions = {(e.platform, e.id): e for e in device.entities}
        self._hub.set_descriptions(runtime, descriptions, states)
        for (platform, _), description in descriptions.items():
            self._restored[platform][device.id].append(description)
        return runtime

    def restored_platforms(self) -> set[str]:
        """Return the platforms restored entities are waiting for."""
        return set(self._restored)

    def take_restored(self, platform: str) -> dict[str, list[EntityInfo]]:
        """Return and forget a platform's restored entities by device, for its set-up to add."""
        return self._restored.pop(platform, {})

    def _parse(self, subject: str, subject_device: str, raw: bytes) -> DeviceAnnouncement | None:
        try:
            device = parse_announcement(raw, subject_device)
        except ProtocolError as err:
            # The whole announcement is refused: the device's entities stay as they were.
            self._log_limiter.warning(
                subject,
                str(err),
                "Ignoring announcement on %s: %s (device %s)",
                subject,
                err,
                subject_device or claimed_device_id(raw) or "unknown",
            )
            record_refused(self._hub.devices.get(subject_device), "announcement", subject, err)
            if subject_device and "unsupported protocol version" in str(err):
                self._report_unsupported_version(subject_device, str(err))
            return None
        ir.async_delete_issue(self._hub.hass, DOMAIN, unsupported_version_issue_id(device.id))
        return device

    def _update_device_registry(self, device: DeviceAnnouncement) -> dr.DeviceEntry:
        registry = dr.async_get(self._hub.hass)
        info: dict[str, Any] = {
            "config_entry_id": self._hub.entry.entry_id,
            "identifiers": {device_identifier(self._hub.entry.entry_id, device.id)},
            "name": device.name,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "sw_version": device.sw_version,
            "hw_version": device.hw_version,
            "suggested_area": device.suggested_area,
        }
        if device.mac:
            try:
                return registry.async_get_or_create(
                    **info, connections={(dr.CONNECTION_NETWORK_MAC, device.mac)}
                )
            except (dr.DeviceInfoError, dr.DeviceCollisionError):
                # Cloned firmware or a lying device: keep the device, not the MAC.
                _LOGGER.warning(
                    "Device %s: MAC %s already belongs to another device; ignoring it", device.id, device.mac
                )
        return registry.async_get_or_create(**info)

    async def _async_apply_entities(
        self, runtime: DeviceRuntime, previous: DeviceAnnouncement | None
    ) -> None:
        device = runtime.announcement
        old = {(e.platform, e.id): e for e in previous.entities} if previous else {}
        new = {(e.platform, e.id): e for e in device.entities}
        self._hub.set_descriptions(runtime, new)
        registry = er.async_get(self._hub.hass)
        for key in old.keys() - new.keys():
            await self._hub.async_remove_entity(runtime, key)
            entity_unique_id = unique_id(self._hub.entry.entry_id, device.id, *key)
            if entity_id := registry.async_get_entity_id(key[0], DOMAIN, entity_unique_id):
                registry.async_remove(entity_id)
        added: defaultdict[str, list[EntityInfo]] = defaultdict(list)
        for key, description in new.items():
            if old.get(key) == description:
                continue
            # A changed entity is re-created from its new description; its
            # registry entry (and the user's customisations) stay.
            await self._hub.async_remove_entity(runtime, key)
            added[key[0]].append(description)
        # Home Assistant sets up only the platforms a home uses, when first needed.
        await self._hub.platforms.async_ensure(added.keys())
        for platform, descriptions in added.items():
            async_dispatcher_send(
                self._hub.hass, self._hub.signal_new_entities(platform), device.id, descriptions
            )

    def _report_unsupported_version(self, device_id: str, error: str) -> None:
        ir.async_create_issue(
            self._hub.hass,
            DOMAIN,
            unsupported_version_issue_id(device_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="unsupported_protocol",
            translation_placeholders={"device": device_id, "error": error},
        )
