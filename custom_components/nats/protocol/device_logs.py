"""Device log lines on `P.devices.<device>.log` (docs/protocol.md, "Device logs").

The payload, both ways (a device builds it, the controller checks it), and
the token bucket both sides use to keep a chatty device from flooding
anyone. Protocol 1.6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
import re
from typing import Any, Final

from .codec import decode_json
from .errors import ProtocolError

MAX_LOG_PAYLOAD_BYTES: Final = 4096
"""A log line's payload at most; a larger one is refused as a whole."""
MAX_MESSAGE_CHARS: Final = 1024
"""The text a controller keeps of a line; a device sends less (the ESPHome component 192 bytes)."""
MAX_TAG_CHARS: Final = 64
LEVELS: Final = ("error", "warn", "info", "config", "debug", "verbose", "very_verbose")
"""The levels defined, most severe first: ESPHome's, in lower case."""
_LEVEL_RE: Final = re.compile(r"^[a-z_]{1,16}$")

PYTHON_LEVELS: Final = {
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "config": logging.INFO,
    "debug": logging.DEBUG,
    "verbose": logging.DEBUG,
    "very_verbose": logging.DEBUG,
}
"""What each level is in Python's logging (as Home Assistant's esphome integration maps ESPHome's)."""

__all__ = [
    "LEVELS",
    "LogLine",
    "RateLimiter",
    "level_of_record",
    "log_line_payload",
    "parse_log_line",
]


@dataclass(frozen=True, slots=True)
class LogLine:
    """One log line a device published."""

    level: str
    """One of LEVELS, or a later protocol's word (shown as info)."""
    message: str
    tag: str = ""
    time: float | None = None
    """Seconds since the Unix epoch, when the device knows the time."""
    dropped: int = 0
    """Lines the device dropped (rate limit, disconnected) since the previous one it sent."""

    @property
    def python_level(self) -> int:
        """The line's level in Python's logging; a level this version does not know is info."""
        return PYTHON_LEVELS.get(self.level, logging.INFO)

    def as_dict(self) -> dict[str, Any]:
        """Return the line as the controller keeps and shows it (no empty fields)."""
        line: dict[str, Any] = {"level": self.level, "tag": self.tag, "message": self.message}
        if self.time is not None:
            line["time"] = self.time
        if self.dropped:
            line["dropped"] = self.dropped
        return line


def parse_log_line(raw: bytes) -> LogLine:
    """Validate a log payload; ProtocolError says what is wrong.

    A message longer than MAX_MESSAGE_CHARS is cut (with "…"), not refused:
    the line is still worth seeing.
    """
    data = decode_json(raw, MAX_LOG_PAYLOAD_BYTES)
    level, message, tag = data.get("level"), data.get("message"), data.get("tag", "")
    if not isinstance(level, str) or not _LEVEL_RE.match(level):
        raise ProtocolError(f"level must be a word such as {', '.join(LEVELS[:3])}, got {level!r}")
    if not isinstance(message, str):
        raise ProtocolError(f"message must be a string, got {type(message).__name__}")
    if not isinstance(tag, str) or len(tag) > MAX_TAG_CHARS:
        raise ProtocolError(f"tag must be a string of at most {MAX_TAG_CHARS} characters")
    stamp, dropped = data.get("time"), data.get("dropped", 0)
    if stamp is not None and (isinstance(stamp, bool) or not isinstance(stamp, int | float)):
        raise ProtocolError(f"time must be a number of seconds, got {stamp!r}")
    if isinstance(dropped, bool) or not isinstance(dropped, int) or dropped < 0:
        raise ProtocolError(f"dropped must be a count, got {dropped!r}")
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    return LogLine(level, message, tag, float(stamp) if stamp is not None else None, dropped)


def log_line_payload(
    level: str, message: str, tag: str = "", *, time: float | None = None, dropped: int = 0
) -> dict[str, Any]:
    """Return the payload of a log line, the message cut to what a controller keeps."""
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    payload: dict[str, Any] = {"level": level, "tag": tag[:MAX_TAG_CHARS], "message": message}
    if time is not None:
        payload["time"] = round(time, 3)
    if dropped:
        payload["dropped"] = dropped
    return payload


def level_of_record(levelno: int) -> str:
    """Return the protocol's level of a Python log record's level."""
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warn"
    if levelno >= logging.INFO:
        return "info"
    return "debug"


class RateLimiter:
    """A token bucket: up to `lines` at once, refilled at `lines` per `period` seconds.

    What it refuses is counted, so the next line let through can say how
    many were dropped (take_dropped).
    """

    def __init__(self, lines: int, period: float, clock: Callable[[], float]) -> None:
        """Allow `lines` per `period` seconds, timed by clock (monotonic seconds)."""
        if lines < 1 or period <= 0:
            raise ValueError("a rate needs at least one line per positive period")
        self._capacity = float(lines)
        self._per_second = lines / period
        self._clock = clock
        self._tokens = float(lines)
        self._at = clock()
        self.dropped = 0

    def allow(self) -> bool:
        """Take a token: True to send the line now, False to drop it (counted)."""
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._at) * self._per_second)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        self.dropped += 1
        return False

    def take_dropped(self) -> int:
        """Return how many were dropped since the last call, and start counting again."""
        dropped, self.dropped = self.dropped, 0
        return dropped
