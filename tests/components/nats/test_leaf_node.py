"""Home Assistant on a home server that is a leaf node of a hub: the internet goes, the home stays.

examples/nats-server/hub.conf and leaf-home.conf on loopback; Home
Assistant and the device connect to the home's server only. Stopping the
hub stands in for the internet going down.
"""

from __future__ import annotations

import asyncio
import json

import nats
from nats.aio.client import Client
import nats.errors
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from nats_home.device import Device

from ...example_server import ExampleServer
from .conftest import state_of, wait_for

pytestmark = pytest.mark.jetstream

RELAY, DOOR = "switch.plug_relay", "binary_sensor.plug_door"
COMMAND = "home.devices.plug.switch.relay.command"


async def _connect(clients: list[Client], url: str) -> Client:
    client = await nats.connect(url, reconnect_time_wait=0.2, max_reconnect_attempts=-1)
    clients.append(client)
    return client


async def _switch(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call("switch", service, {ATTR_ENTITY_ID: RELAY}, blocking=True)


async def test_without_the_hub_the_home_goes_on_and_the_hub_sees_it_again(
    hass: HomeAssistant, hub_and_home: tuple[ExampleServer, ExampleServer], clients: list[Client]
) -> None:
    hub, home = hub_and_home
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        data={CONF_SERVERS: [home.url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    device = Device(
        await _connect(clients, home.url),
        "plug",
        "Plug",
        [{"platform": "switch", "id": "relay"}, {"platform": "binary_sensor", "id": "door"}],
        announce_jitter=0,
    )
    await device.start()
    await device.set_state("door", "OFF")
    await wait_for(hass, lambda: state_of(hass, DOOR)() == STATE_OFF)
    # An automation at home: the door opens, the relay goes on.
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {"platform": "state", "entity_id": DOOR, "to": STATE_ON},
                "action": {"action": "switch.turn_on", "target": {"entity_id": RELAY}},
            }
        },
    )

    # The internet is gone.
    hub.stop()
    await _switch(hass, SERVICE_TURN_OFF)  # confirmed by the device, or this raises
    assert device.commands[-1] == ("relay", {"state": "OFF"})
    await device.set_state("door", "ON")
    await wait_for(
        hass, lambda: state_of(hass, RELAY)() == STATE_ON, what="the automation switched the relay"
    )
    assert device.commands[-1] == ("relay", {"state": "ON"})
    # Retained data stays at home: a restart of Home Assistant's entry restores from the home's JetStream.
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.hub.restored.devices == 1
    assert state_of(hass, RELAY)() == STATE_ON

    # The hub is back: a client there sees the home's states and commands the device, confirmed.
    hub.start()
    remote = await _connect(clients, hub.url)
    remote_states = await remote.subscribe("home.devices.plug.switch.relay.state")
    await remote.flush()
    reply = None
    for _ in range(100):  # the leaf link re-forms within a few seconds
        try:
            reply = await remote.request(COMMAND, b'{"state":"OFF"}', timeout=0.5)
            break
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            await asyncio.sleep(0.1)
    assert reply is not None, "the hub never reached the device through the leaf node"
    assert json.loads(reply.data)["ok"] is True
    assert json.loads((await remote_states.next_msg(timeout=2)).data)["state"] == "OFF"
    await wait_for(
        hass, lambda: state_of(hass, RELAY)() == STATE_OFF, what="Home Assistant saw the hub's command"
    )
    await _switch(hass, SERVICE_TURN_ON)
    assert json.loads((await remote_states.next_msg(timeout=2)).data)["state"] == "ON"
    await device.stop()
    await hass.config_entries.async_unload(entry.entry_id)
