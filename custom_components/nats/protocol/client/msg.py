"""A message as the client hands it to a subscription."""

from __future__ import annotations

from typing import TYPE_CHECKING

import nats.errors

from .wire import NO_RESPONDERS, decode_headers

if TYPE_CHECKING:
    from .client import Client


class Msg:
    """One received message: nats-py's `Msg` surface, with headers decoded when first read."""

    __slots__ = ("_client", "_header_block", "_headers", "data", "reply", "sid", "subject")

    def __init__(
        self, client: Client, sid: int, subject: str, reply: str, header_block: bytes | None, data: bytes
    ) -> None:
        self._client = client
        self.sid = sid
        self.subject = subject
        self.reply = reply
        self.data = data
        self._header_block = header_block
        self._headers: dict[str, str] | None = None

    @property
    def headers(self) -> dict[str, str] | None:
        """The message's headers, or None when it has none."""
        if self._headers is None and self._header_block is not None:
            self._headers = decode_headers(self._header_block)
        # A block without headers (nats-py sends one for headers={}) is None, as nats-py reads it.
        return self._headers or None

    @property
    def header(self) -> dict[str, str] | None:
        """The headers under nats-py's older name."""
        return self.headers

    async def respond(self, data: bytes, headers: dict[str, str] | None = None) -> None:
        """Publish data to the message's reply subject."""
        if not self.reply:
            # nats-py's error class, so code written for nats-py catches it.
            raise nats.errors.Error("nats: no reply subject available")
        await self._client.publish(self.reply, data, headers=headers)

    @property
    def is_no_responders(self) -> bool:
        """Whether the server sent this for a request nobody was subscribed to."""
        return self._header_block is not None and self._header_block.startswith(NO_RESPONDERS)

    def __repr__(self) -> str:
        """Show subject, reply and the start of the data."""
        return f"<Msg subject={self.subject!r} reply={self.reply!r} data={self.data[:20]!r}...>"
