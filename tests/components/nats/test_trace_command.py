"""`nats.trace_command`: one real command sent with nats-server's message tracing, every hop listed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from nats_home.device import Device
from nats_home.errors import CommandRejectedError
from nats_home.operator import parse_creds
from nats_home.permissions import device_inbox_prefix

from ...example_server import ExampleServer
from ...nats_server import NatsServer
from .conftest import DeviceStarter as CredentialedDeviceStarter, state_of, wait_for

ENTITIES = [
    {"platform": "switch", "id": "relay", "name": "Relay"},
    {"platform": "sensor", "id": "lux", "name": "Lux", "unit": "lx"},
]
FIRMWARE = "desk firmware"
"""The name the device's connection gives the server, which the trace shows."""

type DeviceStarter = Callable[[str], Awaitable[Device]]


@pytest.fixture
async def start_desk(hass: HomeAssistant) -> AsyncIterator[DeviceStarter]:
    """Start the device `desk` on a server, its connection named as firmware names it."""
    started: list[tuple[Device, Client]] = []

    async def _start(url: str) -> Device:
        client = await nats.connect(url, name=FIRMWARE, inbox_prefix=device_inbox_prefix("desk"))
        device = Device(client, "desk", "Desk", ENTITIES, announce_jitter=0)
        started.append((device, client))
        await device.start()
        await wait_for(hass, lambda: hass.states.get("sensor.desk_lux") is not None)
        return device

    yield _start
    for device, client in started:
        await device.stop(clean=False)
        await client.close()


async def _trace(hass: HomeAssistant, entity_id: str, command: dict[str, Any]) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "trace_command",
        {ATTR_ENTITY_ID: entity_id, "command": command},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def _path(hops: list[dict[str, Any]], message: str) -> list[tuple[Any, ...]]:
    """Return one message's hops as (server, event, kind, connection)."""
    return [
        (hop["server"], hop["event"], hop.get("kind"), hop.get("connection"))
        for hop in hops
        if hop["message"] == message
    ]


async def test_trace_lists_every_hop(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, start_desk: DeviceStarter
) -> None:
    """The command is received from Home Assistant's connection and delivered to the device's; it is obeyed."""
    device = await start_desk(nats_server.url)
    ha_connection = f"Home Assistant ({hass.config.location_name})"

    response = await _trace(hass, "switch.desk_relay", {"state": "ON"})

    assert response["outcome"] == "ok"
    assert response["error"] is None
    assert response["round_trip_ms"] >= 0
    assert response["subject"] == "home.devices.desk.switch.relay.command"
    server = response["hops"][0]["server"]
    assert _path(response["hops"], "command") == [
        (server, "received", "client", ha_connection),
        (server, "delivered", "client", FIRMWARE),
    ]
    assert response["hops"][0]["subject"] == "home.devices.desk.switch.relay.command"
    # The device answers without the request's headers (a reply carrying the trace
    # header would be dropped where the device may not publish to the trace subject).
    assert _path(response["hops"], "reply") == []
    # The command was real: the device obeyed and Home Assistant shows the confirmed state.
    assert device.commands[-1] == ("relay", {"state": "ON"})
    assert state_of(hass, "switch.desk_relay")() == STATE_ON
    # And the device's history says it was traced.
    history = setup_entry.runtime_data.hub.devices["desk"].history
    assert (history.commands[-1].outcome, history.commands[-1].traced) == ("ok", True)


async def test_trace_of_a_refused_command(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, start_desk: DeviceStarter
) -> None:
    """A refusal is the outcome, with the device's reason; the path shows the command reached it."""
    device = await start_desk(nats_server.url)

    async def refuse(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("relay is locked by the child lock")

    device.command_handler = refuse
    response = await _trace(hass, "switch.desk_relay", {"state": "ON"})
    assert response["outcome"] == "refused"
    assert response["error"] == "Device Desk rejected the command: relay is locked by the child lock"
    assert ("delivered", FIRMWARE) in [(hop["event"], hop.get("connection")) for hop in response["hops"]]


async def test_trace_of_a_command_nobody_receives(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, start_desk: DeviceStarter
) -> None:
    """The device is gone: the server received the command and delivered it to nobody."""
    device = await start_desk(nats_server.url)
    await device.stop(clean=False)
    await device.nc.flush()
    await device.nc.flush()  # the server has the unsubscriptions before the command

    response = await _trace(hass, "switch.desk_relay", {"state": "OFF"})
    assert response["outcome"] == "no_responders"
    assert [hop["event"] for hop in response["hops"]] == ["received"]


async def test_errors(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, start_desk: DeviceStarter
) -> None:
    """An unknown entity, one without commands, and an invalid command are refused before sending."""
    device = await start_desk(nats_server.url)
    for entity_id, command, key in (
        ("switch.nowhere", {"state": "ON"}, "trace_unknown_entity"),
        ("sensor.desk_lux", {"state": "ON"}, "trace_no_commands"),
        ("switch.desk_relay", {"state": "MAYBE"}, "trace_invalid_command"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await _trace(hass, entity_id, command)
        assert err.value.translation_key == key
    assert device.commands == []


async def test_server_too_old(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, start_desk: DeviceStarter
) -> None:
    """A server older than 2.11 does not trace: the action says so and sends nothing.

    Only nats-server 2.15 is installed here, so the client is told the server it
    is connected to announced 2.10 (what the client reads from the server's INFO).
    """
    device = await start_desk(nats_server.url)
    client = setup_entry.runtime_data.hub.client
    assert client is not None
    client.server_info["version"] = "2.10.22"  # type: ignore[union-attr]
    with pytest.raises(ServiceValidationError) as err:
        await _trace(hass, "switch.desk_relay", {"state": "ON"})
    assert err.value.translation_key == "trace_unsupported_server"
    assert "2.10.22" in str(err.value)
    assert device.commands == []


async def test_trace_across_a_leaf_link(
    hass: HomeAssistant, hub_and_home: tuple[ExampleServer, ExampleServer], start_desk: DeviceStarter
) -> None:
    """Home Assistant on the hub, the device on the home's leaf server: both servers report their hops."""
    hub, home = hub_and_home
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        data={CONF_SERVERS: [hub.url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await start_desk(home.url)  # its announcement crossed the leaf link: the link is up

    response = await _trace(hass, "switch.desk_relay", {"state": "ON"})

    assert response["outcome"] == "ok"
    command = _path(response["hops"], "command")
    assert command[0][:3] == ("hub", "received", "client")
    assert ("hub", "delivered", "leaf", "home") in command
    assert ("home", "received", "leaf", "hub") in command
    assert command[-1] == ("home", "delivered", "client", FIRMWARE)
    assert state_of(hass, "switch.desk_relay")() == STATE_ON


@pytest.mark.jetstream
async def test_trace_in_operator_mode(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: CredentialedDeviceStarter
) -> None:
    """With users allowed only their own subjects, Home Assistant's may still receive the trace."""
    response = await hass.services.async_call(
        DOMAIN, "provision_device", {"device_id": "kitchen"}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    device, link = await start_device(
        "kitchen", parse_creds(response["creds"]), entities=[{"platform": "switch", "id": "relay"}]
    )
    await wait_for(hass, lambda: hass.states.get("switch.kitchen_relay") is not None)

    trace = await _trace(hass, "switch.kitchen_relay", {"state": "ON"})

    assert trace["outcome"] == "ok"
    events = [(hop["event"], hop.get("kind")) for hop in trace["hops"] if hop["message"] == "command"]
    assert events == [("received", "client"), ("delivered", "client")]
    assert device.commands == [("relay", {"state": "ON"})]
    assert link.errors == []  # the device was never refused anything
