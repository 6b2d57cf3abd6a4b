"""The NATS client protocol on the wire: the operations a client sends, and a parser for the server's.

https://docs.nats.io/reference/reference-protocols/nats-protocol. The parser
is fed whatever the socket delivers (a fragment of a line, many messages at
once) and calls its handler once per complete operation, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any, Final, Protocol

import nats.errors

CRLF: Final = b"\r\n"
PING: Final = b"PING\r\n"
PONG: Final = b"PONG\r\n"
HEADER_LINE: Final = b"NATS/1.0"
STATUS_HEADER: Final = "Status"
DESCRIPTION_HEADER: Final = "Description"
NO_RESPONDERS: Final = b"NATS/1.0 503"
MAX_CONTROL_LINE: Final = 4096
"""nats-server's own limit on a protocol line (max_control_line); a longer one is garbage."""


class ProtocolError(nats.errors.ProtocolError):
    """The server sent something that is not the NATS protocol (nats-py's class: its handlers catch it)."""

    def __str__(self) -> str:
        """Say what was wrong (nats-py's class prints only "protocol error")."""
        return f"nats: protocol error: {self.args[0]}" if self.args else super().__str__()


AUTHORIZATION: Final = ("authorization violation", "authentication expired", "authentication revoked")
"""What -ERR says when the server refuses the client's credentials."""


def server_error(text: str) -> nats.errors.Error:
    """Return nats-py's exception for an -ERR (its text lower-cased, as nats-py reports it)."""
    lowered = text.lower()
    if any(reason in lowered for reason in AUTHORIZATION):
        return nats.errors.AuthorizationError()
    if "stale connection" in lowered:
        return nats.errors.StaleConnectionError()
    return nats.errors.Error(f"nats: {lowered}")


class ServerHandler(Protocol):
    """What the parser calls, one method per server operation."""

    def on_msg(self, sid: int, subject: str, reply: str, header: bytes | None, payload: bytes) -> None:
        """Handle MSG or HMSG (`header` is the raw header block, or None for MSG)."""

    def on_info(self, info: dict[str, Any]) -> None:
        """Handle INFO."""

    def on_ping(self) -> None:
        """Handle PING."""

    def on_pong(self) -> None:
        """Handle PONG."""

    def on_err(self, text: str) -> None:
        """Handle -ERR with its text, quotes removed."""


def connect(options: Mapping[str, Any]) -> bytes:
    """Return the CONNECT operation."""
    return b"CONNECT " + json.dumps(options, separators=(",", ":")).encode() + CRLF


def pub(subject: str, reply: str, payload: bytes) -> bytes:
    """Return a PUB operation with its payload."""
    head = f"PUB {subject} {reply} {len(payload)}\r\n" if reply else f"PUB {subject} {len(payload)}\r\n"
    return b"".join((head.encode(), payload, CRLF))


def hpub(subject: str, reply: str, headers: Mapping[str, str], payload: bytes) -> bytes:
    """Return an HPUB operation: headers, then payload."""
    block = encode_headers(headers)
    total = len(block) + len(payload)
    head = (
        f"HPUB {subject} {reply} {len(block)} {total}\r\n"
        if reply
        else f"HPUB {subject} {len(block)} {total}\r\n"
    )
    return b"".join((head.encode(), block, payload, CRLF))


def sub(subject: str, queue: str, sid: int) -> bytes:
    """Return a SUB operation."""
    return f"SUB {subject} {queue} {sid}\r\n".encode() if queue else f"SUB {subject} {sid}\r\n".encode()


def unsub(sid: int, limit: int = 0) -> bytes:
    """Return an UNSUB operation, after `limit` more messages when it is not 0."""
    return f"UNSUB {sid} {limit}\r\n".encode() if limit else f"UNSUB {sid}\r\n".encode()


def encode_headers(headers: Mapping[str, str]) -> bytes:
    """Return a header block: the version line, one line per header, an empty line."""
    lines = [HEADER_LINE]
    for name, value in headers.items():
        if not name or any(c in name for c in ":\r\n ") or "\r" in value or "\n" in value:
            # nats-py's error for a bad header, so code written for nats-py catches it.
            raise nats.errors.BadHeaderError(name)
        lines.append(f"{name}: {value}".encode())
    lines.append(b"")
    lines.append(b"")
    return CRLF.join(lines)


def decode_headers(block: bytes) -> dict[str, str]:
    """Return the headers of a block, as nats-py does.

    An inline status (`NATS/1.0 503 No Responders`) becomes the `Status` and
    `Description` headers. A name given twice keeps its last value, as
    nats-py's parser does (nats-py 2.16's `_parse_header_lines`; only the
    email parser of older versions kept the first).
    """
    lines = block.decode(errors="replace").split("\r\n")
    first = lines[0]
    headers: dict[str, str] = {}
    if first.startswith("NATS/1.0 "):
        status, _, description = first[9:].strip().partition(" ")
        if status.isdigit():
            headers[STATUS_HEADER] = status
        if description:
            headers[DESCRIPTION_HEADER] = description
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers[name.strip()] = value.strip()
    return headers


class Parser:
    """Turns the server's bytes into handler calls."""

    __slots__ = ("_pending", "_rest", "handler")

    def __init__(self, handler: ServerHandler) -> None:
        self.handler = handler
        """Who handles the operations (the handshake hands over to the client)."""
        self._rest = b""
        self._pending: tuple[int, str, str, int, int] | None = None
        """A message whose control line was read: sid, subject, reply, header size, total size."""

    def reset(self) -> None:
        """Forget a partial operation (a new connection starts clean)."""
        self._rest = b""
        self._pending = None

    def feed(self, data: bytes) -> None:
        """Parse data, calling the handler for every operation it completes.

        `MSG` (every state of every device: the ingest path) is read here, in
        the loop, and handed over at once when its payload is in this read;
        every other operation goes through _control.
        """
        if self._rest:
            data = self._rest + data
            self._rest = b""
        size = len(data)
        pos = 0
        on_msg = self.handler.on_msg
        while pos < size:
            pending = self._pending
            if pending is not None:
                sid, subject, reply, header_size, total = pending
                end = pos + total
                if size < end + 2:
                    break
                self._pending = None
                if header_size:
                    split = pos + header_size
                    on_msg(sid, subject, reply, data[pos:split], data[split:end])
                else:
                    on_msg(sid, subject, reply, None, data[pos:end])
                pos = end + 2
                continue
            newline = data.find(CRLF, pos)
            if newline < 0:
                if size - pos > MAX_CONTROL_LINE:
                    raise ProtocolError("control line too long")
                break
            if data.startswith(b"MSG ", pos):
                # MSG <subject> <sid> [reply-to] <#bytes>
                parts = data[pos + 4 : newline].split()
                try:
                    if len(parts) == 3:
                        subject_bytes, sid_bytes, size_bytes = parts
                        reply = ""
                    else:
                        # Checked, else `MSG a 1` reads its sid as the size and the stream goes out of step.
                        subject_bytes, sid_bytes, reply_bytes, size_bytes = parts
                        reply = reply_bytes.decode()
                    sid, total = int(sid_bytes), int(size_bytes)
                except ValueError as err:
                    raise ProtocolError(f"malformed {data[pos:newline][:80]!r}") from err
                if total < 0:
                    raise ProtocolError(f"bad size in {data[pos:newline][:80]!r}")
                subject = subject_bytes.decode()
                pos = newline + 2
                end = pos + total
                if size < end + 2:
                    self._pending = (sid, subject, reply, 0, total)
                    continue
                on_msg(sid, subject, reply, None, data[pos:end])
                pos = end + 2
                continue
            line = data[pos:newline]
            pos = newline + 2
            self._control(line, self.handler)
            on_msg = self.handler.on_msg  # the handshake hands over to the client on an INFO or a PONG
        if pos < size:
            self._rest = data[pos:]

    def _control(self, line: bytes, handler: ServerHandler) -> None:
        """Handle one control line."""
        op = line[:4]
        try:
            if op == b"HMSG":
                # HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>
                parts = line.split()
                if len(parts) not in (5, 6):
                    raise ProtocolError(f"malformed {line[:80]!r}")
                reply = parts[3].decode() if len(parts) == 6 else ""
                header_size, total = int(parts[-2]), int(parts[-1])
                if not 0 < header_size <= total:
                    raise ProtocolError(f"bad header size in {line[:80]!r}")
                self._pending = (int(parts[2]), parts[1].decode(), reply, header_size, total)
            elif op == b"PING":
                handler.on_ping()
            elif op == b"PONG":
                handler.on_pong()
            elif op == b"INFO":
                handler.on_info(json.loads(line[5:]))
            elif op == b"-ERR":
                handler.on_err(line[4:].strip().strip(b"'").decode(errors="replace"))
            elif op != b"+OK":
                raise ProtocolError(f"unknown operation {line[:80]!r}")
        except (IndexError, ValueError) as err:
            raise ProtocolError(f"malformed {line[:80]!r}") from err
