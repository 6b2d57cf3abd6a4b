"""Device diagnostics: a device's recent commands, availability changes and refused messages."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_device
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.const import ATTR_CODE, ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from custom_components.nats.device_history import HISTORY_LENGTH
from custom_components.nats.identity import device_identifier, server_identifier
from nats_home.device import Device
from nats_home.errors import CommandRejectedError

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "lock", "id": "door", "name": "Door", "code_format": r"^\d{4}$"},
    {"platform": "switch", "id": "relay", "name": "Relay"},
    {"platform": "sensor", "id": "lux", "name": "Lux", "unit": "lx"},
]


async def _call(hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


async def _device_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry, device_id: str
) -> dict[str, Any]:
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry.entry_id, device_id), entry.entry_id
    )
    assert device is not None
    return await get_diagnostics_for_device(hass, hass_client, entry, device)


@pytest.fixture
async def porch(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with a coded lock, a switch and a sensor, in Home Assistant."""
    device = await device_factory("porch", ENTITIES, mac="02:00:00:00:00:07")
    await wait_for(hass, lambda: hass.states.get("sensor.porch_lux") is not None)
    return device


async def test_commands_with_outcomes(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_entry: MockConfigEntry, porch: Device
) -> None:
    """A confirmed, a refused and a timed-out command each appear with their outcome; the code never."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})
    await _call(hass, "lock", "lock", "lock.porch_door", **{ATTR_CODE: "4711"})

    async def refuse(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("relay is locked by the child lock")

    porch.command_handler = refuse
    with pytest.raises(HomeAssistantError, match="child lock"):
        await _call(hass, "switch", "turn_on", "switch.porch_relay")

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    porch.command_handler = hang
    with pytest.raises(HomeAssistantError, match="did not answer"):
        await _call(hass, "switch", "turn_off", "switch.porch_relay")

    diagnostics = await _device_diagnostics(hass, hass_client, setup_entry, "porch")
    assert "4711" not in str(diagnostics)
    assert "02:00:00:00:00:07" not in str(diagnostics)
    commands = [
        {key: record[key] for key in ("entity", "platform", "command", "outcome", "error")}
        for record in diagnostics["commands"]
    ]
    assert commands == [
        {
            "entity": "door",
            "platform": "lock",
            "command": {"action": "lock", "code": "**REDACTED**"},
            "outcome": "ok",
            "error": None,
        },
        {
            "entity": "relay",
            "platform": "switch",
            "command": {"state": "ON"},
            "outcome": "refused",
            "error": "relay is locked by the child lock",
        },
        {
            "entity": "relay",
            "platform": "switch",
            "command": {"state": "OFF"},
            "outcome": "timeout",
            "error": "no answer within 0.5 s",
        },
    ]
    assert all(record["round_trip_ms"] >= 0 for record in diagnostics["commands"])
    assert diagnostics["commands"][-1]["round_trip_ms"] >= 500
    # The confirmed state is among the last states.
    assert diagnostics["states"]["lock.door"] == {"state": "locked"}
    assert diagnostics["device"]["available"] is True


async def test_no_responders(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_entry: MockConfigEntry, porch: Device
) -> None:
    """A command nobody answers is recorded, and so is the device going unavailable because of it."""
    await porch.stop(clean=False)
    await porch.nc.flush()
    await porch.nc.flush()  # the server has the unsubscriptions before the command
    with pytest.raises(HomeAssistantError, match="offline"):
        await _call(hass, "switch", "turn_on", "switch.porch_relay")

    diagnostics = await _device_diagnostics(hass, hass_client, setup_entry, "porch")
    assert diagnostics["commands"][-1]["outcome"] == "no_responders"
    assert diagnostics["availability"][-1] | {"at": None} == {
        "at": None,
        "available": False,
        "reason": "no_responders",
    }


async def test_refused_messages_and_availability(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    porch: Device,
    nats_server: NatsServer,
) -> None:
    """An invalid state, event and heartbeat are listed with subject and reason; offline and back online too."""
    client = await nats.connect(nats_server.url)
    await client.publish("home.devices.porch.sensor.lux.state", b'{"state":')
    await client.publish("home.devices.porch.status", b'{"online": "maybe"}')
    # Barrier: same publisher, so handled after the bad ones (the hub handles each subscription in order).
    await client.publish("home.devices.porch.sensor.lux.state", b'{"state":301}')
    await client.flush()
    await client.close()
    await wait_for(hass, state_of(hass, "sensor.porch_lux"), what="lux")
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_lux")() == "301")

    # An announcement the device got wrong: refused as a whole, the device keeps its entities.
    client = await nats.connect(nats_server.url)
    await client.publish(
        "home.discovery.announce.porch", b'{"v":1,"id":"porch","name":"Porch","entities":[{}]}'
    )
    await client.flush()
    await client.close()
    history = setup_entry.runtime_data.hub.devices["porch"].history
    await wait_for(hass, lambda: any(record.kind == "announcement" for record in history.refused))

    await porch.heartbeat(online=False)
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_lux")() == STATE_UNAVAILABLE)
    await porch.heartbeat()
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_lux")() == "301")

    diagnostics = await _device_diagnostics(hass, hass_client, setup_entry, "porch")
    refused = {
        (record["kind"], record["subject"]): record["error"] for record in diagnostics["refused_messages"]
    }
    assert "invalid JSON" in refused["state", "home.devices.porch.sensor.lux.state"]
    assert ("heartbeat", "home.devices.porch.status") in refused
    assert "entities" in refused["announcement", "home.discovery.announce.porch"]
    # First available from its announcement, then the offline heartbeat and the next heartbeat.
    assert [(record["available"], record["reason"]) for record in diagnostics["availability"]] == [
        (True, "announcement"),
        (False, "offline_heartbeat"),
        (True, "heartbeat"),
    ]
    assert diagnostics["states"]["sensor.lux"] is not None


async def test_history_is_bounded(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_entry: MockConfigEntry, porch: Device
) -> None:
    """Only the last commands are kept, however many were sent."""
    for _ in range(HISTORY_LENGTH + 5):
        await _call(hass, "switch", "toggle", "switch.porch_relay")
    diagnostics = await _device_diagnostics(hass, hass_client, setup_entry, "porch")
    assert len(diagnostics["commands"]) == HISTORY_LENGTH
    assert {record["outcome"] for record in diagnostics["commands"]} == {"ok"}


async def test_server_device(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_entry: MockConfigEntry
) -> None:
    """The NATS server's own device (or any not announced) has no history, not an error."""
    registry = dr.async_get(hass)
    server = registry.async_get_or_create(
        config_entry_id=setup_entry.entry_id, identifiers={server_identifier(setup_entry.entry_id)}
    )
    diagnostics = await get_diagnostics_for_device(hass, hass_client, setup_entry, server)
    assert diagnostics == {"device": {"id": None, "known": False}}
