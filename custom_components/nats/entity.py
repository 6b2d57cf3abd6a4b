"""The base of every NATS entity: identity, availability, state and commands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any, Final, cast

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .identity import device_identifier, unique_id
from .protocol.errors import ProtocolError
from .protocol.payloads import state_from_mapping
from .protocol.platform import EntityInfo

if TYPE_CHECKING:
    from .hub import NatsHub
    from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)

READ_ONLY_PLATFORMS = frozenset({"sensor", "binary_sensor"})
_NOTHING_WAITS: Final = object()
"""No state waits for the entity's next write."""


def device_class_of[E: StrEnum](enum: type[E], description: EntityInfo, device_id: str) -> E | None:
    """Return the announced device class if Home Assistant knows it, else None."""
    if description.device_class is None:
        return None
    try:
        return enum(description.device_class)
    except ValueError:
        _LOGGER.warning(
            "Device %s: ignoring unknown %s device class %r of entity %s",
            device_id,
            description.platform,
            description.device_class,
            description.id,
        )
        return None


class NatsEntity[I: EntityInfo, S](Entity):
    """An entity announced by a NATS device: I is its platform's description, S its state."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, hub: NatsHub, device_id: str, description: I) -> None:
        """Describe the entity from its announcement."""
        self._hub = hub
        self.device_id = device_id
        self.description = description
        self.key = (description.platform, description.id)
        self._last_write = 0.0
        self._write_window = -1
        """The write pacer's window this entity last counted itself in."""
        self._trailing_write: asyncio.TimerHandle | None = None
        self._waiting: object = _NOTHING_WAITS
        """The latest state of a coalesced burst: applied when the entity is next written."""
        entry_id = hub.entry.entry_id
        self._attr_unique_id = unique_id(entry_id, device_id, description.platform, description.id)
        device = hub.devices.get(device_id)
        if device is not None and device.device_entry is not None:
            # Home Assistant then links the entity to it without a registry lookup per entity.
            self.device_entry = device.device_entry
        else:
            self._attr_device_info = DeviceInfo(identifiers={device_identifier(entry_id, device_id)})
        self._attr_name = description.name
        self._attr_icon = description.icon
        self._attr_entity_registry_enabled_default = description.enabled_by_default
        if description.category is not None:
            category = EntityCategory(description.category)
            if category is EntityCategory.CONFIG and description.platform in READ_ONLY_PLATFORMS:
                category = EntityCategory.DIAGNOSTIC  # Home Assistant refuses config on these
            self._attr_entity_category = category

    @property
    def available(self) -> bool:
        """Available while connected and the device was heard recently."""
        return self._hub.is_device_available(self.device_id)

    async def async_added_to_hass(self) -> None:
        """Start receiving states, beginning with the last one known."""
        self.async_on_remove(self._hub.register_entity(self))
        self.async_on_remove(self._cancel_trailing_write)
        if (value := self._hub.last_state(self.device_id, self.key)) is not None:
            self.apply_state(cast("S", value))

    @callback
    def handle_state(self, value: S) -> None:
        """Apply a state from the device and write it, at most every write interval (write_pacer.py).

        A state after a quiet spell is written at once; a burst from a
        flooding device is coalesced into one trailing write of its latest
        state, so recorder, frontend and automations are not flooded too.
        Until that write the latest state only waits: setting the entity's
        attributes for every state of a flood would cost for nothing, as
        Home Assistant reads them when the entity is written.
        """
        if self._trailing_write is not None:
            self._waiting = value
            return
        wait = self._last_write + self._hub.write_pacer.interval - self.hass.loop.time()
        if wait <= 0:
            self.apply_state(value)
            self._write_now()
        else:
            self._waiting = value
            self._trailing_write = self.hass.loop.call_later(wait, self._write_now)

    @callback
    def write_confirmed(self, value: S) -> None:
        """Apply and write at once a state that acknowledges this entity's command (no coalescing)."""
        self._waiting = _NOTHING_WAITS  # older than the confirmed state
        self.apply_state(value)
        self._write_now()

    @callback
    def _write_now(self) -> None:
        self._cancel_trailing_write()
        self._last_write = self.hass.loop.time()
        self._write_window = self._hub.write_pacer.wrote(self._write_window)
        self.write()

    @callback
    def write(self) -> None:
        """Write the entity to Home Assistant, with the latest state of a burst if one waits.

        Every write of the integration's goes through here (paced, confirmed,
        availability). A write Home Assistant makes itself shows the state
        last written until the trailing write.
        """
        if self._waiting is not _NOTHING_WAITS:
            waiting, self._waiting = self._waiting, _NOTHING_WAITS
            self.apply_state(cast("S", waiting))
        self.async_write_ha_state()

    @callback
    def _cancel_trailing_write(self) -> None:
        if self._trailing_write is not None:
            self._trailing_write.cancel()
            self._trailing_write = None

    def apply_state(self, value: S) -> None:
        """Store a state the platform module validated in the entity's attributes."""
        raise NotImplementedError

    def handle_event(self, event: object) -> None:
        """Fire an event the platform module validated; only platforms with events receive any."""
        raise NotImplementedError

    async def async_command(self, payload: dict[str, Any]) -> None:
        """Send a command; apply the state the device confirms in its reply."""
        reply = await self._hub.async_command(self.device_id, self.key, payload)
        if reply.state is None:
            return
        try:
            value = cast("S", state_from_mapping(self.description, reply.state))
        except ProtocolError as err:
            _LOGGER.warning(
                "Device %s: ignoring invalid state in the reply for %s: %s",
                self.device_id,
                self.description.id,
                err,
            )
            return
        if self._trailing_write is None and self._hub.last_state(self.device_id, self.key) == value:
            # Already written: a device publishes the new state before its reply, and
            # that message was handled first. A second write would only cost time.
            return
        self._hub.store_state(self.device_id, self.key, value)
        # The confirmed state is in hass.states when the action returns.
        self.write_confirmed(value)


def async_setup_platform_entities[I: EntityInfo](
    entry: NatsConfigEntry,
    platform: str,
    add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[NatsHub, str, I], NatsEntity[I, Any]],
) -> None:
    """Create this platform's entities whenever discovery finds new ones."""
    hub = entry.runtime_data.hub

    @callback
    def _add(device_id: str, descriptions: list[I]) -> None:
        add_entities(factory(hub, device_id, description) for description in descriptions)

    entry.async_on_unload(async_dispatcher_connect(hub.hass, hub.signal_new_entities(platform), _add))
    # Entities restored from JetStream at set-up are added with the platform, in one batch.
    restored = hub.discovery.take_restored(platform).items()
    add_entities(
        factory(hub, device_id, cast("I", description))
        for device_id, descriptions in restored
        for description in descriptions
    )
