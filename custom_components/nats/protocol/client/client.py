"""A NATS client on asyncio.Protocol: what nats-py's core API does, at a fraction of the event-loop work.

nats-py reads in a task, hands each message through a queue to a task per
subscription, and writes from a flusher task: about six event-loop
iterations for a request and its reply (docs/benchmarks.md). Here the socket's
data_received parses and runs the callback in place (subscription.py), and a
publish writes at once when the connection is idle (outbox.py). Requests:
requests.py; fairness between subscriptions in a burst: rounds.py. Same surface as nats-py's
`Client` for what this project uses (connect with every option it passes,
publish, subscribe, request, flush, drain, close, the callbacks and stats),
and nats-py's error classes, so either client can be handed to the device
library or Home Assistant's hub.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
import itertools
import logging
import secrets
import ssl
from typing import Any, Final
from urllib.parse import SplitResult

from nats.aio.client import ServerVersion
import nats.errors

from . import wire
from .auth import Auth
from .connection import Handshake, Wire, open_wire
from .msg import Msg
from .outbox import Outbox
from .requests import Requests
from .rounds import Rounds
from .servers import Server, ServerPool
from .subscription import (
    DEFAULT_PENDING_BYTES_LIMIT,
    DEFAULT_PENDING_MSGS_LIMIT,
    BatchCallback,
    MessageCallback,
    Subscription,
)

_LOGGER = logging.getLogger(__name__)

LANG: Final = "python-nats-home"
VERSION: Final = "1.0.0"
DEFAULT_PENDING_SIZE: Final = 2 * 1024 * 1024
"""Bytes a client buffers while reconnecting, as nats-py."""

type ErrorCallback = Callable[[Exception], Awaitable[None]]
type Callback = Callable[[], Awaitable[None]]

DISCONNECTED, CONNECTING, CONNECTED, RECONNECTING, DRAINING, CLOSED = range(6)


class Client:
    """One NATS connection that reconnects on its own, to any server of its cluster."""

    def __init__(self) -> None:
        self.options: dict[str, Any] = {}
        self.stats = {
            "in_msgs": 0,
            "out_msgs": 0,
            "in_bytes": 0,
            "out_bytes": 0,
            "reconnects": 0,
            "errors_received": 0,
        }
        self.loop = asyncio.get_running_loop()
        self._status = DISCONNECTED
        self._pool: ServerPool | None = None
        self._auth = Auth()
        self._server_info: dict[str, Any] = {}
        self._wire: Wire | None = None
        self._subs: dict[int, Subscription] = {}
        self._sids = itertools.count(1)
        self._outbox = Outbox(self.loop)
        self._pongs: deque[asyncio.Future[None] | None] = deque()
        """One entry per PING written on this connection: a flush waiting, or None for a keepalive."""
        self._flushes_to_resend: list[asyncio.Future[None]] = []
        self._pings_outstanding = 0
        self._ping_timer: asyncio.TimerHandle | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._inbox_prefix = "_INBOX"
        self._error_cb: ErrorCallback | None = None
        self._disconnected_cb: Callback | None = None
        self._reconnected_cb: Callback | None = None
        self._closed_cb: Callback | None = None
        self._discovered_server_cb: Callback | None = None
        self._lame_duck_mode_cb: Callback | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.rounds = Rounds(self.loop)
        self._requests = Requests(self)

    # --- Connecting -------------------------------------------------------------------------

    async def connect(
        self,
        servers: str | list[str] = "nats://localhost:4222",
        *,
        name: str | None = None,
        error_cb: ErrorCallback | None = None,
        disconnected_cb: Callback | None = None,
        reconnected_cb: Callback | None = None,
        closed_cb: Callback | None = None,
        discovered_server_cb: Callback | None = None,
        lame_duck_mode_cb: Callback | None = None,
        allow_reconnect: bool = True,
        connect_timeout: float = 2,
        reconnect_time_wait: float = 2,
        max_reconnect_attempts: int = 60,
        ping_interval: float = 120,
        max_outstanding_pings: int = 2,
        dont_randomize: bool = False,
        no_echo: bool = False,
        tls: ssl.SSLContext | None = None,
        tls_hostname: str | None = None,
        tls_handshake_first: bool = False,
        inbox_prefix: str = "_INBOX",
        pending_size: int = DEFAULT_PENDING_SIZE,
        drain_timeout: float = 30,
        verbose: bool = False,
        pedantic: bool = False,
        **auth: Any,
    ) -> None:
        """Connect to the first server that accepts, trying each up to max_reconnect_attempts times.

        `auth` takes nats-py's authentication options: user, password, token,
        nkeys_seed, nkeys_seed_str, user_credentials, user_jwt_cb, signature_cb.
        """
        if self._status != DISCONNECTED:
            raise nats.errors.Error("nats: the client was already connected")
        self._auth = Auth(**auth)
        self._error_cb, self._disconnected_cb = error_cb, disconnected_cb
        self._reconnected_cb, self._closed_cb = reconnected_cb, closed_cb
        self._discovered_server_cb, self._lame_duck_mode_cb = discovered_server_cb, lame_duck_mode_cb
        self._inbox_prefix = inbox_prefix
        self.options = {
            "name": name,
            "allow_reconnect": allow_reconnect,
            "connect_timeout": connect_timeout,
            "reconnect_time_wait": reconnect_time_wait,
            "max_reconnect_attempts": max_reconnect_attempts,
            "ping_interval": ping_interval,
            "max_outstanding_pings": max_outstanding_pings,
            "dont_randomize": dont_randomize,
            "no_echo": no_echo,
            "tls": tls,
            "tls_hostname": tls_hostname,
            "tls_handshake_first": tls_handshake_first,
            "pending_size": pending_size,
            "drain_timeout": drain_timeout,
            "verbose": verbose,
            "pedantic": pedantic,
        }
        urls = [servers] if isinstance(servers, str) else list(servers)
        self._pool = ServerPool(urls, randomize=not dont_randomize)
        self._status = CONNECTING
        last_error: BaseException | None = None
        server: Server | None = self._pool.first()
        while server is not None:
            await self._wait_turn(server)
            try:
                await self._open(server)
            except (OSError, TimeoutError, nats.errors.Error, ssl.SSLError, wire.ProtocolError) as err:
                last_error = err
                server.attempts += 1
                await self.report(err)
                if not allow_reconnect:
                    break
                server = self._pool.next(self.options["max_reconnect_attempts"])
                continue
            self._connected(server)
            return
        self._status = CLOSED
        if last_error is None:
            raise nats.errors.NoServersError
        raise last_error

    async def _wait_turn(self, server: Server) -> None:
        """Wait until reconnect_time_wait has passed since this server was last tried."""
        if server.last_attempt is not None:
            wait = server.last_attempt + self.options["reconnect_time_wait"] - self.loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        server.last_attempt = self.loop.time()

    async def _open(self, server: Server) -> None:
        """Connect to server and complete the handshake (INFO, TLS, CONNECT, PING, PONG)."""
        options = self.options
        handshake = Handshake(
            self,
            tls=options["tls"],
            tls_hostname=options["tls_hostname"] or server.server_hostname,
            handshake_first=options["tls_handshake_first"],
            timeout=options["connect_timeout"],
        )
        self._wire = await open_wire(self, server, handshake, self._connect_operation)
        self._pongs.clear()
        self._pings_outstanding = 0

    def note_info(self, info: dict[str, Any]) -> None:
        """Keep the INFO a server opened a handshake with (even one that fails later, e.g. in TLS)."""
        self._server_info = info

    def _connect_operation(self, server: Server, info: dict[str, Any], tls_used: bool) -> bytes:
        """Return the CONNECT for this server's INFO."""
        url = server.url
        fields = {
            "verbose": self.options["verbose"],
            "pedantic": self.options["pedantic"],
            "tls_required": tls_used,
            "lang": LANG,
            "version": VERSION,
            "protocol": 1,
            "headers": True,
            "no_responders": True,
            "echo": not self.options["no_echo"],
            **self._auth.fields(info.get("nonce"), url.username, url.password),
        }
        if self.options["name"]:
            fields["name"] = self.options["name"]
        return wire.connect(fields)

    def _connected(self, server: Server) -> None:
        """Replay subscriptions and queued operations on the new connection; start keepalive."""
        assert self._pool is not None
        assert self._wire is not None
        server.attempts, server.did_connect = 0, True
        self._pool.current = server
        self._learn(self._server_info)
        self._status = CONNECTED
        replay = []
        for sub in self._subs.values():
            replay.append(wire.sub(sub.subject, sub.queue, sub.sid))
            # The new server knows nothing of an unsubscribe with a limit (max_msgs): repeat it for
            # what is left, as nats-py does, else the server keeps the subscription for ever.
            if sub.remaining:
                replay.append(wire.unsub(sub.sid, sub.remaining))
        replay.extend(self._outbox.take())
        for future in self._flushes_to_resend:
            if not future.done():
                replay.append(wire.PING)
                self._pongs.append(future)
        self._flushes_to_resend.clear()
        if replay:
            self._wire.write(b"".join(replay))
        self._outbox.wire = self._wire
        self._schedule_ping()

    # --- Server operations (called by the wire's parser) --------------------------------------

    def on_msg(self, sid: int, subject: str, reply: str, header: bytes | None, payload: bytes) -> None:
        """Hand a message to its subscription."""
        stats = self.stats
        stats["in_msgs"] += 1
        stats["in_bytes"] += len(payload)
        sub = self._subs.get(sid)
        if sub is not None:
            sub.deliver(subject, reply, header, payload, later=self.rounds.later())

    def on_info(self, info: dict[str, Any]) -> None:
        """Take an INFO sent after connecting: cluster changes, lame duck mode."""
        self._server_info = {**self._server_info, **info}
        self._learn(info)
        if info.get("ldm") and self._lame_duck_mode_cb is not None:
            self._spawn(self._lame_duck_mode_cb())

    def on_ping(self) -> None:
        """Answer the server's keepalive."""
        if self._wire is not None:
            self._wire.write(wire.PONG)

    def on_pong(self) -> None:
        """Resolve the oldest PING with this PONG."""
        self._pings_outstanding = 0
        if self._pongs:
            future = self._pongs.popleft()
            if future is not None and not future.done():
                future.set_result(None)

    def on_err(self, text: str) -> None:
        """Report an -ERR sent once connected (the server may close the connection after it)."""
        self.stats["errors_received"] += 1
        self.report_soon(wire.server_error(text))

    def _learn(self, info: Mapping[str, Any]) -> None:
        if self._pool is None or not info.get("connect_urls"):
            return
        added = self._pool.learn(list(info["connect_urls"]), randomize=not self.options["dont_randomize"])
        if added and self._discovered_server_cb is not None:
            self._spawn(self._discovered_server_cb())

    # --- Losing the connection ----------------------------------------------------------------

    def connection_lost(self, wire_: Wire, exc: Exception | None) -> None:
        """Reconnect after the socket closed, unless the client is closing."""
        if wire_ is not self._wire or self._status in (CLOSED, CONNECTING):
            return
        self._wire = None
        self._outbox.wire = None
        self._cancel_ping()
        for future in self._pongs:
            if future is not None and not future.done():
                self._flushes_to_resend.append(future)
        self._pongs.clear()
        if self._status == DRAINING or not self.options["allow_reconnect"]:
            self._spawn(self.close())
            return
        self._status = RECONNECTING
        if exc is not None:
            self._spawn(self.report(exc))
        self._reconnecting = self.loop.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        assert self._pool is not None
        if self._disconnected_cb is not None:
            await self._call(self._disconnected_cb)
        while self._status == RECONNECTING:
            server = self._pool.next(self.options["max_reconnect_attempts"])
            if server is None:
                await self.report(nats.errors.NoServersError())
                await self.close()
                return
            await self._wait_turn(server)
            try:
                await self._open(server)
            except (OSError, TimeoutError, nats.errors.Error, ssl.SSLError, wire.ProtocolError) as err:
                server.attempts += 1
                await self.report(err)
                continue
            self.stats["reconnects"] += 1
            self._connected(server)
            if self._reconnected_cb is not None:
                await self._call(self._reconnected_cb)
            return

    async def force_reconnect(self) -> None:
        """Drop the connection and connect again (to the next server of the pool)."""
        if self._wire is not None and self._status == CONNECTED:
            self._wire.abort()

    # --- Keepalive ----------------------------------------------------------------------------

    def _schedule_ping(self) -> None:
        self._cancel_ping()
        self._ping_timer = self.loop.call_later(self.options["ping_interval"], self._ping)

    def _cancel_ping(self) -> None:
        if self._ping_timer is not None:
            self._ping_timer.cancel()
            self._ping_timer = None

    def _ping(self) -> None:
        """Send a keepalive; with too many unanswered, the connection is stale: drop it."""
        self._ping_timer = None
        if self._wire is None or self._status != CONNECTED:
            return
        if self._pings_outstanding >= self.options["max_outstanding_pings"]:
            self._spawn(self.report(nats.errors.StaleConnectionError()))
            self._wire.abort()
            return
        self._pings_outstanding += 1
        self._pongs.append(None)
        self._send(wire.PING)
        self._schedule_ping()

    # --- Sending ------------------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        """Send data, or hold it until the next connection."""
        if self._status == CLOSED:
            raise nats.errors.ConnectionClosedError
        self._outbox.send(data, self.options["pending_size"])

    async def publish(
        self, subject: str, payload: bytes = b"", reply: str = "", headers: dict[str, str] | None = None
    ) -> None:
        """Publish payload to subject."""
        if self._status == CLOSED:
            raise nats.errors.ConnectionClosedError
        if self._status == DRAINING:
            raise nats.errors.ConnectionDrainingError
        if not subject or " " in subject:
            raise nats.errors.BadSubjectError
        max_payload = self._server_info.get("max_payload", 1024 * 1024)
        if len(payload) > max_payload:
            raise nats.errors.MaxPayloadError
        if headers:
            operation = wire.hpub(subject, reply, headers, payload)
            # The server counts the header block in max_payload too and closes the connection
            # over a message past it (nats-py checks the payload alone): refuse it here instead.
            # The operation's length bounds block + payload, so only large messages count.
            if (
                len(operation) > max_payload
                and len(wire.encode_headers(headers)) + len(payload) > max_payload
            ):
                raise nats.errors.MaxPayloadError
        else:
            operation = wire.pub(subject, reply, payload)
        self.stats["out_msgs"] += 1
        self.stats["out_bytes"] += len(payload)
        self._send(operation)

    # --- Subscribing --------------------------------------------------------------------------

    async def subscribe(
        self,
        subject: str,
        queue: str = "",
        cb: MessageCallback | None = None,
        *,
        max_msgs: int = 0,
        pending_msgs_limit: int = DEFAULT_PENDING_MSGS_LIMIT,
        pending_bytes_limit: int = DEFAULT_PENDING_BYTES_LIMIT,
        batch_cb: BatchCallback | None = None,
    ) -> Subscription:
        """Subscribe; cb gets each message in order, else read them with next_msg().

        batch_cb, instead of cb: a plain function that gets the messages as
        they came off the wire, several at a time (subscription.py).
        """
        if self._status == CLOSED:
            raise nats.errors.ConnectionClosedError
        if self._status == DRAINING:
            raise nats.errors.ConnectionDrainingError
        if not subject or " " in subject:
            raise nats.errors.BadSubjectError
        if cb is not None and batch_cb is not None:
            raise ValueError("a subscription takes cb or batch_cb, not both")
        sid = next(self._sids)
        sub = Subscription(self, sid, subject, queue, cb, pending_msgs_limit, pending_bytes_limit, batch_cb)
        self._subs[sid] = sub
        self._send(wire.sub(subject, queue, sid))
        if max_msgs:
            await sub.unsubscribe(max_msgs)
        return sub

    def send_unsub(self, sid: int, limit: int = 0) -> None:
        """Tell the server to end subscription sid (after limit messages in all, if given)."""
        if self._status != CLOSED:
            self._send(wire.unsub(sid, limit))

    def forget(self, sub: Subscription) -> None:
        """Stop routing messages to sub."""
        self._subs.pop(sub.sid, None)

    # --- Requests -----------------------------------------------------------------------------

    def new_inbox(self) -> str:
        """Return a subject no one else will use."""
        return f"{self._inbox_prefix}.{secrets.token_hex(11)}"

    async def request(
        self,
        subject: str,
        payload: bytes = b"",
        timeout: float = 0.5,
        headers: dict[str, str] | None = None,
    ) -> Msg:
        """Publish a request and return its first reply (one inbox subscription serves every request)."""
        return await self._requests.request(subject, payload, timeout, headers)

    async def flush(self, timeout: float = 10) -> None:
        """Wait until the server has processed everything sent so far."""
        if self._status == CLOSED:
            raise nats.errors.ConnectionClosedError
        future: asyncio.Future[None] = self.loop.create_future()
        if self._status in (CONNECTED, DRAINING) and self._wire is not None:
            self._pongs.append(future)
            self._send(wire.PING)
        else:
            self._flushes_to_resend.append(future)
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError:
            raise nats.errors.FlushTimeoutError from None

    # --- Closing ------------------------------------------------------------------------------

    async def drain(self) -> None:
        """Unsubscribe everything, let the callbacks finish what arrived, then close."""
        if self._status == CLOSED:
            raise nats.errors.ConnectionClosedError
        if self._status != CONNECTED:
            await self.close()
            return
        subs = list(self._subs.values())
        for sub in subs:
            self.send_unsub(sub.sid)
        try:
            await self.flush(self.options["drain_timeout"])
            self._status = DRAINING
            async with asyncio.timeout(self.options["drain_timeout"]):
                for sub in subs:
                    await sub.wait_handled()
        except (TimeoutError, nats.errors.Error) as err:
            await self.report(nats.errors.DrainTimeoutError() if isinstance(err, TimeoutError) else err)
        await self.close()

    async def close(self) -> None:
        """Close for good: send what is queued, end every subscription and pending request."""
        if self._status == CLOSED:
            return
        # Once any connect succeeded, closing tells closed_cb, as nats-py does: also when the
        # connection was already lost (reconnect attempts used up), when no wire is left.
        was_connected = self._pool is not None and any(server.did_connect for server in self._pool.servers)
        self._status = CLOSED
        self._cancel_ping()
        if self._reconnecting is not None and self._reconnecting is not asyncio.current_task():
            self._reconnecting.cancel()
        self.rounds.cancel()
        self._requests.fail_all(nats.errors.ConnectionClosedError())
        for sub in list(self._subs.values()):
            sub.close()
        for future in [*self._flushes_to_resend, *self._pongs]:
            if future is not None and not future.done():
                future.set_exception(nats.errors.ConnectionClosedError())
        self._pongs.clear()
        wire_, self._wire = self._wire, None
        self._outbox.wire = None
        queued = self._outbox.take()
        if wire_ is not None:
            if queued:
                wire_.write(b"".join(queued))
            await wire_.close()
        if self._closed_cb is not None and was_connected:
            await self._call(self._closed_cb)

    # --- State --------------------------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        """Whether a connection is up (draining included)."""
        return self._status in (CONNECTED, DRAINING)

    @property
    def is_closed(self) -> bool:
        """Whether the client was closed for good."""
        return self._status == CLOSED

    @property
    def is_reconnecting(self) -> bool:
        """Whether the connection was lost and the client is trying to connect again."""
        return self._status == RECONNECTING

    @property
    def is_connecting(self) -> bool:
        """Whether the first connect is under way."""
        return self._status == CONNECTING

    @property
    def is_draining(self) -> bool:
        """Whether drain() is under way."""
        return self._status == DRAINING

    @property
    def connected_url(self) -> SplitResult | None:
        """The URL of the server connected to."""
        return self._pool.current.url if self._pool is not None and self.is_connected else None

    @property
    def server_info(self) -> dict[str, Any]:
        """The connected server's INFO."""
        return self._server_info

    @property
    def connected_server_version(self) -> ServerVersion:
        """The connected server's version."""
        return ServerVersion(self._server_info.get("version", "0.0.0"))

    @property
    def max_payload(self) -> int:
        """The largest payload the server takes."""
        return int(self._server_info.get("max_payload", 1024 * 1024))

    @property
    def client_id(self) -> int | None:
        """The server's id for this connection."""
        return self._server_info.get("client_id")

    # --- Callbacks ----------------------------------------------------------------------------

    async def report(self, err: BaseException) -> None:
        """Tell the error callback (nats-py's error_cb) about err."""
        if self._error_cb is not None and isinstance(err, Exception):
            await self._call(lambda: self._error_cb(err))  # type: ignore[misc]

    def report_soon(self, err: BaseException) -> None:
        """Tell the error callback about err from code that cannot wait."""
        if self._error_cb is not None:
            self._spawn(self.report(err))

    async def _call(self, callback: Callable[[], Awaitable[None]]) -> None:
        try:
            await callback()
        except Exception:
            _LOGGER.exception("A NATS client callback failed")

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


async def connect(servers: str | list[str] = "nats://localhost:4222", **options: Any) -> Client:
    """Return a connected client (the same options as nats-py's nats.connect)."""
    client = Client()
    await client.connect(servers, **options)
    return client
