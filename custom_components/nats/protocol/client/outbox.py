"""What the client sends: written at once when idle, a burst coalesced, held while disconnected.

A publish that finds nothing written in this loop iteration goes straight
to the socket (no flusher task to wake, as nats-py has); the writes that
follow it in the same iteration are joined and written once the loop comes
round. While there is no connection, operations wait here, up to
`pending_size` bytes, and go out first on the next one.
"""

from __future__ import annotations

import asyncio

import nats.errors

from .connection import Wire


class Outbox:
    """Operations on their way to the server."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queued: list[bytes] = []
        self._held_size = 0
        """Bytes held while disconnected (bounded by pending_size)."""
        self._coalescing = False
        self.wire: Wire | None = None
        """The connection to write to, None while there is none."""

    def send(self, data: bytes, pending_size: int) -> None:
        """Write data now if nothing was written in this loop iteration, else queue it behind."""
        wire = self.wire
        if wire is not None:
            if self._coalescing:
                self._queued.append(data)
                return
            wire.write(data)
            self._coalescing = True
            self._loop.call_soon(self._write_queued)
            return
        if self._held_size + len(data) > pending_size:
            raise nats.errors.OutboundBufferLimitError
        self._queued.append(data)
        self._held_size += len(data)

    def _write_queued(self) -> None:
        """Write what queued in the last loop iteration in one go; stop coalescing once idle."""
        if not self._queued or self.wire is None:
            self._coalescing = False
            return
        data = b"".join(self._queued)
        self._queued.clear()
        self.wire.write(data)
        self._loop.call_soon(self._write_queued)

    def take(self) -> list[bytes]:
        """Return and forget everything queued (to go out first on a new connection, or at close)."""
        queued, self._queued = self._queued, []
        self._held_size = 0
        return queued
