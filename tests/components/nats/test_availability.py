"""Availability: heartbeats, clean goodbyes and the connection to NATS."""

from __future__ import annotations

import asyncio

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_ON,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import record_silences, state_of, wait_for

RELAY = [{"platform": "switch", "id": "relay", "name": "Relay"}]


async def test_heartbeat_loss(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """A device that stops talking goes unavailable after 2.5 intervals, and comes back."""
    device = await device_factory("porch", RELAY, heartbeat_interval=1)
    await device.set_state("relay", "OFF")
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == "off")

    silences, unsubscribe = record_silences(hass, setup_entry, "porch", "switch.porch_relay")
    for task in list(device._tasks):  # the heartbeat loop: simulate a crash
        task.cancel()
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == STATE_UNAVAILABLE, timeout=6)
    unsubscribe()
    assert len(silences) == 1
    # (A millisecond's slack for float rounding of loop times.)
    assert silences[0] >= 2.5 - 1e-3, "not before the window of 2.5 intervals"

    await device.heartbeat()
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == "off")


async def test_heartbeats_keep_device_available(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """A device that keeps sending heartbeats stays available past its window."""
    await device_factory("porch", RELAY, heartbeat_interval=1)
    await wait_for(hass, lambda: hass.states.get("switch.porch_relay") is not None)
    await asyncio.sleep(4)
    assert state_of(hass, "switch.porch_relay")() != STATE_UNAVAILABLE


async def test_online_false_is_immediate(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """A clean stop ({"online": false}) makes the device unavailable at once."""
    device = await device_factory("porch", RELAY, heartbeat_interval=600)
    await wait_for(hass, lambda: hass.states.get("switch.porch_relay") is not None)
    assert state_of(hass, "switch.porch_relay")() != STATE_UNAVAILABLE
    await device.stop(clean=True)
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == STATE_UNAVAILABLE, timeout=1)


async def test_server_restart(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """nats-server down: everything unavailable (logged once); back up: commands work."""
    device = await device_factory("porch", RELAY, heartbeat_interval=2)
    await wait_for(hass, lambda: hass.states.get("switch.porch_relay") is not None)

    nats_server.stop()
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == STATE_UNAVAILABLE)
    await asyncio.sleep(1.5)  # several reconnect attempts fail meanwhile
    assert caplog.text.count("Lost the connection to the NATS server") == 1

    nats_server.start()
    await wait_for(
        hass, lambda: state_of(hass, "switch.porch_relay")() not in (None, STATE_UNAVAILABLE), timeout=10
    )
    assert "Reconnected to the NATS server" in caplog.text
    await wait_for(hass, lambda: device.nc.is_connected)
    # nats-py reports connected before the server has its subscriptions back; the
    # round trip of a flush guarantees it has (else: "no responders", offline).
    await device.nc.flush()
    # And a state from the device reaching Home Assistant now proves both links
    # work and restarts the device's heartbeat window.
    await device.set_state("relay", "OFF")
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == "off")
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.porch_relay"}, blocking=True
    )
    assert state_of(hass, "switch.porch_relay")() == STATE_ON
