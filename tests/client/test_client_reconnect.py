"""nats_home.client losing its server: reconnects, fail-over in a cluster, stale connections, slow consumers.

The server is stopped and started again on the same port (tests/nats_server.py),
frozen with SIGSTOP, or one node of a cluster is stopped. The client's
callbacks are recorded and waited on; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
from pathlib import Path
import signal
import time
from typing import Any

import nats.errors
import pytest

from nats_home.client import Client

from ..nats_cluster import NatsCluster
from ..nats_fixtures import until
from ..nats_server import NatsServer, free_port
from .conftest import Connect, ConnectNatsPy
from .recorder import Recorder

FAST: dict[str, Any] = {"reconnect_time_wait": 0.05, "max_reconnect_attempts": -1, "connect_timeout": 1}
"""Reconnect at once and for ever, as a test wants it."""


async def connect_recorded(
    client_factory: Connect, url: str | list[str], **options: Any
) -> tuple[Client, Recorder]:
    recorder = Recorder()
    client = await client_factory(url, **{**FAST, **options}, **recorder.callbacks())
    return client, recorder


async def only_connection(server: NatsServer) -> dict[str, Any]:
    """The server's one client connection, once a connection the client dropped is gone from its list."""
    await until(lambda: len(server.connections()) == 1, 5)
    (conn,) = server.connections()
    return conn


async def stop_and_wait(server: NatsServer, recorder: Recorder) -> None:
    """Stop the server; return once the client noticed (its disconnected callback ran)."""
    server.stop()
    await recorder.wait_event("disconnected")


async def test_reconnect_after_restart(
    server: NatsServer, client_factory: Connect, nats_py_factory: ConnectNatsPy
) -> None:
    """After the server restarts: disconnected and reconnected callbacks ran, the subscription works again."""
    client, events = await connect_recorded(client_factory, server.url)
    received = Recorder()
    await client.subscribe("renewed", cb=received.on_msg)
    await client.flush()

    await stop_and_wait(server, events)
    assert client.is_reconnecting
    assert not client.is_connected
    server.start()
    await events.wait_event("reconnected")

    assert client.is_connected
    assert client.stats["reconnects"] == 1
    assert events.events == ["disconnected", "reconnected"]
    # Another client, new after the restart, reaches the renewed subscription.
    await client.flush()
    other = await nats_py_factory(server.url)
    await other.publish("renewed", b"after restart")
    await other.flush()
    assert await received.wait_msgs(1) == [b"after restart"]


async def test_published_while_disconnected(server: NatsServer, client_factory: Connect) -> None:
    """Messages published and a flush issued while disconnected go out, in order, after the reconnect."""
    client, events = await connect_recorded(client_factory, server.url)
    received = Recorder()
    await client.subscribe("buffered", cb=received.on_msg)
    await client.flush()

    await stop_and_wait(server, events)
    for i in range(3):
        await client.publish("buffered", f"while down {i}".encode())
    flushing = asyncio.create_task(client.flush(timeout=10))
    await asyncio.sleep(0)
    assert not flushing.done()

    server.start()
    async with asyncio.timeout(5):
        await flushing
    assert events.events == ["disconnected", "reconnected"]
    assert await received.wait_msgs(3) == [f"while down {i}".encode() for i in range(3)]


async def test_reconnects_are_counted(server: NatsServer, client_factory: Connect) -> None:
    """stats["reconnects"] counts every reconnect; each restart gives one disconnect and one reconnect."""
    client, events = await connect_recorded(client_factory, server.url)
    for count in (1, 2, 3):
        server.stop()
        await events.wait_event("disconnected", count)
        server.start()
        await events.wait_event("reconnected", count)
        assert client.stats["reconnects"] == count
    await client.flush()
    assert events.events == ["disconnected", "reconnected"] * 3


async def test_force_reconnect(server: NatsServer, client_factory: Connect) -> None:
    """force_reconnect() drops the connection and makes a new one; subscriptions carry over."""
    client, events = await connect_recorded(client_factory, server.url)
    received = Recorder()
    await client.subscribe("kept", cb=received.on_msg)
    await client.flush()
    (before,) = server.connections()

    await client.force_reconnect()
    await events.wait_event("reconnected")
    await client.publish("kept", b"still here")
    await client.flush()
    assert await received.wait_msgs(1) == [b"still here"]
    after = await only_connection(server)
    assert after["cid"] != before["cid"]
    assert after["subscriptions_list"] == ["kept"]


async def test_reconnect_attempts_exhausted(server: NatsServer, client_factory: Connect) -> None:
    """When max_reconnect_attempts are used up the client closes for good and closed_cb runs."""
    client, events = await connect_recorded(client_factory, server.url, max_reconnect_attempts=2)
    sub = await client.subscribe("ending")
    await client.flush()

    server.stop()
    await events.wait_event("closed")

    assert client.is_closed
    assert not client.is_reconnecting
    assert events.events == ["disconnected", "closed"]
    assert events.errors_of(nats.errors.NoServersError)
    with pytest.raises(nats.errors.ConnectionClosedError):
        await client.publish("ending", b"")
    with pytest.raises(nats.errors.ConnectionClosedError):
        await sub.next_msg(timeout=1)


async def test_flush_fails_when_reconnect_gives_up(server: NatsServer, client_factory: Connect) -> None:
    """A flush waiting for a reconnect that never comes fails with ConnectionClosedError."""
    client, events = await connect_recorded(client_factory, server.url, max_reconnect_attempts=1)
    await stop_and_wait(server, events)
    with pytest.raises(nats.errors.ConnectionClosedError):
        await client.flush(timeout=10)


async def test_pending_size_while_disconnected(server: NatsServer, client_factory: Connect) -> None:
    """While disconnected the client buffers up to pending_size bytes, then raises OutboundBufferLimitError."""
    client, events = await connect_recorded(client_factory, server.url, pending_size=1024)
    received = Recorder()
    await client.subscribe("buffer", cb=received.on_msg)
    await client.flush()

    await stop_and_wait(server, events)
    await client.publish("buffer", b"a" * 600)
    with pytest.raises(nats.errors.OutboundBufferLimitError):
        await client.publish("buffer", b"b" * 600)

    server.start()
    await events.wait_event("reconnected")
    await client.flush()
    assert await received.wait_msgs(1) == [b"a" * 600]
    await client.publish("buffer", b"c" * 600)  # connected again: the limit no longer applies
    await client.flush()
    assert await received.wait_msgs(2) == [b"a" * 600, b"c" * 600]


async def test_dead_server_skipped(server: NatsServer, client_factory: Connect) -> None:
    """With a dead server first in the list the client goes on to the next one at once."""
    dead = f"nats://127.0.0.1:{free_port()}"
    loop = asyncio.get_running_loop()
    start = loop.time()
    client, events = await connect_recorded(
        client_factory, [dead, server.url], dont_randomize=True, reconnect_time_wait=5
    )
    assert loop.time() - start < 2, "a server that was not tried yet is not waited for"
    assert client.connected_url is not None
    assert client.connected_url.port == server.port
    assert any(isinstance(err, OSError) for err in events.errors)


async def test_no_server(client_factory: Connect) -> None:
    """Nothing listening: connect fails once its attempts are used up."""
    with pytest.raises(OSError):  # noqa: PT011 - a refused connection, whatever its errno
        await client_factory(f"nats://127.0.0.1:{free_port()}", allow_reconnect=False)
    with pytest.raises((OSError, nats.errors.NoServersError)):
        await client_factory(
            f"nats://127.0.0.1:{free_port()}", reconnect_time_wait=0.01, max_reconnect_attempts=2
        )


# --- A cluster --------------------------------------------------------------------------------


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """Two nats-servers without JetStream, routed to each other once both run; none started yet."""
    nodes = NatsCluster(tmp_path / "cluster", size=2, jetstream=False)
    yield nodes
    nodes.stop()


async def test_cluster_failover(
    cluster: NatsCluster, client_factory: Connect, nats_py_factory: ConnectNatsPy
) -> None:
    """Given one node only, the client learns of a node that joins later and fails over to it."""
    first, second = cluster.nodes
    first.start()
    client, events = await connect_recorded(client_factory, first.url)
    second.start()
    await events.wait_event("discovered")  # the cluster's INFO, sent when the route came up
    received = Recorder()
    await client.subscribe("cluster.topic", cb=received.on_msg)
    await client.flush()

    first.stop()
    await events.wait_event("reconnected")
    assert client.connected_url is not None
    assert client.connected_url.port == second.port

    await client.flush()
    other = await nats_py_factory(second.url)
    await other.publish("cluster.topic", b"from the other node")
    await other.flush()
    assert await received.wait_msgs(1) == [b"from the other node"]


# --- Stale connections and slow consumers -----------------------------------------------------


@contextlib.contextmanager
def frozen(server: NatsServer) -> Iterator[None]:
    """Freeze the server (SIGSTOP): its sockets stay open and it answers nothing."""
    assert server.process is not None
    stat = Path(f"/proc/{server.process.pid}/stat")
    server.process.send_signal(signal.SIGSTOP)
    try:
        # The signal is delivered a moment later; until then the server may still answer.
        deadline = time.monotonic() + 5
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "T":
            assert time.monotonic() < deadline, "nats-server did not stop"
            time.sleep(0.001)
        yield
    finally:
        server.process.send_signal(signal.SIGCONT)


async def test_stale_connection(server: NatsServer, client_factory: Connect) -> None:
    """Unanswered PINGs past max_outstanding_pings: StaleConnectionError, then a reconnect once the server is back."""
    client, events = await connect_recorded(
        client_factory, server.url, ping_interval=0.1, max_outstanding_pings=2, connect_timeout=0.3
    )
    received = Recorder()
    await client.subscribe("stale", cb=received.on_msg)
    await client.flush()

    with frozen(server):
        await events.wait_event("disconnected")
        assert events.errors_of(nats.errors.StaleConnectionError)
    await events.wait_event("reconnected", timeout=10)

    await client.publish("stale", b"fresh")
    await client.flush()
    assert await received.wait_msgs(1) == [b"fresh"]


async def stuck_subscriber(
    client: Any, subject: str, sent: list[bytes], **limits: int
) -> tuple[asyncio.Event, Recorder]:
    """Subscribe a callback stuck until the returned event is set, then publish `sent` to it.

    On return every message has arrived (the server sends them before the
    flush's PONG): the first is in the callback, the rest wait or were dropped.
    """
    release = asyncio.Event()
    received = Recorder()

    async def stuck(msg: Any) -> None:
        await release.wait()
        await received.on_msg(msg)

    await client.subscribe(subject, cb=stuck, **limits)
    for payload in sent:
        await client.publish(subject, payload)
    await client.flush()
    return release, received


async def test_slow_consumer(server: NatsServer, client_factory: Connect) -> None:
    """A callback stuck past pending_msgs_limit: SlowConsumerError per dropped message, the first ones kept."""
    client, events = await connect_recorded(client_factory, server.url)
    sent = [str(i).encode() for i in range(20)]
    release, received = await stuck_subscriber(client, "flood", sent, pending_msgs_limit=5)

    # One in the callback, five waiting behind it, fourteen dropped.
    await events.wait_for(lambda: len(events.errors) >= 14)
    slow = events.errors_of(nats.errors.SlowConsumerError)
    assert len(slow) == len(events.errors) == 14
    assert {err.subject for err in slow} == {"flood"}  # type: ignore[attr-defined]

    release.set()
    assert await received.wait_msgs(6) == sent[:6]
    await client.publish("flood", b"after")
    await client.flush()
    assert await received.wait_msgs(7) == [*sent[:6], b"after"]
    assert client.is_connected


async def test_slow_consumer_by_bytes(server: NatsServer, client_factory: Connect) -> None:
    """pending_bytes_limit drops a message that would take the waiting bytes past it."""
    client, events = await connect_recorded(client_factory, server.url)
    sent = [bytes([65 + i]) * 30 for i in range(6)]
    release, received = await stuck_subscriber(client, "heavy", sent, pending_bytes_limit=100)

    # One in the callback, three (90 bytes) waiting, two dropped.
    await events.wait_for(lambda: len(events.errors) >= 2)
    assert len(events.errors_of(nats.errors.SlowConsumerError)) == 2
    release.set()
    assert await received.wait_msgs(4) == sent[:4]


async def test_slow_consumer_without_callback(server: NatsServer, client_factory: Connect) -> None:
    """A next_msg reader that falls behind by pending_msgs_limit loses the later messages, not the first."""
    client, events = await connect_recorded(client_factory, server.url)
    sub = await client.subscribe("flood", pending_msgs_limit=5)
    for i in range(8):
        await client.publish("flood", str(i).encode())
    await client.flush()
    await events.wait_for(lambda: len(events.errors) >= 3)
    assert len(events.errors_of(nats.errors.SlowConsumerError)) == 3
    assert [(await sub.next_msg()).data for _ in range(5)] == [str(i).encode() for i in range(5)]
    with pytest.raises(nats.errors.TimeoutError):
        await sub.next_msg(timeout=0.05)


# --- Subscriptions across a reconnect ---------------------------------------------------------


def subscribed_subjects(server: NatsServer) -> list[str]:
    return [subject for conn in server.connections() for subject in conn.get("subscriptions_list", [])]


async def test_subscribe_while_disconnected(server: NatsServer, client_factory: Connect) -> None:
    """A subscription made while disconnected starts after the reconnect, once: no message twice."""
    client, events = await connect_recorded(client_factory, server.url)
    await stop_and_wait(server, events)
    received = Recorder()
    await client.subscribe("late.sub", cb=received.on_msg)
    server.start()
    await events.wait_event("reconnected")

    for payload in (b"1", b"2"):
        await client.publish("late.sub", payload)
    await client.flush()
    assert await received.wait_msgs(2) == [b"1", b"2"]
    await client.flush()
    assert received.data == [b"1", b"2"]
    assert subscribed_subjects(server) == ["late.sub"]


async def test_unsubscribe_while_disconnected(server: NatsServer, client_factory: Connect) -> None:
    """A subscription ended while disconnected is not renewed."""
    client, events = await connect_recorded(client_factory, server.url)
    gone, kept = Recorder(), Recorder()
    sub = await client.subscribe("gone", cb=gone.on_msg)
    await client.subscribe("kept", cb=kept.on_msg)
    await client.flush()
    await stop_and_wait(server, events)
    await sub.unsubscribe()
    server.start()
    await events.wait_event("reconnected")

    await client.publish("gone", b"x")
    await client.publish("kept", b"y")
    await client.flush()
    assert await kept.wait_msgs(1) == [b"y"]
    assert gone.msgs == []
    assert subscribed_subjects(server) == ["kept"]


async def test_max_msgs_across_reconnect(server: NatsServer, client_factory: Connect) -> None:
    """A max_msgs subscription renewed after a reconnect gets only what is left, and ends on the server too."""
    client, events = await connect_recorded(client_factory, server.url)
    received = Recorder()
    await client.subscribe("limited", cb=received.on_msg, max_msgs=3)
    await client.publish("limited", b"0")
    await client.flush()
    assert await received.wait_msgs(1) == [b"0"]

    await client.force_reconnect()
    await events.wait_event("reconnected")
    for i in range(1, 6):
        await client.publish("limited", str(i).encode())
    await client.flush()

    assert await received.wait_msgs(3) == [b"0", b"1", b"2"]
    await client.flush()
    assert received.data == [b"0", b"1", b"2"]
    conn = await only_connection(server)  # the connection dropped by force_reconnect gone
    assert conn.get("subscriptions_list", []) == [], "the server must not keep sending what the client drops"


async def test_close_while_reconnecting(server: NatsServer, client_factory: Connect) -> None:
    """close() during reconnect attempts ends them: closed for good, closed_cb ran, nothing left running."""
    client, events = await connect_recorded(client_factory, server.url)
    await stop_and_wait(server, events)
    pending = asyncio.create_task(client.flush(timeout=10))
    await asyncio.sleep(0)

    await client.close()
    assert client.is_closed
    assert not client.is_reconnecting
    assert events.events == ["disconnected", "closed"]
    with pytest.raises(nats.errors.ConnectionClosedError):
        await pending
    # Nothing of the client is left running (Home Assistant's test harness also fails a lingering task).
    assert client._reconnecting is not None
    assert client._reconnecting.done()


async def test_flush_timeout(server: NatsServer, client_factory: Connect) -> None:
    """A flush the server does not answer in time raises FlushTimeoutError; the connection recovers."""
    client, _ = await connect_recorded(client_factory, server.url)
    with frozen(server), pytest.raises(nats.errors.FlushTimeoutError):
        await client.flush(timeout=0.2)
    await client.flush(timeout=5)
    assert client.is_connected


async def test_lame_duck_mode(start_server: Any, client_factory: Connect) -> None:
    """A server entering lame duck mode tells its clients: lame_duck_mode_cb runs."""
    server = start_server('lame_duck_duration: "30s"\nlame_duck_grace_period: "10s"')
    told = asyncio.Event()

    async def lame_duck() -> None:
        told.set()

    await client_factory(server.url, lame_duck_mode_cb=lame_duck, **FAST)
    assert server.process is not None
    server.process.send_signal(signal.SIGUSR2)
    async with asyncio.timeout(5):
        await told.wait()
    server.process.kill()  # a server in lame duck mode takes its time to stop
