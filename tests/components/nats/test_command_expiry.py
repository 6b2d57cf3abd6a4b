"""A command reported as failed is never carried out later (docs/protocol.md, "Command expiry").

The device runs in a process of its own so it can really be frozen (SIGSTOP):
the command waits in its socket while Home Assistant times out, and the device
reads it when it resumes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import os
from pathlib import Path
import signal
import sys

import nats
import nats.errors
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT

from ...conftest import DeviceFactory, server_has_everything
from ...nats_server import NatsServer
from .conftest import state_of, wait_for

ROOT = Path(__file__).resolve().parents[3]


async def _switch(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call("switch", service, {ATTR_ENTITY_ID: "switch.attic_relay"}, blocking=True)


@pytest.fixture
async def attic(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> AsyncIterator[asyncio.subprocess.Process]:
    """tests/device_process.py as device `attic`, its switch in Home Assistant."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.device_process",
        nats_server.url,
        "attic",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            assert (await proc.stdout.readline()).strip() == b"ready"
        await wait_for(hass, lambda: state_of(hass, "switch.attic_relay")() == "unknown", timeout=10)
        yield proc
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        async with asyncio.timeout(10):
            await proc.wait()


async def test_frozen_device_refuses_the_command_it_reads_late(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    attic: asyncio.subprocess.Process,
) -> None:
    """Frozen past the timeout: the user is told it failed, and it does not happen later."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 1.0})
    await _switch(hass, SERVICE_TURN_ON)  # also teaches the device the controller's clock
    assert hass.states.get("switch.attic_relay").state == STATE_ON

    watcher = await nats.connect(nats_server.url)
    # No callback: messages queue in the order the server sent them.
    seen = await watcher.subscribe("home.devices.attic.>")
    # One flush is not enough: nats-py's PING can overtake the buffered SUB.
    await server_has_everything(watcher)

    os.kill(attic.pid, signal.SIGSTOP)
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_OFF)
    assert err.value.translation_key == "command_timeout"
    os.kill(attic.pid, signal.SIGCONT)

    # Barrier: the device's one command subscription handles this after the late command.
    reply = await watcher.request("home.devices.attic.number.dial.command", b'{"value":7}', timeout=10)
    assert json.loads(reply.data) == {"ok": True, "state": {"state": 7}}

    published: dict[str, list[dict[str, object]]] = {}
    while True:
        try:
            msg = await seen.next_msg(timeout=0.2)
        except nats.errors.TimeoutError:
            break
        published.setdefault(msg.subject, []).append(json.loads(msg.data))
    await watcher.close()

    assert [c["state"] for c in published["home.devices.attic.switch.relay.command"]] == ["OFF"]
    assert published["home.devices.attic.number.dial.state"] == [{"state": 7}]
    assert "home.devices.attic.switch.relay.state" not in published  # the relay never switched off
    assert hass.states.get("switch.attic_relay").state == STATE_ON


async def test_refusal_that_arrives_in_time_says_why(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """A command the device dates too late, while Home Assistant still waits, fails with the reason."""
    device = await device_factory("porch", [{"platform": "switch", "id": "relay"}])
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == "unknown")
    # Teach the device that the controller's messages can arrive 10 s quicker than this
    # one will: to the device, the next command is 10 s late (as after a long stall).
    clock = setup_entry.runtime_data.hub.clock
    device.expiry.observe(clock.id, clock.stamp()["sent"] + 10_000)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.porch_relay"}, blocking=True
        )
    assert str(err.value) == (
        "Device Porch received the command too late (more than 1.5 s after it was sent) "
        "and did not carry it out"
    )
    assert device.commands == []
    assert [entity for entity, _ in device.expired] == ["relay"]
