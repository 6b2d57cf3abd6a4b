"""Which interval counts, what brings a device back, and how connection loss is logged."""

from __future__ import annotations

import asyncio
import logging

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant

from nats_home.device import Device

from ...conftest import DeviceFactory, server_has_everything
from ...nats_server import NatsServer
from .conftest import record_silences, state_of, wait_for

RELAY = [{"platform": "switch", "id": "relay"}]


async def _silent_device(hass: HomeAssistant, device_factory: DeviceFactory, interval: int) -> Device:
    """A device that announced and sent its first heartbeat, then stopped its heartbeat loop."""
    device = await device_factory("porch", RELAY, heartbeat_interval=interval)
    for task in list(device._tasks):
        task.cancel()
    await server_has_everything(device.nc)  # its announcement and heartbeat come first
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() not in (None, STATE_UNAVAILABLE))
    return device


async def _heartbeat(nats_server: NatsServer, interval: int) -> None:
    client = await nats.connect(nats_server.url)
    try:
        await client.publish(
            "home.devices.porch.status", f'{{"v":1,"online":true,"interval":{interval}}}'.encode()
        )
        await client.flush()
    finally:
        await client.close()


async def test_shorter_heartbeat_interval_wins(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """Announced 600 s, then a heartbeat saying 1 s: silence counts after 2.5 s, not 1500 s."""
    await _silent_device(hass, device_factory, 600)
    silences, unsubscribe = record_silences(hass, setup_entry, "porch", "switch.porch_relay")
    await _heartbeat(nats_server, 1)
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == STATE_UNAVAILABLE, timeout=6)
    unsubscribe()
    assert setup_entry.runtime_data.hub.devices["porch"].liveness.window == 2.5
    # Not before the window (a millisecond's slack for float rounding of loop times).
    assert len(silences) == 1
    assert silences[0] >= 2.5 - 1e-3


async def test_longer_heartbeat_interval_wins(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """Announced 1 s, then a heartbeat saying 600 s: the device stays available past 2.5 s."""
    await _silent_device(hass, device_factory, 1)
    await _heartbeat(nats_server, 600)
    await asyncio.sleep(3.5)
    assert state_of(hass, "switch.porch_relay")() != STATE_UNAVAILABLE


@pytest.mark.parametrize("sign_of_life", ["state", "heartbeat", "announcement"])
async def test_any_message_after_online_false_brings_the_device_back(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, sign_of_life: str
) -> None:
    """After a clean goodbye, a state, heartbeat or announcement makes the device available again."""
    device = await device_factory("porch", RELAY, heartbeat_interval=600)
    await device.set_state("relay", "ON")
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == "on")
    await device.stop(clean=True)
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == STATE_UNAVAILABLE)
    if sign_of_life == "state":
        await device.set_state("relay", "OFF")
    elif sign_of_life == "heartbeat":
        await device.heartbeat()
    else:
        await device.announce()
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() not in (None, STATE_UNAVAILABLE))


async def test_connection_loss_is_logged_at_info(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """log-when-unavailable: loss and return are logged once each, at info level."""
    caplog.set_level(logging.INFO, logger="custom_components.nats")
    device = await device_factory("porch", RELAY, heartbeat_interval=600)
    await wait_for(hass, lambda: hass.states.get("switch.porch_relay") is not None)
    # The device is only there to show an entity. Stopped now, it cannot answer Home
    # Assistant's "online" after the reconnect with an announcement that would race
    # the fixture's teardown (Device.stop() misses one spawned while it stops, which
    # then publishes on the closed connection: "Task exception was never retrieved").
    await device.stop(clean=False)
    nats_server.stop()
    await wait_for(hass, lambda: state_of(hass, "switch.porch_relay")() == STATE_UNAVAILABLE)
    nats_server.start()
    await wait_for(
        hass,
        lambda: any("Reconnected to the NATS server" in r.getMessage() for r in caplog.records),
        timeout=10,
    )
    lost = [r for r in caplog.records if "Lost the connection to the NATS server" in r.getMessage()]
    back = [r for r in caplog.records if "Reconnected to the NATS server" in r.getMessage()]
    assert [r.levelno for r in lost] == [logging.INFO]
    assert [r.levelno for r in back] == [logging.INFO]
