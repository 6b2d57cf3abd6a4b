"""Every state message: routed to its entity, validated, kept, handed to the entity to write.

This is the ingest path (docs/benchmarks.md, State ingest): a flood of
100,000 states a second runs through `on_batch`, so the work per message is
kept to what it must do. The own client hands the state subscription's
messages over in batches, as they came off the wire (subscription.py,
batch_cb): no message object, no callback call and no guard per message.
A state's subject is resolved to its device, entity key and announcement
once; later states on it find that route in one lookup.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from homeassistant.core import callback

from . import device_history as history
from .device_runtime import DeviceRuntime, EntityKey
from .protocol.acknowledgement import ACK_HEADER
from .protocol.client import RawMessage, decode_headers
from .protocol.errors import ProtocolError
from .protocol.payloads import parse_state
from .protocol.platform import EntityInfo
from .protocol.transport import NatsMsg

if TYPE_CHECKING:
    from .hub import NatsHub

_LOGGER = logging.getLogger(__name__)

INVALID: Final = object()
"""What store_raw returns for a refused state (None is a valid state: unknown)."""

type Route = tuple[DeviceRuntime, EntityKey, EntityInfo]
"""Where a state subject leads: the device, the entity's key and its announcement."""


class StateIngest:
    """The hub's state handler, for the own client's batches and nats-py's single messages."""

    def __init__(self, hub: NatsHub) -> None:
        """Route states to the hub's devices; nothing is known until a state arrives."""
        self._hub = hub
        self._routes: dict[str, Route] = {}
        """State subject → its route, for announced entities only; dropped whenever an
        announcement or a device goes (forget_routes), and found again on the next state."""

    @callback
    def forget_routes(self) -> None:
        """Drop every route (a device's entities changed, or the device was removed)."""
        self._routes.clear()

    @callback
    def on_batch(self, batch: list[RawMessage]) -> None:
        """Handle the own client's state messages, in order.

        One bad message is logged with its subject and does not stop the rest.
        """
        apply = self._apply
        for subject, _reply, header_block, payload in batch:
            try:
                ack = decode_headers(header_block).get(ACK_HEADER) if header_block is not None else None
                apply(subject, payload, ack)
            except Exception:
                _LOGGER.exception("Unexpected error handling the message on %s", subject)

    @callback
    def on_message(self, msg: NatsMsg) -> None:
        """Handle one state message from nats-py (websocket servers); the hub guards the call."""
        headers = msg.headers
        self._apply(msg.subject, msg.data, headers.get(ACK_HEADER) if headers else None)

    def _apply(self, subject: str, payload: bytes, ack: str | None) -> None:
        route = self._routes.get(subject)
        if route is None:
            route = self._route(subject, payload)
            if route is None:
                return
        device, key, description = route
        hub = self._hub
        hub.availability.heard(device.liveness)
        value = self.store_raw(subject, device, key, description, payload)
        if value is INVALID:
            if ack is not None:
                hub.command_inbox.acknowledge(ack, subject, invalid=True)
            return
        entity = device.entities.get(key)
        if ack is not None and hub.command_inbox.acknowledge(ack, subject):
            if entity is not None:  # the confirmed state is in hass.states when the action returns
                entity.write_confirmed(value)
        elif entity is not None:
            entity.handle_state(value)

    def _route(self, subject: str, payload: bytes) -> Route | None:
        """Resolve a subject not seen since the routes were last dropped; keep an early state."""
        hub = self._hub
        parsed = hub.subjects.parse_entity(subject)
        if parsed is None:
            _LOGGER.debug("Ignoring state on malformed subject %s", subject)
            return None
        key = (parsed.platform, parsed.entity_id)
        device = hub.devices.get(parsed.device_id)
        description = device.descriptions.get(key) if device is not None else None
        if device is None or description is None:
            _LOGGER.debug("Keeping state on %s until its entity is announced", subject)
            hub.early_states.add(parsed.device_id, key, payload)
            return None
        route = self._routes[subject] = (device, key, description)
        return route

    def store_raw(
        self, subject: str, device: DeviceRuntime, key: EntityKey, description: EntityInfo, raw: bytes
    ) -> object:
        """Validate and keep a state payload; a bad one is logged with its subject (INVALID)."""
        hub = self._hub
        try:
            value = parse_state(description, raw)
        except ProtocolError as err:
            hub.counters.states_invalid += 1
            history.record_refused(device, "state", subject, err)
            hub.log_limiter.warning(subject, str(err), "Ignoring state on %s: %s", subject, err)
            return INVALID
        hub.counters.states_applied += 1
        device.states[key] = value
        device.raw_states[key] = raw
        return value

    def keep_fitting_states(self, device: DeviceRuntime, previous: dict[EntityKey, EntityInfo]) -> None:
        """After a re-announcement, keep each state its entity's new announcement still accepts.

        An unchanged entity keeps its state; a removed one loses it. A changed
        one has its state's payload judged again: a number kept for a sensor
        now announced as an enum would stop Home Assistant from adding the
        re-created entity at all. A state that no longer fits (or has no
        payload: confirmed in a command's reply) is dropped, and the entity
        starts unknown until its device publishes again, as devices do after
        announcing.
        """
        descriptions = device.descriptions
        states, raw_states = device.states, device.raw_states
        device.states, device.raw_states = {}, {}
        for key, state in states.items():
            description = descriptions.get(key)
            if description is None:
                continue
            raw = raw_states.get(key)
            value = state
            if previous.get(key) != description:
                if raw is None:
                    continue
                try:
                    value = parse_state(description, raw)
                except ProtocolError as err:
                    _LOGGER.debug(
                        "Device %s: dropping the state of %s, which its new announcement refuses: %s",
                        device.id,
                        key[1],
                        err,
                    )
                    continue
            device.states[key] = value
            if raw is not None:
                device.raw_states[key] = raw
