"""The guard around every hub handler: one bad message is logged with its subject, never raised."""

from __future__ import annotations

import inspect

import pytest

from custom_components.nats.message_guard import guarded, guarded_plain
from custom_components.nats.protocol.client.msg import Msg

SUBJECT = "home.devices.den.sensor.temperature.state"


def _msg() -> Msg:
    return Msg(None, 1, SUBJECT, "", None, b"{}")  # type: ignore[arg-type]  # no client: nothing replies


def _plain(msg: Msg) -> None:
    raise ValueError("boom")


async def _coroutine(msg: Msg) -> None:
    raise ValueError("boom")


async def test_plain_handler_stays_plain_and_logs_with_the_subject(caplog: pytest.LogCaptureFixture) -> None:
    """For the own client a plain handler is guarded as a plain function (no coroutine per message)."""
    handler = guarded_plain(_plain)
    assert not inspect.iscoroutinefunction(handler)
    assert handler(_msg()) is None
    assert f"Unexpected error handling the message on {SUBJECT}" in caplog.text


@pytest.mark.parametrize("handler", [_plain, _coroutine])
async def test_guarded_handlers_log_with_the_subject(
    handler: object, caplog: pytest.LogCaptureFixture
) -> None:
    """For nats-py every handler becomes a coroutine function; its error is logged, not raised."""
    for guard in (guarded, guarded_plain):
        caplog.clear()
        wrapped = guard(handler)  # type: ignore[arg-type]
        result = wrapped(_msg())
        if inspect.isawaitable(result):
            await result
        assert f"Unexpected error handling the message on {SUBJECT}" in caplog.text
    assert inspect.iscoroutinefunction(guarded(handler))  # type: ignore[arg-type]
