"""Device log lines (protocol 1.6): the payload both ways and the rate limit both sides use."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from nats_home.device_logs import RateLimiter, level_of_record, log_line_payload, parse_log_line
from nats_home.errors import ProtocolError

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "device_log.json").read_text())


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: c["name"])
def test_valid_log_lines(case: dict[str, Any]) -> None:
    line = parse_log_line(case["raw"].encode())
    expect = case["expect"]
    assert (line.level, line.tag, line.message, line.dropped) == (
        expect["level"],
        expect["tag"],
        expect["message"],
        expect["dropped"],
    )
    assert line.time == expect.get("time")
    assert line.python_level == getattr(logging, expect["python_level"])


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_invalid_log_lines_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError):
        parse_log_line(case["raw"].encode())


def test_a_payload_built_by_the_library_parses_back() -> None:
    payload = log_line_payload("warn", "m" * 2000, "t" * 100, time=12.34567, dropped=2)
    line = parse_log_line(json.dumps(payload).encode())
    assert (len(line.message), len(line.tag), line.time, line.dropped) == (1024, 64, 12.346, 2)
    assert [level_of_record(n) for n in (50, 40, 30, 20, 10, 5)] == [
        "error",
        "error",
        "warn",
        "info",
        "debug",
        "debug",
    ]


def test_the_rate_limiter_allows_a_burst_then_refills_and_counts() -> None:
    now = [0.0]
    limiter = RateLimiter(3, 1.0, lambda: now[0])
    assert [limiter.allow() for _ in range(5)] == [True, True, True, False, False]
    assert limiter.take_dropped() == 2
    assert limiter.take_dropped() == 0
    now[0] = 0.34  # a third of the period: one line's worth
    assert [limiter.allow() for _ in range(2)] == [True, False]
    now[0] = 100.0  # never more than the burst
    assert [limiter.allow() for _ in range(4)] == [True, True, True, False]
    with pytest.raises(ValueError, match="at least one line"):
        RateLimiter(0, 1.0, lambda: 0.0)
