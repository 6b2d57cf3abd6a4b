"""Home Assistant's presence on NATS: `ha.status` online and offline, and the discovery gather.

Coming online (set-up, reconnect), Home Assistant says `ha.status` online
and sends one discovery request with a reply subject: every device
re-announces on its own subject (which the streams keep and the hub
handles) and also answers on the reply subject, each after a random 0-1 s,
so a thousand devices do not answer at once (docs/protocol.md,
"Announcement"). The answers gathered within the window say which devices
are there right now (diagnostics).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Final

import nats.errors

from .protocol import PROTOCOL_VERSION
from .protocol.payloads import claimed_device_id, encode
from .protocol.transport import NatsClient, NatsMsg, NatsSubscription

if TYPE_CHECKING:
    from .hub import NatsHub

_LOGGER = logging.getLogger(__name__)

GATHER_WINDOW: Final = 2.0
"""Seconds to gather answers: devices wait up to 1 s, plus the time to send everything."""


@dataclass(frozen=True, slots=True)
class GatherResult:
    """The devices that answered the last discovery request, and when it was sent."""

    sent_at: float
    answered: frozenset[str]


class Presence:
    """Says online and offline for one hub and gathers the devices that answer."""

    def __init__(self, hub: NatsHub) -> None:
        self._hub = hub
        self.last_gather: GatherResult | None = None

    async def async_say_online(self) -> None:
        """Say online and ask every device to announce; the answers are gathered in the background."""
        hub = self._hub
        client = hub.client
        assert client is not None
        # Stamped with the controller clock: devices date later commands by it.
        await client.publish(
            hub.subjects.ha_status,
            encode({"v": PROTOCOL_VERSION, "status": "online", **hub.clock.stamp()}),
        )
        answered: set[str] = set()

        async def _on_answer(msg: NatsMsg) -> None:
            # The announcement itself is handled from the device's own subject.
            if device_id := claimed_device_id(msg.data):
                answered.add(device_id)

        inbox = client.new_inbox()
        subscription = await client.subscribe(inbox, cb=_on_answer)
        sent_at = time.time()
        await client.publish(
            hub.subjects.discovery_request,
            encode({"v": PROTOCOL_VERSION, **hub.clock.stamp()}),
            reply=inbox,
        )
        hub.entry.async_create_background_task(
            hub.hass, self._async_gather(subscription, sent_at, answered), "nats discovery gather"
        )

    async def _async_gather(self, subscription: NatsSubscription, sent_at: float, answered: set[str]) -> None:
        await asyncio.sleep(GATHER_WINDOW)
        try:
            await subscription.unsubscribe()
        except nats.errors.Error:
            return  # disconnected meanwhile: the reconnect gathers again
        self.last_gather = GatherResult(sent_at, frozenset(answered))
        silent = sorted(set(self._hub.devices) - answered)
        _LOGGER.debug(
            "%d devices answered the discovery request in %.1f s; known but silent: %s",
            len(answered),
            GATHER_WINDOW,
            ", ".join(silent) or "none",
        )

    async def async_say_offline(self, client: NatsClient) -> None:
        """Tell devices Home Assistant is going (they keep working; commands stop)."""
        if not client.is_connected:
            return
        await client.publish(
            self._hub.subjects.ha_status,
            encode({"v": PROTOCOL_VERSION, "status": "offline", **self._hub.clock.stamp()}),
        )
        await client.flush(timeout=1)
