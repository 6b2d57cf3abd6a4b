"""Publishing, subscribing and requests with nats_home.client against a real nats-server.

Messages a client sends to its own subscriptions come back before the PONG
of a flush issued after them (the server answers one connection in order),
so a flush is the barrier that proves everything sent so far has arrived.
"""

from __future__ import annotations

import asyncio

import nats.errors
import pytest

from nats_home.client import Client, Msg, wire

from ..nats_fixtures import server_has_everything, until
from ..nats_server import NatsServer
from .conftest import Connect, ConnectNatsPy, StartServer
from .recorder import Recorder


def subscribed_subjects(server: NatsServer) -> list[str]:
    """The subjects the server has subscriptions on, over all its connections."""
    return [subject for conn in server.connections() for subject in conn.get("subscriptions_list", [])]


async def test_publish_and_subscribe(client: Client) -> None:
    """Payloads (empty, binary, with CRLF) and headers arrive as sent, in order, on the right subjects."""
    recorder = Recorder()
    await client.subscribe("greet.*", cb=recorder.on_msg)
    payloads = [b"hello", b"", bytes(range(256)), b"line\r\nbreak\r\n"]
    for payload in payloads:
        await client.publish("greet.plain", payload)
    await client.publish("greet.headed", b"with headers", headers={"Kind": "test", "Trace-Id": "42"})
    await client.flush()

    assert await recorder.wait_msgs(5) == [*payloads, b"with headers"]
    assert [msg.subject for msg in recorder.msgs] == ["greet.plain"] * 4 + ["greet.headed"]
    assert [msg.headers for msg in recorder.msgs[:4]] == [None] * 4
    assert recorder.msgs[4].headers == {"Kind": "test", "Trace-Id": "42"}
    assert client.stats["out_msgs"] == 5
    assert client.stats["in_msgs"] == 5
    assert client.stats["in_bytes"] == sum(map(len, payloads)) + len(b"with headers")


async def test_reply_subject(client: Client) -> None:
    """A message published with a reply subject carries it to the subscriber."""
    recorder = Recorder()
    await client.subscribe("ask", cb=recorder.on_msg)
    await client.publish("ask", b"?", reply="answers.here")
    await client.publish("ask", b"no reply")
    await client.flush()
    await recorder.wait_msgs(2)
    assert [msg.reply for msg in recorder.msgs] == ["answers.here", ""]


async def test_queue_group(client: Client) -> None:
    """Each message goes to one member of a queue group, and to every plain subscriber."""
    first, second, plain = Recorder(), Recorder(), Recorder()
    await client.subscribe("work", queue="workers", cb=first.on_msg)
    await client.subscribe("work", queue="workers", cb=second.on_msg)
    await client.subscribe("work", cb=plain.on_msg)
    sent = [str(i).encode() for i in range(50)]
    for payload in sent:
        await client.publish("work", payload)
    await client.flush()

    assert await plain.wait_msgs(50) == sent
    assert sorted([*first.data, *second.data], key=int) == sent
    # The server spreads a queue group's messages over its members.
    assert first.data
    assert second.data


async def test_request_reply(client: Client, client_factory: Connect, server: NatsServer) -> None:
    """A request gets its own reply, headers included, also when many are in flight at once."""
    responder = await client_factory(server.url)

    async def answer(msg: Msg) -> None:
        await msg.respond(msg.data.upper(), headers={"Answered-By": "responder"})

    await responder.subscribe("shout", cb=answer)
    await responder.flush()

    reply = await client.request("shout", b"hello", timeout=2, headers={"Asked-By": "client"})
    assert reply.data == b"HELLO"
    assert reply.headers == {"Answered-By": "responder"}

    words = [f"word{i}".encode() for i in range(20)]
    replies = await asyncio.gather(*(client.request("shout", word, timeout=2) for word in words))
    assert [r.data for r in replies] == [word.upper() for word in words]


async def test_request_sees_request_headers(client: Client) -> None:
    """The responder gets the request's headers and a reply subject to answer on."""
    seen: list[Msg] = []

    async def answer(msg: Msg) -> None:
        seen.append(msg)
        await msg.respond(b"ok")

    await client.subscribe("echo", cb=answer)
    assert (await client.request("echo", b"", timeout=2, headers={"Asked-By": "me"})).data == b"ok"
    assert seen[0].headers == {"Asked-By": "me"}
    assert seen[0].reply


async def test_respond_without_reply_subject(client: Client) -> None:
    """Responding to a message that asked for no reply raises nats-py's error."""
    sub = await client.subscribe("no.reply")
    await client.publish("no.reply", b"fire and forget")
    msg = await sub.next_msg(timeout=2)
    with pytest.raises(nats.errors.Error, match="no reply subject"):
        await msg.respond(b"answer")


async def test_request_timeout(client: Client) -> None:
    """A request nobody answers raises nats-py's TimeoutError after its timeout."""
    await client.subscribe("silent", cb=Recorder().on_msg)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(nats.errors.TimeoutError):
        await client.request("silent", b"anyone?", timeout=0.2)
    assert 0.15 < loop.time() - start < 2


async def test_no_responders(client: Client) -> None:
    """A request to a subject without subscribers raises NoRespondersError at once, not after its timeout."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(nats.errors.NoRespondersError):
        await client.request("nobody.here", b"?", timeout=5)
    assert loop.time() - start < 2


async def test_max_msgs_unsubscribes(client: Client, server: NatsServer) -> None:
    """A subscription with max_msgs gets that many messages, then ends on the server too."""
    recorder = Recorder()
    sub = await client.subscribe("limited", cb=recorder.on_msg, max_msgs=3)
    for i in range(6):
        await client.publish("limited", str(i).encode())
    await client.flush()
    await recorder.wait_msgs(3)
    await client.publish("limited", b"late")
    await client.flush()

    assert recorder.data == [b"0", b"1", b"2"]
    assert sub.delivered == 3
    assert "limited" not in subscribed_subjects(server)


async def test_unsubscribe(client: Client, server: NatsServer) -> None:
    """After unsubscribe no more messages arrive, and the server forgets the subscription."""
    recorder = Recorder()
    sub = await client.subscribe("topic", cb=recorder.on_msg)
    await client.publish("topic", b"before")
    await client.flush()
    assert "topic" in subscribed_subjects(server)

    await sub.unsubscribe()
    await client.publish("topic", b"after")
    await client.flush()

    assert recorder.data == [b"before"]
    assert "topic" not in subscribed_subjects(server)
    with pytest.raises(nats.errors.BadSubscriptionError):
        await sub.unsubscribe()


async def test_next_msg(client: Client) -> None:
    """A subscription without callback hands out its messages with next_msg, in order."""
    sub = await client.subscribe("pull")
    for payload in (b"a", b"b", b"c"):
        await client.publish("pull", payload)
    await client.flush()

    assert [(await sub.next_msg(timeout=1)).data for _ in range(3)] == [b"a", b"b", b"c"]
    assert sub.pending_msgs == 0
    with pytest.raises(nats.errors.TimeoutError):
        await sub.next_msg(timeout=0.05)


async def test_messages_iteration(client: Client) -> None:
    """`messages` yields every message until the subscription ends (here after max_msgs)."""
    sub = await client.subscribe("stream", max_msgs=4)
    for i in range(6):
        await client.publish("stream", str(i).encode())
    await client.flush()

    async with asyncio.timeout(5):
        received = [msg.data async for msg in sub.messages]
    assert received == [b"0", b"1", b"2", b"3"]


async def test_messages_end_on_unsubscribe(client: Client) -> None:
    """Iterating `messages` ends when the subscription is unsubscribed."""
    sub = await client.subscribe("stream")
    await client.publish("stream", b"only")
    await client.flush()
    received: list[bytes] = []

    async def read() -> None:
        async for msg in sub.messages:
            received.append(msg.data)
            await sub.unsubscribe()

    async with asyncio.timeout(5):
        await read()
    assert received == [b"only"]


async def test_callback_order_when_a_callback_waits(client: Client) -> None:
    """Messages arriving while a callback waits run after it, one at a time, in order."""
    release = asyncio.Event()
    started: list[bytes] = []
    done = Recorder()
    running = 0
    overlap = False

    async def slow_first(msg: Msg) -> None:
        nonlocal running, overlap
        running += 1
        overlap = overlap or running > 1
        started.append(msg.data)
        if msg.data == b"0":
            await release.wait()
        else:
            await asyncio.sleep(0)  # every callback waits a little: none may start before it ends
        running -= 1
        await done.on_msg(msg)

    await client.subscribe("ordered", cb=slow_first)
    sent = [str(i).encode() for i in range(10)]
    for payload in sent:
        await client.publish("ordered", payload)
    await client.flush()

    assert started == [b"0"], "the later messages wait for the first callback"
    release.set()
    assert await done.wait_msgs(10) == sent
    assert started == sent
    assert not overlap


async def test_callback_error_reaches_error_cb(server: NatsServer, client_factory: Connect) -> None:
    """A callback that raises does not stop the subscription, and error_cb gets its exception."""
    errors = Recorder()
    client = await client_factory(server.url, error_cb=errors.error_cb)
    received = Recorder()

    async def fragile(msg: Msg) -> None:
        if msg.data == b"boom":
            raise ValueError("callback failed on purpose")
        await received.on_msg(msg)

    await client.subscribe("fragile", cb=fragile)
    for payload in (b"one", b"boom", b"two"):
        await client.publish("fragile", payload)
    await client.flush()

    assert await received.wait_msgs(2) == [b"one", b"two"]
    await errors.wait_for(lambda: errors.errors)
    assert [str(err) for err in errors.errors_of(ValueError)] == ["callback failed on purpose"]


async def test_max_payload(start_server: StartServer, client_factory: Connect) -> None:
    """A message over the server's max_payload raises MaxPayloadError and the connection stays up."""
    server = start_server("max_payload: 1024")
    events = Recorder()
    client = await client_factory(server.url, **events.callbacks())
    assert client.max_payload == 1024
    with pytest.raises(nats.errors.MaxPayloadError):
        await client.publish("big", b"x" * 1025)
    # The server counts the headers too, and would close the connection over the message.
    with pytest.raises(nats.errors.MaxPayloadError):
        await client.publish("big", b"x" * 1000, headers={"Pushes-It": "over the limit"})

    recorder = Recorder()
    await client.subscribe("big", cb=recorder.on_msg)
    await client.publish("big", b"x" * 1024)
    await client.flush()
    assert await recorder.wait_msgs(1) == [b"x" * 1024]
    assert client.is_connected
    assert events.events == []
    assert events.errors == []


async def test_publish_checks_subject(client: Client) -> None:
    """An empty subject or one with a space is refused before it reaches the server."""
    for subject in ("", "with space"):
        with pytest.raises(nats.errors.BadSubjectError):
            await client.publish(subject, b"")
        with pytest.raises(nats.errors.BadSubjectError):
            await client.subscribe(subject)
    await client.flush()
    assert client.is_connected


async def test_no_echo(server: NatsServer, client_factory: Connect) -> None:
    """With no_echo the client does not get its own messages, others' still arrive."""
    quiet = await client_factory(server.url, no_echo=True)
    other = await client_factory(server.url)
    recorder = Recorder()
    await quiet.subscribe("room", cb=recorder.on_msg)
    await quiet.publish("room", b"mine")
    await quiet.flush()
    await other.publish("room", b"theirs")
    await other.flush()
    assert await recorder.wait_msgs(1) == [b"theirs"]
    await quiet.flush()
    assert recorder.data == [b"theirs"]


async def test_large_payload(client: Client) -> None:
    """A payload of the server's max_payload (1 MiB), arriving in many reads, comes back whole."""
    recorder = Recorder()
    await client.subscribe("large", cb=recorder.on_msg)
    payload = bytes(range(256)) * (client.max_payload // 256)
    assert len(payload) == client.max_payload
    await client.publish("large", payload)
    headers = {"Size": "large"}
    headed = payload[: -len(wire.encode_headers(headers))]
    await client.publish("large", headed, headers=headers)
    await client.flush()
    assert await recorder.wait_msgs(2) == [payload, headed]
    assert recorder.msgs[1].headers == headers


async def test_burst_keeps_order(client: Client) -> None:
    """Two thousand messages published in one go, written in coalesced chunks, arrive complete and in order."""
    recorder = Recorder()
    await client.subscribe("burst", cb=recorder.on_msg)
    sent = [str(i).encode() for i in range(2_000)]
    for payload in sent:
        await client.publish("burst", payload)
    await client.flush()
    assert await recorder.wait_msgs(len(sent)) == sent


async def test_connect_options_reach_the_server(server: NatsServer, client_factory: Connect) -> None:
    """name, verbose (+OK after every operation) and the client's language, as the server sees them."""
    client = await client_factory(server.url, name="client-under-test", verbose=True)
    sub = await client.subscribe("verbose")
    await client.publish("verbose", b"acknowledged")
    await client.flush()
    assert (await sub.next_msg(timeout=2)).data == b"acknowledged"
    (conn,) = server.connections()
    assert conn["name"] == "client-under-test"
    assert conn["lang"] == "python-nats-home"
    assert client.connected_server_version.major == 2
    assert client.client_id == conn["cid"]


async def test_inbox_prefix(server: NatsServer, client_factory: Connect) -> None:
    """Requests' replies come back on the inbox_prefix given (what a device's permissions allow)."""
    client = await client_factory(server.url, inbox_prefix="_INBOX_device")
    seen: list[str] = []

    async def answer(msg: Msg) -> None:
        seen.append(msg.reply)
        await msg.respond(b"ok")

    await client.subscribe("ask", cb=answer)
    assert (await client.request("ask", b"", timeout=2)).data == b"ok"
    assert seen[0].startswith("_INBOX_device.")
    assert client.new_inbox().startswith("_INBOX_device.")
    assert client.new_inbox() != client.new_inbox()


async def test_answers_server_pings(start_server: StartServer, client_factory: Connect) -> None:
    """The client answers the server's PINGs, so a server pinging often keeps it connected."""
    server = start_server('ping_interval: "50ms"\nping_max: 3')
    events = Recorder()
    client = await client_factory(server.url, **events.callbacks())
    (before,) = server.connections()
    # Nothing marks "the server pinged and was answered" for the client: let several intervals pass.
    await asyncio.sleep(0.5)
    await client.flush()
    (after,) = server.connections()
    assert after["cid"] == before["cid"]
    assert events.events == []
    assert events.errors == []


# --- Interoperating with nats-py ------------------------------------------------------------


async def test_nats_py_to_client(client: Client, server: NatsServer, nats_py_factory: ConnectNatsPy) -> None:
    """nats-py's messages, headers and requests reach this client as nats-py sent them."""
    recorder = Recorder()
    await client.subscribe("interop.in", cb=recorder.on_msg)

    async def answer(msg: Msg) -> None:
        assert msg.headers is not None
        await msg.respond(b"pong:" + msg.data, headers={"Seen": msg.headers["Ask"]})

    await client.subscribe("interop.ask", cb=answer)
    await client.flush()

    other = await nats_py_factory(server.url)
    await other.publish("interop.in", b"plain")
    await other.publish("interop.in", b"headed", headers={"A": "1", "B": "two words"})
    await other.publish("interop.in", b"empty headers", headers={})
    reply = await other.request("interop.ask", b"ping", timeout=2, headers={"Ask": "x"})

    assert reply.data == b"pong:ping"
    assert reply.headers == {"Seen": "x"}
    assert await recorder.wait_msgs(3) == [b"plain", b"headed", b"empty headers"]
    assert [msg.headers for msg in recorder.msgs] == [None, {"A": "1", "B": "two words"}, None]


async def test_client_to_nats_py(client: Client, server: NatsServer, nats_py_factory: ConnectNatsPy) -> None:
    """Messages, headers and requests of nats_home.client reach nats-py as sent."""
    other = await nats_py_factory(server.url)
    received: list[nats.aio.msg.Msg] = []
    got_two = asyncio.Event()

    async def collect(msg: nats.aio.msg.Msg) -> None:
        received.append(msg)
        if len(received) == 2:
            got_two.set()

    async def answer(msg: nats.aio.msg.Msg) -> None:
        await msg.respond(msg.data[::-1])

    await other.subscribe("interop.out", cb=collect)
    await other.subscribe("interop.reverse", cb=answer)
    await server_has_everything(other)

    await client.publish("interop.out", b"plain")
    await client.publish("interop.out", b"headed", headers={"Trace": "t-1", "Empty": ""})
    reply = await client.request("interop.reverse", b"abc", timeout=2)

    assert reply.data == b"cba"
    async with asyncio.timeout(5):
        await got_two.wait()
    assert [msg.data for msg in received] == [b"plain", b"headed"]
    assert received[0].headers is None
    assert received[1].headers == {"Trace": "t-1", "Empty": ""}


# --- Ending -----------------------------------------------------------------------------------


async def test_drain_waits_for_callbacks(server: NatsServer, client_factory: Connect) -> None:
    """drain() lets every callback finish the messages already received, then closes."""
    events = Recorder()
    client = await client_factory(server.url, closed_cb=events.closed_cb)
    release = asyncio.Event()
    handled = Recorder()

    async def slow(msg: Msg) -> None:
        await release.wait()
        await handled.on_msg(msg)

    await client.subscribe("slow", cb=slow)
    for payload in (b"1", b"2", b"3"):
        await client.publish("slow", payload)
    await client.flush()

    draining = asyncio.create_task(client.drain())
    await until(lambda: client.is_draining, 5)
    assert not draining.done()
    assert handled.msgs == []
    with pytest.raises(nats.errors.ConnectionDrainingError):
        await client.publish("slow", b"too late")

    release.set()
    async with asyncio.timeout(5):
        await draining
    assert handled.data == [b"1", b"2", b"3"]
    assert client.is_closed
    assert events.events == ["closed"]
    await until(lambda: server.connections() == [], 5)


async def test_close_fails_pending_requests(client: Client) -> None:
    """close() ends a request waiting for its reply with ConnectionClosedError, not a timeout."""
    await client.subscribe("never.answered", cb=Recorder().on_msg)
    request = asyncio.create_task(client.request("never.answered", b"?", timeout=10))
    await client.flush()
    assert not request.done()

    await client.close()
    async with asyncio.timeout(2):
        with pytest.raises(nats.errors.ConnectionClosedError):
            await request
    with pytest.raises(nats.errors.ConnectionClosedError):
        await client.publish("x", b"")
    assert client.is_closed
    assert not client.is_connected


async def test_close_ends_next_msg(client: Client) -> None:
    """A reader waiting in next_msg learns the connection closed."""
    sub = await client.subscribe("pull")
    waiting = asyncio.create_task(sub.next_msg(timeout=10))
    await client.flush()
    await client.close()
    async with asyncio.timeout(2):
        with pytest.raises(nats.errors.ConnectionClosedError):
            await waiting


async def test_close_sends_what_was_published(server: NatsServer, client_factory: Connect) -> None:
    """Messages published just before close() still reach the server."""
    reader = await client_factory(server.url)
    recorder = Recorder()
    await reader.subscribe("last.words", cb=recorder.on_msg)
    await reader.flush()

    writer = await client_factory(server.url)
    for i in range(100):
        await writer.publish("last.words", str(i).encode())
    await writer.close()
    assert await recorder.wait_msgs(100) == [str(i).encode() for i in range(100)]


async def test_a_burst_on_one_subscription_does_not_hold_up_another(
    client: Client, client_factory: Connect, server: NatsServer
) -> None:
    """A message behind a 5,000-message burst on another subscription is handled before the burst ends.

    The burst arrives first on the socket. Strictly in order, the reply would
    wait for every one of its callbacks; the client runs a burst in rounds per
    subscription instead (a command's reply behind a flood of states).
    """
    sender = await client_factory(server.url)
    burst_handled: list[int] = []
    seen_at: list[int] = []

    async def on_burst(msg: Msg) -> None:
        burst_handled.append(int(msg.data))

    async def on_other(msg: Msg) -> None:
        seen_at.append(len(burst_handled))

    await client.subscribe("burst", cb=on_burst)
    await client.subscribe("other", cb=on_other)
    await client.flush()
    for i in range(5000):
        await sender.publish("burst", str(i).encode())
    await sender.publish("other", b"behind the burst")
    await sender.flush()
    await until(lambda: len(burst_handled) == 5000 and seen_at, 10)

    assert burst_handled == list(range(5000)), "the burst itself stays in order"
    assert seen_at[0] < 5000, "the other subscription's message waited for the whole burst"


async def test_callback_runs_as_a_task(client: Client) -> None:
    """A callback runs inside a task of its own, so asyncio.timeout and wait_for work in it from its first line.

    (The callback's first step runs in the read itself; stepped by hand
    instead of as an eager task, asyncio.current_task() would be None there.)
    """
    recorder = Recorder()

    async def timed(msg: Msg) -> None:
        async with asyncio.timeout(1):
            await recorder.on_msg(msg)
        await asyncio.wait_for(asyncio.sleep(0), 1)

    await client.subscribe("timed", cb=timed)
    await client.publish("timed", b"in time")
    await client.flush()
    assert await recorder.wait_msgs(1) == [b"in time"]


async def test_plain_function_callback(client: Client) -> None:
    """A plain function is a callback too: called in the read, in order, nothing to await."""
    seen: list[bytes] = []
    await client.subscribe("plain", cb=lambda msg: seen.append(msg.data))
    for payload in (b"1", b"2", b"3"):
        await client.publish("plain", payload)
    await client.flush()
    await until(lambda: len(seen) == 3, 5)
    assert seen == [b"1", b"2", b"3"]
