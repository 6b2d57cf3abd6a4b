"""One socket to one server: the handshake (INFO, TLS, CONNECT, PING, PONG), then the client's bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import ssl
from typing import TYPE_CHECKING, Any, Final

import nats.errors

from . import wire
from .servers import Server

if TYPE_CHECKING:
    from .client import Client

CLOSE_TIMEOUT: Final = 2.0

type ConnectOperation = Callable[[Server, dict[str, Any], bool], bytes]
"""Builds CONNECT from the server, its INFO and whether TLS is in use."""


class Handshake:
    """The server's operations until the PONG that accepts CONNECT; then the client takes over."""

    def __init__(
        self,
        client: Client,
        *,
        tls: ssl.SSLContext | None,
        tls_hostname: str,
        handshake_first: bool,
        timeout: float,
    ) -> None:
        self.client = client
        self.tls = tls
        self.tls_hostname = tls_hostname
        self.handshake_first = handshake_first
        self.timeout = timeout
        self.info: asyncio.Future[dict[str, Any]] = client.loop.create_future()
        self.accepted: asyncio.Future[None] = client.loop.create_future()
        self.wire: Wire | None = None

    def on_msg(self, sid: int, subject: str, reply: str, header: bytes | None, payload: bytes) -> None:
        """No subscription exists before the handshake ends."""

    def on_info(self, info: dict[str, Any]) -> None:
        """Take the first INFO, which opens the handshake."""
        if not self.info.done():
            self.client.note_info(info)
            self.info.set_result(info)

    def on_ping(self) -> None:
        """Answer a keepalive."""
        assert self.wire is not None
        self.wire.write(wire.PONG)

    def on_pong(self) -> None:
        """Hand the next operations to the client: the server accepted CONNECT."""
        assert self.wire is not None
        self.wire.parser.handler = self.client
        if not self.accepted.done():
            self.accepted.set_result(None)

    def on_err(self, text: str) -> None:
        """Fail the handshake: the server refused the connection."""
        self.fail(wire.server_error(text))

    def fail(self, err: BaseException) -> None:
        """End the handshake with err."""
        for future in (self.info, self.accepted):
            if not future.done():
                future.set_exception(err)
                # Retrieved here so a handshake abandoned by a timeout logs nothing.
                future.exception()

    @property
    def done(self) -> bool:
        """Whether the server accepted CONNECT."""
        accepted = self.accepted
        # Cancelled when the connect timed out while waiting for the PONG.
        return accepted.done() and not accepted.cancelled() and accepted.exception() is None


class Wire(asyncio.Protocol):
    """The socket: parses what arrives, writes what the client sends."""

    def __init__(self, client: Client, handshake: Handshake) -> None:
        self.client = client
        self.handshake = handshake
        self.parser = wire.Parser(handshake)
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = client.loop.create_future()
        handshake.wire = self

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the socket."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Parse and handle every complete operation."""
        rounds = self.client.rounds
        rounds.read_started()
        try:
            self.parser.feed(data)
        except wire.ProtocolError as err:
            self.handshake.fail(err)
            self.client.report_soon(err)
            self.abort()
        finally:
            rounds.release()  # the messages parsed before an error were whole: hand them over too

    def eof_received(self) -> bool:
        """Close our side too when the server closed its side."""
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Tell the handshake, or the client once connected."""
        if not self.closed.done():
            self.closed.set_result(None)
        if not self.handshake.done:
            self.handshake.fail(exc or nats.errors.UnexpectedEOF())
            return
        self.client.connection_lost(self, exc)

    def write(self, data: bytes) -> None:
        """Send data (buffered by asyncio when the socket is full)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    @property
    def is_open(self) -> bool:
        """Whether the socket is still up."""
        return not self.closed.done()

    def abort(self) -> None:
        """Drop the socket at once."""
        if self.transport is not None:
            self.transport.abort()

    async def close(self) -> None:
        """Close after sending what is buffered; wait a little for it."""
        if self.transport is not None:
            self.transport.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await asyncio.shield(self.closed)


async def open_wire(client: Client, server: Server, handshake: Handshake, connect: ConnectOperation) -> Wire:
    """Connect to server and run the handshake; raise what failed."""
    loop = client.loop
    first = handshake.handshake_first
    context = handshake.tls
    if first and context is None:
        context = ssl.create_default_context()
    wire_: Wire | None = None
    try:
        async with asyncio.timeout(handshake.timeout):
            _, wire_ = await loop.create_connection(
                lambda: Wire(client, handshake),
                server.host,
                server.port,
                ssl=context if first else None,
                server_hostname=handshake.tls_hostname if first else None,
            )
            info = await handshake.info
            upgrade = not first and (
                context is not None or server.url.scheme == "tls" or bool(info.get("tls_required"))
            )
            if upgrade:
                assert wire_.transport is not None
                upgraded = await loop.start_tls(
                    wire_.transport,
                    wire_,
                    context or ssl.create_default_context(),
                    server_hostname=handshake.tls_hostname,
                )
                assert isinstance(upgraded, asyncio.Transport)
                wire_.transport = upgraded
            wire_.write(connect(server, info, first or upgrade) + wire.PING)
            await handshake.accepted
    except BaseException:
        if wire_ is not None:
            wire_.abort()
        raise
    if not wire_.is_open:
        raise nats.errors.UnexpectedEOF
    return wire_
