"""Command expiry: the shared vectors and the controller's stamps (docs/protocol.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nats_home.expiry import (
    CLOCKS_KEPT,
    CommandExpiry,
    ControllerClock,
    command_ttl_ms,
    without_stamp,
)
from nats_home.payloads import parse_command

SCENARIOS = json.loads((Path(__file__).parent.parent / "vectors" / "expiry.json").read_text())["scenarios"]


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s["name"]) for s in SCENARIOS])
def test_expiry_vectors(scenario: dict[str, Any]) -> None:
    """The device rule gives every step's lateness and verdict."""
    expiry = CommandExpiry(now_ms=lambda: pytest.fail("vectors give the time"))
    for step in scenario["steps"]:
        if "ttl" in step:
            command = {"state": "ON", **{k: step[k] for k in ("clock", "sent", "ttl")}}
            verdict = "refuse" if expiry.is_expired(command, step["now"]) else "accept"
            assert verdict == step["expect"], step
        else:
            assert expiry.observe(step["clock"], step["sent"], step["now"]) == step["late"], step


def test_lateness_of_every_vector_step() -> None:
    """The lateness printed in the vectors is what the rule computes (C++ checks it too)."""
    for scenario in SCENARIOS:
        expiry = CommandExpiry()
        for step in scenario["steps"]:
            assert expiry.observe(step["clock"], step["sent"], step["now"]) == step["late"], scenario["name"]


def test_least_recently_heard_clock_is_forgotten() -> None:
    """A device keeps four controller clocks; a fifth makes it forget the quietest."""
    expiry = CommandExpiry()
    for n in range(CLOCKS_KEPT):
        expiry.observe(f"c{n}", 0, 0)
    expiry.observe("c0", 1000, 1000)  # c0 heard again: c1 is now the quietest
    expiry.observe("new", 0, 1000)
    assert expiry.observe("c0", 0, 90_000) > 80_000  # still known: dated
    assert expiry.observe("c1", 0, 90_000) == 0  # forgotten: not dated


def test_unstamped_messages_teach_nothing() -> None:
    """Messages without a clock stamp (older controllers, `nats req`) are not dated."""
    expiry = CommandExpiry(now_ms=lambda: 10_000)
    expiry.observe_message({"v": 1, "status": "online"})
    for bad in ({"clock": "c", "sent": True}, {"clock": "a.b", "sent": 5}, {"clock": "c", "sent": 2**53 + 1}):
        expiry.observe_message(bad)
    assert not expiry.is_expired({"state": "ON"})
    assert not expiry.is_expired({"state": "ON", "clock": "c", "sent": 0, "ttl": 1})


def test_controller_stamps() -> None:
    """The controller's clock counts ms from its start under a fresh id per start."""
    now = [100.0]
    clock = ControllerClock(monotonic=lambda: now[0])
    now[0] = 101.5
    stamp = clock.command_stamp(2.0)
    assert stamp == {"clock": clock.id, "sent": 1500, "ttl": 1500}
    assert ControllerClock().id != clock.id
    assert parse_command("switch", json.dumps({"state": "ON", **stamp}).encode())["ttl"] == 1500
    assert without_stamp({"state": "ON", **stamp}) == {"state": "ON"}


@pytest.mark.parametrize(("timeout", "ttl"), [(2.0, 1500), (0.5, 250), (30.0, 29_500), (0.001, 1)])
def test_ttl_leaves_room_for_the_refusal(timeout: float, ttl: int) -> None:
    """The ttl is the timeout less 0.5 s (at least half of it), so a refusal arrives in time."""
    assert command_ttl_ms(timeout) == ttl
