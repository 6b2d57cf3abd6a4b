"""Commands: service calls become requests the device confirms, or clear errors."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.light import ATTR_BRIGHTNESS, ATTR_COLOR_TEMP_KELVIN, ATTR_RGB_COLOR
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from nats_home.errors import CommandRejectedError

from ...conftest import DeviceFactory, server_has_everything
from .conftest import wait_for

ENTITIES = [
    {"platform": "switch", "id": "relay", "name": "Relay"},
    {"platform": "light", "id": "dimmer", "name": "Dimmer", "color_modes": ["brightness"]},
    {"platform": "light", "id": "strip", "name": "Strip", "color_modes": ["color_temp", "rgb"]},
    {"platform": "button", "id": "chime", "name": "Chime"},
    {"platform": "number", "id": "target", "name": "Target", "min": 5, "max": 30, "step": 0.5},
    {"platform": "select", "id": "mode", "name": "Mode", "options": ["eco", "comfort"]},
]


async def _call(hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def desk(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Any:
    """A device with every controllable platform, its entities in Home Assistant."""
    device = await device_factory("desk", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("select.desk_mode") is not None)
    return device


async def test_switch(hass: HomeAssistant, desk: Any) -> None:
    """Turning a switch on and off is confirmed; the state is the confirmed one."""
    await _call(hass, "switch", SERVICE_TURN_ON, "switch.desk_relay")
    assert hass.states.get("switch.desk_relay").state == STATE_ON
    await _call(hass, "switch", SERVICE_TURN_OFF, "switch.desk_relay")
    assert hass.states.get("switch.desk_relay").state == STATE_OFF
    assert desk.commands == [("relay", {"state": "ON"}), ("relay", {"state": "OFF"})]


async def test_light_brightness(hass: HomeAssistant, desk: Any) -> None:
    """Brightness reaches the device and comes back as state."""
    await _call(hass, "light", SERVICE_TURN_ON, "light.desk_dimmer", **{ATTR_BRIGHTNESS: 128})
    state = hass.states.get("light.desk_dimmer")
    assert (state.state, state.attributes[ATTR_BRIGHTNESS]) == (STATE_ON, 128)
    assert desk.commands[-1] == ("dimmer", {"state": "ON", "brightness": 128})
    await _call(hass, "light", SERVICE_TURN_OFF, "light.desk_dimmer")
    assert hass.states.get("light.desk_dimmer").state == STATE_OFF


async def test_light_colour(hass: HomeAssistant, desk: Any) -> None:
    """RGB and colour temperature reach the device and come back as state."""
    await _call(hass, "light", SERVICE_TURN_ON, "light.desk_strip", **{ATTR_RGB_COLOR: (255, 0, 0)})
    state = hass.states.get("light.desk_strip")
    assert state.attributes["color_mode"] == "rgb"
    assert state.attributes[ATTR_RGB_COLOR] == (255, 0, 0)
    assert desk.states["strip"]["rgb"] == [255, 0, 0]

    await _call(hass, "light", SERVICE_TURN_ON, "light.desk_strip", **{ATTR_COLOR_TEMP_KELVIN: 3000})
    state = hass.states.get("light.desk_strip")
    assert state.attributes["color_mode"] == "color_temp"
    assert state.attributes[ATTR_COLOR_TEMP_KELVIN] == 3000
    assert desk.commands[-1] == ("strip", {"state": "ON", "color_temp_kelvin": 3000})


async def test_button_number_select(hass: HomeAssistant, desk: Any) -> None:
    """A press, a value and an option each reach the device."""
    await _call(hass, "button", SERVICE_PRESS, "button.desk_chime")
    assert desk.presses == {"chime": 1}
    await _call(hass, "number", SERVICE_SET_VALUE, "number.desk_target", **{ATTR_VALUE: 21.5})
    assert hass.states.get("number.desk_target").state == "21.5"
    await _call(hass, "select", SERVICE_SELECT_OPTION, "select.desk_mode", **{ATTR_OPTION: "comfort"})
    assert hass.states.get("select.desk_mode").state == "comfort"
    assert desk.commands[-2:] == [("target", {"value": 21.5}), ("mode", {"option": "comfort"})]


async def test_rejection_names_device_and_reason(hass: HomeAssistant, desk: Any) -> None:
    """A device's refusal fails the service call with its reason."""

    async def refuse(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("relay is locked by the child lock")

    desk.command_handler = refuse
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "switch", SERVICE_TURN_ON, "switch.desk_relay")
    assert str(err.value) == "Device Desk rejected the command: relay is locked by the child lock"
    assert err.value.translation_key == "command_rejected"
    assert hass.states.get("switch.desk_relay").state != STATE_ON


async def test_offline_device(hass: HomeAssistant, desk: Any) -> None:
    """Nobody listening: NATS says no responders at once and the call says offline."""
    await desk.stop(clean=False)
    # Its unsubscriptions are only buffered: the server must have them before the
    # command, or it still delivers it (to nobody) and the call times out instead.
    await server_has_everything(desk.nc)
    with pytest.raises(HomeAssistantError) as err:
        async with asyncio.timeout(1):
            await _call(hass, "switch", SERVICE_TURN_ON, "switch.desk_relay")
    assert str(err.value) == "Device Desk is offline: nothing answers its commands"


async def test_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, desk: Any) -> None:
    """A device that does not answer in time fails the call, naming it and the timeout."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    desk.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "switch", SERVICE_TURN_ON, "switch.desk_relay")
    assert str(err.value) == "Device Desk did not answer within 0.5 s"


async def test_device_range_check(hass: HomeAssistant, desk: Any) -> None:
    """HA's own validation and the device's both guard a number."""
    desk.entities["target"]["max"] = 10  # the device now allows less than it announced
    with pytest.raises(HomeAssistantError, match=r"rejected the command: value 25 out of range 5\.\.10"):
        await _call(hass, "number", SERVICE_SET_VALUE, "number.desk_target", **{ATTR_VALUE: 25})


async def _odd_device(nats_server: Any, reply: bytes, state: bytes | None = None) -> nats.NATS:
    """A hand-written device "odd" with one switch, answering every command with `reply`."""
    client = await nats.connect(nats_server.url)

    async def answer(msg: Any) -> None:
        await msg.respond(reply)

    # Subscribed before announcing: once the entity exists, the server has the subscription.
    await client.subscribe("home.devices.odd.*.*.command", cb=answer)
    await client.publish(
        "home.discovery.announce.odd",
        b'{"v":1,"id":"odd","name":"Odd","entities":[{"platform":"switch","id":"relay"}]}',
    )
    if state is not None:
        await client.publish("home.devices.odd.switch.relay.state", state)
    await client.flush()
    return client


async def test_invalid_reply(hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: Any) -> None:
    """A device answering garbage fails the call with "invalid reply"."""
    client = await _odd_device(nats_server, b"yes sir")
    await wait_for(hass, lambda: hass.states.get("switch.odd_relay") is not None)
    with pytest.raises(HomeAssistantError, match="Device Odd sent an invalid reply: invalid JSON"):
        await _call(hass, "switch", SERVICE_TURN_ON, "switch.odd_relay")
    await client.close()


async def test_invalid_state_in_reply(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """An ok reply with a malformed state succeeds but keeps the old state, logged.

    A device replying with its state is one before protocol 1.7 (a 1.7 device
    acknowledges with its state message instead: test_state_ack.py).
    """
    client = await _odd_device(nats_server, b'{"ok":true,"state":{"state":"sideways"}}', b'{"state":"ON"}')
    await wait_for(hass, lambda: getattr(hass.states.get("switch.odd_relay"), "state", None) == STATE_ON)
    await _call(hass, "switch", SERVICE_TURN_OFF, "switch.odd_relay")
    assert "Device odd: ignoring invalid state in the reply for relay" in caplog.text
    assert hass.states.get("switch.odd_relay").state == STATE_ON
    await client.close()


async def test_not_connected(
    hass: HomeAssistant, setup_entry: MockConfigEntry, desk: Any, nats_server: Any
) -> None:
    """A command racing a dropped connection fails at once, saying so.

    Home Assistant skips actions on unavailable entities, so this is only
    reachable when the link drops between that check and the request: the
    hub's command path is called directly.
    """
    nats_server.stop()
    await wait_for(hass, lambda: hass.states.get("switch.desk_relay").state == "unavailable")
    hub = setup_entry.runtime_data.hub
    with pytest.raises(HomeAssistantError, match="Cannot reach Desk: Home Assistant is not connected"):
        await hub.async_command("desk", ("switch", "relay"), {"state": "ON"})
