"""What the NATS client reports asynchronously: refused credentials, dropped messages, the rest."""

from __future__ import annotations

from collections.abc import Callable
import logging
import math
from typing import TYPE_CHECKING, Final

import nats.errors

if TYPE_CHECKING:
    from .hub import NatsHub

_LOGGER = logging.getLogger(__name__)

DROP_WARNING_INTERVAL: Final = 60.0
"""Seconds between two warnings about dropped messages (each drop is counted)."""
PERMISSIONS_VIOLATION: Final = "permissions violation"
"""What nats-server's -ERR says (both clients lower-case it) when it refuses a publish or a subscription."""

type ViolationListener = Callable[[str], None]


class ClientErrors:
    """The NATS clients' error callback for one hub: starts reauth once, counts drops, logs the rest."""

    def __init__(self, hub: NatsHub) -> None:
        self._hub = hub
        self._reauth_started = False
        self._drop_warned_at = -math.inf
        self._violation_listeners: list[ViolationListener] = []

    def listen_violations(self, listener: ViolationListener) -> Callable[[], None]:
        """Call listener with the text of every permissions violation until the returned callable is called.

        The server names the refused subject (`... for publish to "a.b"`) but
        not the request that caused it, so the actions and the trigger, which
        know their subject, say which one was refused.
        """
        self._violation_listeners.append(listener)

        def _remove() -> None:
            if listener in self._violation_listeners:
                self._violation_listeners.remove(listener)

        return _remove

    async def async_on_error(self, err: Exception) -> None:
        """Handle one error a NATS client reports."""
        hub = self._hub
        if isinstance(err, nats.errors.AuthorizationError) or "authorization" in str(err).lower():
            if not self._reauth_started and hub.client is not None:
                self._reauth_started = True
                _LOGGER.error("NATS server refused the credentials: %s", err)
                hub.entry.async_start_reauth(hub.hass)
            return
        if PERMISSIONS_VIOLATION in str(err).lower():
            for listener in list(self._violation_listeners):
                listener(str(err).lower())
        if isinstance(err, nats.errors.SlowConsumerError):
            self._on_message_dropped(err.subject)
            return
        if isinstance(err, (nats.errors.Error, OSError, TimeoutError)):
            _LOGGER.debug("NATS client error: %s", err)
        else:
            _LOGGER.warning("Unexpected error in the NATS client", exc_info=err)

    def _on_message_dropped(self, subject: str) -> None:
        """Count a message the client dropped from a full subscription backlog; warn now and then."""
        counters = self._hub.counters
        counters.messages_dropped += 1
        now = self._hub.hass.loop.time()
        if now - self._drop_warned_at < DROP_WARNING_INTERVAL:
            return
        self._drop_warned_at = now
        _LOGGER.warning(
            "Home Assistant is not keeping up with NATS messages and dropped one on %s "
            "(%d dropped since set-up); a device may be flooding",
            subject,
            counters.messages_dropped,
        )
