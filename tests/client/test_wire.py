"""The wire protocol: the parser of the server's operations, and header blocks, without a server.

The parser is fed whatever a socket delivers, so every stream must give the
same operations however it is cut. Header blocks are compared with nats-py's
own parser, which the rest of the project was written against.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings, strategies as st
from nats.aio.client import Client as NatsPyClient
import nats.errors
import pytest

from nats_home.client import Msg, wire

type Call = tuple[Any, ...]


class Calls:
    """A parser handler that records every call."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def on_msg(self, sid: int, subject: str, reply: str, header: bytes | None, payload: bytes) -> None:
        """Record MSG and HMSG."""
        self.calls.append(("msg", sid, subject, reply, header, payload))

    def on_info(self, info: dict[str, Any]) -> None:
        """Record INFO."""
        self.calls.append(("info", info))

    def on_ping(self) -> None:
        """Record PING."""
        self.calls.append(("ping",))

    def on_pong(self) -> None:
        """Record PONG."""
        self.calls.append(("pong",))

    def on_err(self, text: str) -> None:
        """Record -ERR."""
        self.calls.append(("err", text))


def parse(*chunks: bytes) -> list[Call]:
    """Feed the chunks to a new parser; return the calls it made."""
    calls = Calls()
    parser = wire.Parser(calls)
    for chunk in chunks:
        parser.feed(chunk)
    return calls.calls


HEADER = b"NATS/1.0\r\nFoo: bar\r\n\r\n"
INFO = {"server_id": "NABC", "version": "2.15.1", "max_payload": 1048576, "headers": True}

OPERATIONS: list[tuple[bytes, Call]] = [
    (b"MSG greet 1 5\r\nhello\r\n", ("msg", 1, "greet", "", None, b"hello")),
    (b"MSG greet 12 _INBOX.x.1 2\r\nhi\r\n", ("msg", 12, "greet", "_INBOX.x.1", None, b"hi")),
    (b"MSG empty 3 0\r\n\r\n", ("msg", 3, "empty", "", None, b"")),
    (
        b"HMSG greet 2 %d %d\r\n%sworld\r\n" % (len(HEADER), len(HEADER) + 5, HEADER),
        ("msg", 2, "greet", "", HEADER, b"world"),
    ),
    (
        b"HMSG greet 2 reply.to %d %d\r\n%sworld\r\n" % (len(HEADER), len(HEADER) + 5, HEADER),
        ("msg", 2, "greet", "reply.to", HEADER, b"world"),
    ),
    (
        b"HMSG _INBOX.a.1 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
        ("msg", 7, "_INBOX.a.1", "", b"NATS/1.0 503\r\n\r\n", b""),
    ),
    (b"PING\r\n", ("ping",)),
    (b"PONG\r\n", ("pong",)),
    (b"INFO " + json.dumps(INFO).encode() + b"\r\n", ("info", INFO)),
    (b"-ERR 'Authorization Violation'\r\n", ("err", "Authorization Violation")),
]
STREAM = b"".join([data for data, _ in OPERATIONS] + [b"+OK\r\n", b"MSG tail 9 4\r\n\r\n\r\n\r\n"])
EXPECTED = [call for _, call in OPERATIONS] + [("msg", 9, "tail", "", None, b"\r\n\r\n")]


@pytest.mark.parametrize(("data", "call"), OPERATIONS, ids=lambda value: repr(value)[:40])
def test_each_operation(data: bytes, call: Call) -> None:
    """Every server operation reaches its handler method, with subject, sid, reply, headers and payload."""
    assert parse(data) == [call]


def test_ok_is_ignored() -> None:
    """+OK (verbose mode's acknowledgement) calls nothing and does not disturb what follows."""
    assert parse(b"+OK\r\nPING\r\n") == [("ping",)]


def test_many_operations_in_one_chunk() -> None:
    """One read holding many operations gives all of them, in order."""
    assert parse(STREAM) == EXPECTED


def test_split_at_every_position() -> None:
    """A stream cut in two anywhere (in a line, in CRLF, in a payload) gives the same operations."""
    for cut in range(len(STREAM) + 1):
        assert parse(STREAM[:cut], STREAM[cut:]) == EXPECTED, f"cut at {cut}"


def test_one_byte_at_a_time() -> None:
    """A stream delivered one byte per read gives the same operations."""
    assert parse(*(STREAM[i : i + 1] for i in range(len(STREAM)))) == EXPECTED


def test_payload_that_looks_like_protocol() -> None:
    """A payload holding CRLF and operation names is data: only its length counts."""
    payload = b"PING\r\nMSG x 1 3\r\n-ERR 'no'\r\n"
    data = b"MSG trick 4 %d\r\n%s\r\nPONG\r\n" % (len(payload), payload)
    assert parse(data) == [("msg", 4, "trick", "", None, payload), ("pong",)]


def test_large_payload_in_fragments() -> None:
    """A payload far beyond the control line limit, arriving in many reads, is one message."""
    payload = bytes(range(256)) * 1000
    data = b"MSG big 1 %d\r\n%s\r\n" % (len(payload), payload)
    chunks = [data[i : i + 1500] for i in range(0, len(data), 1500)]
    assert parse(*chunks) == [("msg", 1, "big", "", None, payload)]


@pytest.mark.parametrize(
    "line",
    [
        b"MSG\r\n",
        b"MSG subject\r\n",
        b"MSG subject 1\r\n",
        b"MSG subject x 5\r\n",
        b"MSG subject 1 five\r\n",
        b"MSG subject 1 -1\r\n",
        b"HMSG subject 1 5\r\n",
        b"HMSG subject 1 0 5\r\n",
        b"HMSG subject 1 10 5\r\n",
        b"HMSG subject 1 x 5\r\n",
        b"INFO {not json\r\n",
        b"INFO\r\n",
        b"HELLO world\r\n",
        b"\r\n",
    ],
)
def test_malformed_line(line: bytes) -> None:
    """Garbage from the server raises ProtocolError (the connection is dropped), never another error."""
    with pytest.raises(wire.ProtocolError):
        parse(line)


def test_operations_before_garbage_are_handled() -> None:
    """What came before a malformed line was handled before the error."""
    calls = Calls()
    parser = wire.Parser(calls)
    with pytest.raises(wire.ProtocolError):
        parser.feed(b"PING\r\nMSG x 1 2\r\nok\r\nNONSENSE\r\n")
    assert calls.calls == [("ping",), ("msg", 1, "x", "", None, b"ok")]


def test_overlong_control_line() -> None:
    """A control line past nats-server's 4096 bytes without its end is refused, not buffered for ever."""
    calls = Calls()
    parser = wire.Parser(calls)
    parser.feed(b"INFO {" + b"x" * 4000)  # still within the limit: waits for the rest
    with pytest.raises(wire.ProtocolError):
        parser.feed(b"x" * 200)
    assert calls.calls == []


def test_reset_forgets_a_partial_operation() -> None:
    """A new connection does not continue a message cut off on the previous one."""
    calls = Calls()
    parser = wire.Parser(calls)
    parser.feed(b"MSG x 1 10\r\nhalf")
    parser.reset()
    parser.feed(b"PONG\r\n")
    assert calls.calls == [("pong",)]


def test_handler_switch_takes_effect_at_once() -> None:
    """When a handler hands over (the handshake's PONG), the next operation of the same read goes to the new one."""
    second = Calls()

    class Handshake(Calls):
        def on_pong(self) -> None:
            super().on_pong()
            parser.handler = second

    first = Handshake()
    parser = wire.Parser(first)
    parser.feed(b"PONG\r\nMSG x 1 1\r\na\r\nPING\r\n")
    assert first.calls == [("pong",)]
    assert second.calls == [("msg", 1, "x", "", None, b"a"), ("ping",)]


# --- The client's operations ---------------------------------------------------------------


def test_client_operations() -> None:
    """PUB, HPUB, SUB, UNSUB and CONNECT as the protocol spells them."""
    assert wire.pub("a.b", "", b"hi") == b"PUB a.b 2\r\nhi\r\n"
    assert wire.pub("a.b", "r.1", b"") == b"PUB a.b r.1 0\r\n\r\n"
    block = b"NATS/1.0\r\nK: v\r\n\r\n"
    assert wire.hpub("a", "", {"K": "v"}, b"xy") == b"HPUB a %d %d\r\n%sxy\r\n" % (
        len(block),
        len(block) + 2,
        block,
    )
    assert wire.hpub("a", "r", {"K": "v"}, b"") == b"HPUB a r %d %d\r\n%s\r\n" % (
        len(block),
        len(block),
        block,
    )
    assert wire.sub("a.*", "", 3) == b"SUB a.* 3\r\n"
    assert wire.sub("a.*", "workers", 3) == b"SUB a.* workers 3\r\n"
    assert wire.unsub(3) == b"UNSUB 3\r\n"
    assert wire.unsub(3, 5) == b"UNSUB 3 5\r\n"
    assert json.loads(wire.connect({"verbose": False, "name": "x"})[8:]) == {"verbose": False, "name": "x"}
    assert wire.connect({}) == b"CONNECT {}\r\n"


@pytest.mark.parametrize("name", ["", "A B", "A:B", "A\r\nB"])
def test_invalid_header_name(name: str) -> None:
    """A header that would break the block is refused, with nats-py's error, before anything is sent."""
    with pytest.raises(nats.errors.BadHeaderError):
        wire.encode_headers({name: "v"})


def test_invalid_header_value() -> None:
    """A value with a line break would smuggle a header or end the block: refused."""
    with pytest.raises(nats.errors.BadHeaderError):
        wire.encode_headers({"K": "v\r\nInjected: 1"})


# --- Header blocks, compared with nats-py ---------------------------------------------------


def received(block: bytes) -> Msg:
    """A message as a subscription gets it, with this header block."""
    return Msg(None, 1, "subject", "", block, b"")  # type: ignore[arg-type]  # no client needed to read it


async def nats_py_headers(block: bytes) -> dict[str, str] | None:
    """nats-py's own reading of a header block."""
    return await NatsPyClient()._process_headers(block)


HEADER_BLOCKS = [
    b"NATS/1.0\r\nFoo: bar\r\n\r\n",
    b"NATS/1.0\r\nFoo: bar\r\nBaz: qux quux\r\n\r\n",
    b"NATS/1.0\r\nFoo:bar\r\nSpaced:   padded value  \r\n\r\n",
    b"NATS/1.0\r\nValue: with: colons\r\n\r\n",
    b"NATS/1.0\r\nUnicode: gr\xc3\xbc\xc3\x9fe\r\n\r\n",
    b"NATS/1.0 503\r\n\r\n",
    b"NATS/1.0 404 No Messages\r\n\r\n",
    b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\nNats-Pending-Bytes: 0\r\n\r\n",
    b"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 1016\r\nNats-Last-Stream: 1024\r\n\r\n",
    b"NATS/1.0\r\nRepeated: first\r\nRepeated: second\r\n\r\n",
    b"NATS/1.0\r\nA: 1\r\nB: 2\r\nA: 3\r\n\r\n",
]


@pytest.mark.parametrize("block", HEADER_BLOCKS, ids=lambda block: repr(block)[10:50])
async def test_headers_read_as_nats_py_reads_them(block: bytes) -> None:
    """Inline status, status with description, repeated names: the same dict as nats-py's."""
    assert wire.decode_headers(block) == await nats_py_headers(block)
    assert received(block).headers == await nats_py_headers(block)


async def test_empty_header_block() -> None:
    """A block without headers (nats-py sends one for headers={}) reads as no headers, as in nats-py."""
    block = b"NATS/1.0\r\n\r\n"
    assert await nats_py_headers(block) is None
    assert received(block).headers is None


def test_inline_status() -> None:
    """The server's inline status becomes the Status and Description headers."""
    assert wire.decode_headers(b"NATS/1.0 503\r\n\r\n") == {"Status": "503"}
    assert wire.decode_headers(b"NATS/1.0 404 No Messages\r\n\r\n") == {
        "Status": "404",
        "Description": "No Messages",
    }


async def test_headers_round_trip_through_nats_py() -> None:
    """A block this client encodes reads back the same, with this client's decoder and nats-py's."""
    headers = {"Content-Type": "application/json", "Nats-Msg-Id": "abc-123", "Empty": "", "Umlaut": "grüße"}
    block = wire.encode_headers(headers)
    assert wire.decode_headers(block) == headers
    assert await nats_py_headers(block) == headers


# --- Random messages, randomly cut ------------------------------------------------------------

TOKENS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1, max_size=8
)
SUBJECTS = st.lists(TOKENS, min_size=1, max_size=4).map(".".join)
HEADER_NAMES = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=12
)
HEADER_VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), max_size=20
)
MESSAGES = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=2**31),
        SUBJECTS,
        st.one_of(st.just(""), SUBJECTS),
        st.one_of(st.none(), st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4)),
        st.binary(max_size=300) | st.sampled_from([b"\r\n", b"PING\r\n", b"MSG a 1 1\r\n"]),
    ),
    max_size=12,
)


def server_operation(
    sid: int, subject: str, reply: str, headers: dict[str, str] | None, payload: bytes
) -> bytes:
    """MSG or HMSG as nats-server writes it."""
    reply_part = f" {reply}" if reply else ""
    if headers is None:
        return f"MSG {subject} {sid}{reply_part} {len(payload)}\r\n".encode() + payload + b"\r\n"
    block = wire.encode_headers(headers)
    size = len(block) + len(payload)
    return f"HMSG {subject} {sid}{reply_part} {len(block)} {size}\r\n".encode() + block + payload + b"\r\n"


@settings(max_examples=200, deadline=None)
@given(messages=MESSAGES, data=st.data())
def test_random_fragmentation(
    messages: list[tuple[int, str, str, dict[str, str] | None, bytes]], data: st.DataObject
) -> None:
    """Random valid messages, cut at random places, give exactly those messages, headers included."""
    stream = b"".join(server_operation(*message) + b"PING\r\n" for message in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    chunks = [stream[start:end] for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    calls = parse(*chunks)
    assert [call for call in calls if call[0] == "ping"] == [("ping",)] * len(messages)
    received = [call[1:] for call in calls if call[0] == "msg"]
    assert len(received) == len(messages)
    for (sid, subject, reply, header, payload), (
        want_sid,
        want_subject,
        want_reply,
        headers,
        want_payload,
    ) in zip(received, messages, strict=True):
        assert (sid, subject, reply, payload) == (want_sid, want_subject, want_reply, want_payload)
        if headers is None:
            assert header is None
        else:
            assert header is not None
            assert wire.decode_headers(header) == {name: value.strip() for name, value in headers.items()}
