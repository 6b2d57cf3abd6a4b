"""Acknowledgement by state (protocol 1.7): the device's state message confirms the command.

Home Assistant marks every entity command with `Nats-Home-Ack: state`; a 1.7
device (the Python library here) then publishes its new state carrying the
command's reply subject and sends no reply. Devices that reply (before 1.7,
or a refusal) keep working, and no state but the commanded entity's own can
confirm a command.
"""

from __future__ import annotations

from typing import Any

import nats
from nats.aio.msg import Msg
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from nats_home.acknowledgement import ACK_HEADER

from ...conftest import DeviceFactory
from .conftest import wait_for

RELAY = [
    {"platform": "switch", "id": "relay", "name": "Relay"},
    {"platform": "switch", "id": "fan", "name": "Fan"},
]


async def _turn(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call("switch", service, {ATTR_ENTITY_ID: entity_id}, blocking=True)


async def _announce(client: nats.NATS, device: str) -> None:
    await client.publish(
        f"home.discovery.announce.{device}",
        (
            f'{{"v":1,"id":"{device}","name":"{device.title()}","entities":'
            '[{"platform":"switch","id":"relay"},{"platform":"switch","id":"fan"}]}'
        ).encode(),
    )
    await client.flush()


async def test_a_17_device_answers_with_its_state_alone(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: Any
) -> None:
    """Each command is confirmed by one state message naming its reply subject; no reply is sent."""
    spy = await nats.connect(nats_server.url)
    seen: list[Msg] = []

    async def record(msg: Msg) -> None:
        # Answers only: acknowledging states and anything sent to an inbox.
        if msg.subject.startswith("_INBOX.") or (msg.headers and ACK_HEADER in msg.headers):
            seen.append(msg)

    await spy.subscribe("home.devices.desk.switch.relay.state", cb=record)
    await spy.subscribe("_INBOX.>", cb=record)
    await spy.flush()
    desk = await device_factory("desk", RELAY)
    await wait_for(hass, lambda: hass.states.get("switch.desk_relay") is not None)

    await _turn(hass, SERVICE_TURN_ON, "switch.desk_relay")
    assert hass.states.get("switch.desk_relay").state == STATE_ON
    await _turn(hass, SERVICE_TURN_OFF, "switch.desk_relay")
    assert hass.states.get("switch.desk_relay").state == STATE_OFF
    assert desk.commands == [("relay", {"state": "ON"}), ("relay", {"state": "OFF"})]
    # The device's messages reach the spy in the order it sent them: a reply to
    # the first command would have come before the second command's state.
    await wait_for(hass, lambda: len(seen) >= 2, what="both acknowledging states")
    acks = [msg.headers.get(ACK_HEADER) if msg.headers else None for msg in seen]
    assert [msg.subject for msg in seen] == ["home.devices.desk.switch.relay.state"] * 2
    assert all(ack is not None and ack.startswith("_INBOX.") for ack in acks), acks
    assert acks[0] != acks[1]
    await spy.close()


async def test_a_device_that_replies_is_still_confirmed(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: Any
) -> None:
    """A device before 1.7 ignores the header: it publishes its state and replies, as it always did."""
    device = await nats.connect(nats_server.url)

    async def obey(msg: Msg) -> None:
        assert msg.headers is not None
        assert msg.headers[ACK_HEADER] == "state"
        await device.publish(msg.subject.replace(".command", ".state"), msg.data)
        await msg.respond(b'{"ok":true,"state":' + msg.data + b"}")

    await device.subscribe("home.devices.old.*.*.command", cb=obey)
    await _announce(device, "old")
    await wait_for(hass, lambda: hass.states.get("switch.old_relay") is not None)
    await _turn(hass, SERVICE_TURN_ON, "switch.old_relay")
    assert hass.states.get("switch.old_relay").state == STATE_ON
    await device.close()


@pytest.mark.parametrize("where", ["another entity", "another device"])
async def test_no_other_state_confirms_a_command(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: Any, where: str
) -> None:
    """A state on any subject but the commanded entity's, carrying its reply subject, confirms nothing."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})
    device = await nats.connect(nats_server.url)
    forged = (
        "home.devices.sly.switch.fan.state"
        if where == "another entity"
        else "home.devices.meek.switch.relay.state"
    )

    async def forge(msg: Msg) -> None:
        await device.publish(forged, b'{"state":"ON"}', headers={ACK_HEADER: msg.reply})

    await device.subscribe("home.devices.sly.*.*.command", cb=forge)
    await _announce(device, "sly")
    await _announce(device, "meek")
    await wait_for(hass, lambda: hass.states.get("switch.meek_relay") is not None)
    with pytest.raises(HomeAssistantError, match=r"Device Sly did not answer within 0\.5 s"):
        await _turn(hass, SERVICE_TURN_ON, "switch.sly_relay")
    # The forged state is an ordinary state of its own entity.
    forged_entity = "switch.sly_fan" if where == "another entity" else "switch.meek_relay"
    await wait_for(hass, lambda: hass.states.get(forged_entity).state == STATE_ON)
    assert hass.states.get("switch.sly_relay").state != STATE_ON
    await device.close()


async def test_an_invalid_acknowledging_state_fails_the_call(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The device obeyed but its state is malformed: an invalid reply, at once, and the old state stays."""
    desk = await device_factory("desk", RELAY)
    await wait_for(hass, lambda: hass.states.get("switch.desk_relay") is not None)
    await _turn(hass, SERVICE_TURN_ON, "switch.desk_relay")

    async def odd_state(entity_id: str, command: dict[str, Any]) -> dict[str, Any]:
        return {"state": "sideways"}

    desk.command_handler = odd_state
    with pytest.raises(
        HomeAssistantError, match="Device Desk sent an invalid reply: the state acknowledging"
    ):
        await _turn(hass, SERVICE_TURN_OFF, "switch.desk_relay")
    assert "Ignoring state on home.devices.desk.switch.relay.state" in caplog.text
    assert hass.states.get("switch.desk_relay").state == STATE_ON
