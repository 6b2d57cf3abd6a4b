"""Watching the running integration: escaped exceptions, loop errors, ERROR logs, processed input.

nats-py hands an exception raised by a subscription callback to the client's
error_cb, which the hub logs at DEBUG only, so without this watch such a crash
would pass unnoticed. The watch wraps the hub's message handlers (before the
entry is set up) to record every exception leaving them, with its subject.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
import inspect
import logging
import traceback
from typing import Any
import uuid

from nats.aio.client import Client
from nats.aio.msg import Msg
import pytest

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.nats.client_errors import ClientErrors
from custom_components.nats.hub import NatsHub
from custom_components.nats.identity import device_id_of
from custom_components.nats.protocol.client import RawMessage
from custom_components.nats.write_pacer import MIN_WRITE_INTERVAL

from ..nats_fixtures import until

HANDLERS = ("_on_announce", "_on_status", "_on_state", "_on_event")
BATCH_HANDLERS = ("_on_states",)
"""Handlers the own client calls with a batch of raw messages (the states: state_ingest.py)."""
SENTINEL = b"drain:"
SENTINEL_SUBJECTS = (
    "{p}.discovery.announce",
    "{p}.discovery.announce.zzdrain",
    "{p}.devices.zzdrain.status",
    "{p}.devices.zzdrain.switch.zzdrain.state",
)
"""One subject per subscription of the hub; no device 'zzdrain' ever announces."""


@dataclass
class Watch:
    """What went wrong inside Home Assistant while a test ran."""

    caplog: pytest.LogCaptureFixture
    escaped: list[tuple[str, BaseException]] = field(default_factory=list)
    handled: int = 0
    """Messages the hub's handlers have finished (with or without an exception)."""
    sentinels: set[tuple[str, bytes]] = field(default_factory=set)
    """Drain markers the hub's handlers have finished, as (subject, payload)."""
    client_errors: list[BaseException] = field(default_factory=list)
    loop_errors: list[dict[str, Any]] = field(default_factory=list)

    def error_logs(self) -> list[str]:
        """ERROR or worse log lines from any logger."""
        return [
            f"{record.name}: {record.getMessage()[:500]}"
            for record in self.caplog.records
            if record.levelno >= logging.ERROR
        ]

    def problems(self) -> list[str]:
        """Everything that must not happen, as readable lines."""
        lines = [
            f"escaped from handler on {subject[:200]!r}: "
            + "".join(traceback.format_exception(err, limit=-4))[-1500:]
            for subject, err in self.escaped
        ]
        lines += [
            f"loop exception: {context.get('message')} {context.get('exception')!r}"
            for context in self.loop_errors
        ]
        lines += [f"ERROR log: {line}" for line in self.error_logs()]
        return lines

    def assert_clean(self, what: str = "") -> None:
        """Fail with every problem seen so far."""
        problems = self.problems()
        assert not problems, f"{what}: {len(problems)} problem(s):\n" + "\n".join(problems[:20])

    def forget_logs(self) -> None:
        """Drop captured log records (keeps memory flat in long runs)."""
        self.caplog.clear()


def _recording(name: str, watch: Watch) -> Callable[[NatsHub, Msg], Awaitable[None] | None]:
    """Wrap a hub handler to record what escapes it, keeping it plain if it is plain.

    The state, event and status handlers are plain functions, which the own
    client calls in the read without a task (hub.py): wrapped in a coroutine
    they would each cost a task, and in asyncio's debug mode, which these tests
    run in, a task records its creation's stack.
    """
    original = getattr(NatsHub, name)

    def _done(msg: Msg) -> None:
        watch.handled += 1
        if msg.data.startswith(SENTINEL):
            watch.sentinels.add((msg.subject, msg.data))

    if not inspect.iscoroutinefunction(original):

        def _plain(self: NatsHub, msg: Msg) -> None:
            try:
                original(self, msg)
            except Exception as err:
                watch.escaped.append((msg.subject, err))
                raise
            finally:
                _done(msg)

        return _plain

    async def _handler(self: NatsHub, msg: Msg) -> None:
        try:
            await original(self, msg)
        except Exception as err:
            watch.escaped.append((msg.subject, err))
            raise
        finally:
            _done(msg)

    return _handler


def _recording_batch(name: str, watch: Watch) -> Callable[[NatsHub, list[RawMessage]], None]:
    """Wrap a batch handler; every message of the batch counts as handled.

    The handler logs each message's error itself, with its subject
    (state_ingest.py), which the watch sees as an ERROR log; only what
    escapes the whole batch is recorded here.
    """
    original = getattr(NatsHub, name)

    def _batch(self: NatsHub, batch: list[RawMessage]) -> None:
        try:
            original(self, batch)
        except Exception as err:
            watch.escaped.append((batch[0][0] if batch else "", err))
            raise
        finally:
            watch.handled += len(batch)
            for subject, _reply, _header, payload in batch:
                if payload.startswith(SENTINEL):
                    watch.sentinels.add((subject, payload))

    return _batch


@pytest.fixture
def watch(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[Watch]:
    """Record exceptions leaving the hub's handlers, loop exceptions and ERROR logs.

    Request it before `setup_entry`, so the hub subscribes the wrapped handlers.
    (A plain fixture: an async one between `hass` and `setup_entry` upsets the
    harness' teardown order.)
    """
    seen = Watch(caplog)
    for name in HANDLERS:
        monkeypatch.setattr(NatsHub, name, _recording(name, seen))
    for name in BATCH_HANDLERS:
        monkeypatch.setattr(NatsHub, name, _recording_batch(name, seen))
    original_on_error = ClientErrors.async_on_error

    async def _on_error(self: ClientErrors, err: Exception) -> None:
        seen.client_errors.append(err)
        await original_on_error(self, err)

    monkeypatch.setattr(ClientErrors, "async_on_error", _on_error)
    loop = hass.loop
    previous = loop.get_exception_handler()

    def _loop_handler(the_loop: Any, context: dict[str, Any]) -> None:
        seen.loop_errors.append(context)
        if previous is not None:
            previous(the_loop, context)
        else:
            the_loop.default_exception_handler(context)

    loop.set_exception_handler(_loop_handler)
    yield seen
    loop.set_exception_handler(previous)


async def drain(hass: HomeAssistant, watch: Watch, *publishers: Client) -> None:
    """Return once the hub has handled everything the publishers sent so far.

    NATS keeps each publisher's messages in order per subscriber, and nats-py
    runs each subscription's callbacks in order; so once the hub has handled a
    marker sent by every publisher on every one of its subscriptions, it has
    handled everything those publishers sent before. (A flush of the hub's
    own connection plus joining its queues is not enough: it raced.)
    """
    expected = set()
    for publisher in publishers:
        nonce = SENTINEL + uuid.uuid4().hex.encode()
        for template in SENTINEL_SUBJECTS:
            subject = template.format(p="home")
            await publisher.publish(subject, nonce)
            expected.add((subject, nonce))
        await publisher.flush(timeout=30)
    await until(lambda: expected <= watch.sentinels, 60, poll=0.002)
    watch.sentinels -= expected
    # A burst's last state is written once the entity's write interval is over.
    await asyncio.sleep(MIN_WRITE_INTERVAL * 1.5)
    await hass.async_block_till_done()


def registry_snapshot(hass: HomeAssistant, entry_id: str) -> tuple[set[str], set[str]]:
    """Return (device ids, entity unique ids) the entry has in the registries, without the entry's scope.

    Identifiers and unique ids start with the entry's id (identity.py); the
    fuzz oracles speak of `<device>` and `<device>:<platform>:<entity>`.
    """
    devices = {
        device_id
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        for identifier in device.identifiers
        if (device_id := device_id_of(entry_id, identifier)) is not None
    }
    entities = {
        entity.unique_id.removeprefix(f"{entry_id}:")
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    }
    return devices, entities


def unserializable(hass: HomeAssistant, entry_id: str) -> list[str]:
    """Return what the recorder and the websocket API could not serialise (states, registries)."""
    bad = [
        f"device {device.identifiers}"
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        if device.json_repr is None
    ]
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id):
        if entity.display_json_repr is None:
            bad.append(f"entity registry entry {entity.entity_id}")
        state = hass.states.get(entity.entity_id)
        if state is None:
            continue
        try:
            state.as_dict_json  # noqa: B018 (the property serialises)
            state.as_compressed_state_json  # noqa: B018
        except (TypeError, ValueError) as err:
            bad.append(f"state of {entity.entity_id}: {err}")
    return bad
