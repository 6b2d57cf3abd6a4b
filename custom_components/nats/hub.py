"""One home on NATS: the connection, its subscriptions and message dispatch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback

import nats.aio.client
import nats.errors

from . import device_history as history
from .availability import AvailabilityTracker
from .client_errors import ClientErrors
from .command_inbox import CommandInbox
from .commands import async_send_command
from .connection import ConnectionFailedError, async_close, async_open_home, async_tls_context
from .const import (
    CONF_PREFIX,
    CONF_REPLICAS,
    DEFAULT_PREFIX,
    DEFAULT_REPLICAS,
    DOMAIN,
)
from .counters import MessageCounters
from .device_config import DeviceConfigStore
from .device_events import async_fire_availability
from .device_logs import DeviceLogs
from .device_options import command_timeout
from .device_runtime import DeviceRuntime, EntityKey
from .discovery import Discovery
from .early_states import EarlyStates
from .log_limiter import LogLimiter
from .message_guard import guarded, guarded_plain
from .platform_loader import PlatformLoader
from .presence import Presence
from .protocol import client as own_client
from .protocol.errors import ProtocolError
from .protocol.expiry import ControllerClock
from .protocol.models import Reply
from .protocol.payloads import parse_event, parse_heartbeat
from .protocol.platform import EntityInfo
from .protocol.subjects import Subjects
from .protocol.transport import NatsClient, NatsMsg
from .restore import RestoreSummary, async_restore
from .retention import RetentionResult, async_ensure_streams
from .state_ingest import StateIngest
from .write_pacer import WritePacer

if TYPE_CHECKING:
    from .entity import NatsEntity
    from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)

PENDING_MSGS_LIMIT: Final = 512 * 1024
PENDING_BYTES_LIMIT: Final = 128 * 1024 * 1024
"""Per subscription (nats-py's defaults, made explicit): the backlog a flood can build
before the client drops messages as a slow consumer, which bounds Home Assistant's memory."""


class NatsHub:
    """Connects one config entry to NATS and routes messages to entities."""

    def __init__(self, hass: HomeAssistant, entry: NatsConfigEntry) -> None:
        """Prepare the hub; nothing touches the network until async_connect."""
        self.hass = hass
        self.entry = entry
        self.subjects = Subjects(entry.data.get(CONF_PREFIX, DEFAULT_PREFIX))
        self.clock = ControllerClock()
        self.client: NatsClient | None = None
        """Every message: this project's own client unless the servers are websocket URLs."""
        self.jetstream_client: nats.aio.client.Client | None = None
        """nats-py, for its JetStream API (streams, consumers, the settings bucket): the same
        connection as `client` when that is nats-py's, else a second one, off the hot path."""
        self.connected = False
        self.devices: dict[str, DeviceRuntime] = {}
        """Every announced device, by id: all the hub knows about each."""
        self.discovery = Discovery(self)
        self.presence = Presence(self)
        self.availability = AvailabilityTracker(hass, entry, self._on_availability_change)
        self.platforms = PlatformLoader(hass, entry)
        self.retention = RetentionResult(available=False, mismatches={})
        self.device_config = DeviceConfigStore(self)
        self.restored = RestoreSummary()
        self.early_states = EarlyStates()
        self.state_ingest = StateIngest(self)
        self.counters = MessageCounters()
        self.write_pacer = WritePacer(hass.loop.time)
        self.command_inbox = CommandInbox()
        self.device_logs = DeviceLogs(self)
        self.client_errors = ClientErrors(self)
        """The clients' error callback; the actions and the trigger listen to its permissions violations."""
        # A device repeating a mistake writes one warning a minute per subject and reason.
        self.log_limiter = LogLimiter(_LOGGER, hass.loop.time)

    @property
    def command_timeout(self) -> float:
        """Seconds to wait for a device to answer a command."""
        return command_timeout(self.entry.options)

    def signal_new_entities(self, platform: str) -> str:
        """Dispatcher signal carrying new entities of one platform."""
        return f"{DOMAIN}_{self.entry.entry_id}_new_{platform}"

    async def async_connect(self) -> None:
        """Connect, or raise the config entry error Home Assistant should act on."""
        tls = await async_tls_context(self.hass, self.entry.data)
        try:
            client, jetstream = await async_open_home(
                self.entry.data,
                tls,
                name=f"Home Assistant ({self.hass.config.location_name})",
                error_cb=self.client_errors.async_on_error,
                disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected,
            )
        except ConnectionFailedError as err:
            raise err.config_entry_error() from err
        self.jetstream_client = jetstream
        self.client = client
        self.connected = True

    async def async_start(self) -> None:
        """Subscribe to the home's subjects and ask every device to announce.

        Closing the client drops the subscriptions; the client renews them on reconnect.
        """
        assert self.client is not None
        subjects = self.subjects
        # First: entities restored below can be commanded as soon as they exist.
        await self.command_inbox.async_start(self.client)
        # Before any device is asked to announce: the streams must capture the answers.
        replicas = int(self.entry.options.get(CONF_REPLICAS, DEFAULT_REPLICAS))
        assert self.jetstream_client is not None
        self.retention = await async_ensure_streams(self.jetstream_client, subjects, replicas)
        await self.device_config.async_start(replicas)
        self.retention.async_update_issues(self.hass, self.entry)  # mismatches as repair issues
        if self.retention.available:  # every retained device and state, before any device speaks
            self.restored = await async_restore(self)
        for subject, handler in (
            (subjects.announce, self._on_announce),
            (subjects.announce_any, self._on_announce),
            (subjects.status_any, self._on_status),
            (subjects.state_any, self._on_state),
            (subjects.event_any, self._on_event),
            (subjects.log_any, self.device_logs.async_on_message),
        ):
            await self._async_subscribe(subject, handler)
        self.entry.async_on_unload(
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop)
        )
        await self.presence.async_say_online()

    async def _async_subscribe(
        self, subject: str, handler: Callable[[NatsMsg], Awaitable[None]] | Callable[[NatsMsg], None]
    ) -> None:
        client = self.client
        assert client is not None
        msgs, size = PENDING_MSGS_LIMIT, PENDING_BYTES_LIMIT
        if not isinstance(client, own_client.Client):
            await client.subscribe(
                subject, cb=guarded(handler), pending_msgs_limit=msgs, pending_bytes_limit=size
            )
        elif handler == self._on_state:
            # The ingest path: a flood's states in batches, not one callback each (state_ingest.py).
            await client.subscribe(
                subject, batch_cb=self._on_states, pending_msgs_limit=msgs, pending_bytes_limit=size
            )
        else:
            await client.subscribe(
                subject, cb=guarded_plain(handler), pending_msgs_limit=msgs, pending_bytes_limit=size
            )

    async def async_stop(self) -> None:
        """Say goodbye, close the connection and cancel timers."""
        for device in self.devices.values():
            self.availability.disarm(device.liveness)
        await self.device_config.async_stop()  # its watch's tasks end with it, not after
        client, self.client = self.client, None
        jetstream, self.jetstream_client = self.jetstream_client, None
        self.connected = False
        if jetstream is not None and jetstream is not client and not jetstream.is_closed:
            await async_close(jetstream)
        if client is None or client.is_closed:
            return
        with contextlib.suppress(nats.errors.Error, TimeoutError, OSError):
            await self.presence.async_say_offline(client)
        await async_close(client)

    async def _async_on_hass_stop(self, _event: Event) -> None:
        await self.async_stop()

    # Entities and their state

    def is_device_available(self, device_id: str) -> bool:
        """Available while connected and the device was heard recently."""
        device = self.devices.get(device_id)
        return self.connected and device is not None and device.liveness.available

    @callback
    def register_entity(self, entity: NatsEntity[Any, Any]) -> Callable[[], None]:
        """Route a device's states to an entity until the returned callable is called."""
        device = self.devices.get(entity.device_id)
        if device is None:  # removed by the user while the entity was being added
            return lambda: None
        entities = device.entities
        entities[entity.key] = entity

        @callback
        def _unregister() -> None:
            if entities.get(entity.key) is entity:
                del entities[entity.key]

        return _unregister

    def last_state(self, device_id: str, key: EntityKey) -> object:
        """Return the last state a device published for an entity."""
        device = self.devices.get(device_id)
        return device.states.get(key) if device is not None else None

    def store_state(self, device_id: str, key: EntityKey, value: object) -> None:
        """Remember an entity's latest state (e.g. one confirmed by a reply)."""
        if (device := self.devices.get(device_id)) is not None:
            device.states[key] = value
            device.raw_states.pop(key, None)  # not read from a payload of its own

    def set_descriptions(
        self,
        device: DeviceRuntime,
        descriptions: dict[EntityKey, EntityInfo],
        retained: dict[EntityKey, bytes] | None = None,
    ) -> None:
        """Replace the entities a device announced, keeping the states that still fit.

        Retained states (restore.py) and states that arrived before the
        announcement are applied now, before the entities are added, so they
        start with them; a live one wins over a retained one.
        """
        previous, device.descriptions = device.descriptions, descriptions
        self.state_ingest.forget_routes()
        self.state_ingest.keep_fitting_states(device, previous)
        for key, raw in {**(retained or {}), **self.early_states.take(device.id)}.items():
            if (description := descriptions.get(key)) is not None:
                subject = self.subjects.entity(device.id, key[0], key[1], "state")
                self.state_ingest.store_raw(subject, device, key, description, raw)

    async def async_remove_entity(self, device: DeviceRuntime, key: EntityKey) -> None:
        """Remove a live entity object (its registry entry is left alone)."""
        entity = device.entities.pop(key, None)
        if entity is not None:
            await entity.async_remove(force_remove=True)

    def forget_device(self, device_id: str) -> None:
        """Forget everything about a device the user removed; it returns when it announces again."""
        self.state_ingest.forget_routes()
        if (device := self.devices.pop(device_id, None)) is not None:
            self.availability.disarm(device.liveness)

    def device_name(self, device_id: str) -> str:
        """Return the announced name of a device, or its id."""
        device = self.devices.get(device_id)
        return device.name if device else device_id

    async def async_command(self, device_id: str, key: EntityKey, payload: dict[str, Any]) -> Reply:
        """Send a command to an entity and return the device's positive reply."""
        platform, entity_id = key
        timeout = command_timeout(self.entry.options, device_id)
        return await async_send_command(
            self.client if self.connected else None,
            self.command_inbox,
            self.subjects.entity(device_id, platform, entity_id, "command"),
            {**payload, **self.clock.command_stamp(timeout)},
            device=self.device_name(device_id),
            timeout=timeout,
            # Nobody holds the command subscription: the device is gone, whatever
            # its heartbeat window says, until it is heard again.
            on_no_responders=lambda: self._no_responders(device_id),
            record=history.command_recorder(self.devices.get(device_id), key, payload),
        )

    def _no_responders(self, device_id: str) -> None:
        if (device := self.devices.get(device_id)) is not None:
            self.availability.offline(device.liveness)

    @callback
    def _on_availability_change(self, device_id: str) -> None:
        if self.hass.is_stopping:
            return
        device = self.devices.get(device_id)
        if device is None:
            return
        history.record_availability(device)
        if device.liveness.available:
            _LOGGER.info("Device %s is available", device_id)
        else:
            _LOGGER.info("Device %s is unavailable: offline or not heard from in time", device_id)
        async_fire_availability(self.hass, device)  # the logbook's entry for the device
        for entity in list(device.entities.values()):
            entity.write()

    @callback
    def _write_all(self) -> None:
        if self.hass.is_stopping:
            return
        for device in self.devices.values():
            for entity in list(device.entities.values()):
                entity.write()

    # Message handlers (the client runs them in order, per subscription)

    async def _on_announce(self, msg: NatsMsg) -> None:
        subject_device = self.subjects.announce_device(msg.subject)
        if subject_device is None:
            return
        await self.discovery.async_handle(msg.subject, subject_device, msg.data)

    @callback
    def _on_status(self, msg: NatsMsg) -> None:
        device_id = self.subjects.status_device(msg.subject)
        device = self.devices.get(device_id) if device_id is not None else None
        if device is None:
            _LOGGER.debug("Ignoring heartbeat on %s from a device that has not announced", msg.subject)
            return
        try:
            heartbeat = parse_heartbeat(msg.data)
        except ProtocolError as err:
            self.log_limiter.warning(msg.subject, str(err), "Ignoring heartbeat on %s: %s", msg.subject, err)
            history.record_refused(device, "heartbeat", msg.subject, err)
            return
        if heartbeat.online:
            self.availability.track(device.liveness, heartbeat.interval, history.REASON_HEARTBEAT)
        else:
            self.availability.offline(device.liveness, history.REASON_OFFLINE_HEARTBEAT)

    @callback
    def _on_state(self, msg: NatsMsg) -> None:
        """Handle a state from nats-py (websocket servers), one message at a time."""
        self.state_ingest.on_message(msg)

    @callback
    def _on_states(self, batch: list[own_client.RawMessage]) -> None:
        """Handle the own client's states, in batches (state_ingest.py)."""
        self.state_ingest.on_batch(batch)

    @callback
    def _on_event(self, msg: NatsMsg) -> None:
        """Fire a live event on its entity.

        Unlike a state, an event is never kept for later: one for an entity not
        announced (or not added) yet is dropped, and nothing is read back after
        a reconnect, as events are momentary (docs/protocol.md, Event).
        """
        parsed = self.subjects.parse_entity(msg.subject)
        if parsed is None:
            _LOGGER.debug("Ignoring event on malformed subject %s", msg.subject)
            return
        key = (parsed.platform, parsed.entity_id)
        device = self.devices.get(parsed.device_id)
        description = device.descriptions.get(key) if device is not None else None
        if device is None or description is None:
            _LOGGER.debug("Ignoring event on %s: its entity has not been announced", msg.subject)
            return
        self.availability.heard(device.liveness)
        try:
            event = parse_event(description, msg.data)
        except ProtocolError as err:
            self.log_limiter.warning(
                msg.subject, str(err), "Device %s: ignoring event on %s: %s", device.id, msg.subject, err
            )
            history.record_refused(device, "event", msg.subject, err)
            return
        if (entity := device.entities.get(key)) is not None:
            entity.handle_event(event)

    # Connection events

    async def _on_disconnected(self) -> None:
        if not self.connected or self.client is None:
            return
        self.connected = False
        _LOGGER.info("Lost the connection to the NATS server; NATS entities are unavailable")
        self._write_all()

    async def _on_reconnected(self) -> None:
        if self.client is None:
            return
        self.connected = True
        url = self.client.connected_url
        _LOGGER.info("Reconnected to the NATS server at %s", url.hostname if url else "?")
        self._write_all()
        with contextlib.suppress(nats.errors.Error):
            await self.presence.async_say_online()
