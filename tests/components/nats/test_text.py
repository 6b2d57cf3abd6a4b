"""Texts: announced lengths, pattern and mode are shown; a new text reaches the device and is confirmed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.text import ATTR_MAX, ATTR_MIN, ATTR_MODE, ATTR_PATTERN, ATTR_VALUE, TextMode
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from nats_home.device import Device
from nats_home.errors import ProtocolError
from nats_home.payloads import describe_entity

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "text", "id": "greeting", "name": "Greeting", "min_length": 1, "max_length": 20},
    {
        "platform": "text",
        "id": "pin",
        "name": "PIN",
        "pattern": "^[0-9]{4}$",
        "max_length": 4,
        "mode": "password",
    },
    {"platform": "text", "id": "note", "name": "Note"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]


async def _set(hass: HomeAssistant, entity_id: str, value: str) -> None:
    await hass.services.async_call(
        "text", "set_value", {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value}, blocking=True
    )


@pytest.fixture
async def hall(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with three texts of different limits, in Home Assistant."""
    device = await device_factory("hall", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.hall_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, hall: Device) -> None:
    """Lengths, pattern and mode are the entity's as announced; defaults 0, 255, none, text."""
    greeting = hass.states.get("text.hall_greeting")
    assert greeting.state == STATE_UNKNOWN
    assert (greeting.attributes[ATTR_MIN], greeting.attributes[ATTR_MAX]) == (1, 20)
    assert greeting.attributes[ATTR_PATTERN] is None
    assert greeting.attributes[ATTR_MODE] == TextMode.TEXT
    pin = hass.states.get("text.hall_pin").attributes
    assert (pin[ATTR_PATTERN], pin[ATTR_MAX], pin[ATTR_MODE]) == ("^[0-9]{4}$", 4, TextMode.PASSWORD)
    note = hass.states.get("text.hall_note").attributes
    assert (note[ATTR_MIN], note[ATTR_MAX], note[ATTR_MODE]) == (0, 255, TextMode.TEXT)


async def test_states(hass: HomeAssistant, hall: Device, caplog: pytest.LogCaptureFixture) -> None:
    """A text the entity could hold is shown; one too long or not matching its pattern is dropped."""
    await hall.set_state("greeting", "Grüß Gott")
    await hall.set_state("pin", "1234")
    await hall.set_state("note", "")
    await wait_for(hass, lambda: state_of(hass, "text.hall_note")() == "")
    assert state_of(hass, "text.hall_greeting")() == "Grüß Gott"
    assert state_of(hass, "text.hall_pin")() == "1234"

    await hall.set_state("greeting", "x" * 21)
    await hall.set_state("pin", "12a4")
    await hall.set_state("barrier", "after")  # handled after the bad states
    await wait_for(hass, lambda: state_of(hass, "sensor.hall_barrier")() == "after")
    assert state_of(hass, "text.hall_greeting")() == "Grüß Gott"
    assert state_of(hass, "text.hall_pin")() == "1234"
    assert (
        "Ignoring state on home.devices.hall.text.greeting.state: state value length 21 out of range"
        in caplog.text
    )
    assert (
        "Ignoring state on home.devices.hall.text.pin.state: state value does not match pattern"
        in caplog.text
    )

    await hall.set_state("greeting", None)
    await wait_for(hass, lambda: state_of(hass, "text.hall_greeting")() == STATE_UNKNOWN)


async def test_set_value(hass: HomeAssistant, hall: Device) -> None:
    """A new text reaches the device; its confirmed state is shown at once."""
    await _set(hass, "text.hall_greeting", "Hello")
    assert state_of(hass, "text.hall_greeting")() == "Hello"
    await _set(hass, "text.hall_pin", "0815")
    assert state_of(hass, "text.hall_pin")() == "0815"
    await _set(hass, "text.hall_note", "")
    assert state_of(hass, "text.hall_note")() == ""
    assert hall.commands == [
        ("greeting", {"value": "Hello"}),
        ("pin", {"value": "0815"}),
        ("note", {"value": ""}),
    ]


async def test_checked_before_sending(hass: HomeAssistant, hall: Device) -> None:
    """Home Assistant refuses a text outside the announced lengths or pattern before sending it."""
    with pytest.raises(ValueError, match="too long"):
        await _set(hass, "text.hall_greeting", "x" * 21)
    with pytest.raises(ValueError, match="pattern"):
        await _set(hass, "text.hall_pin", "12a4")
    assert hall.commands == []


async def test_device_refusal(hass: HomeAssistant, hall: Device) -> None:
    """The device's own check refuses with the spec's text, shown to the user; the state stays."""
    await hall.set_state("greeting", "Hi")
    await wait_for(hass, lambda: state_of(hass, "text.hall_greeting")() == "Hi")
    hall.entities["greeting"]["max_length"] = 3  # the device now takes less than it announced
    hall.entities["pin"]["pattern"] = "^[0-7]{4}$"
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, "text.hall_greeting", "Hello")
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Hall rejected the command: value length 5 out of range 1..3"
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, "text.hall_pin", "0815")
    assert str(err.value) == "Device Hall rejected the command: value does not match pattern"
    assert state_of(hass, "text.hall_greeting")() == "Hi"


async def test_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, hall: Device) -> None:
    """A text that does not answer in time fails the action, saying so."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    hall.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, "text.hall_note", "late")
    assert err.value.translation_key == "command_timeout"
    assert str(err.value) == "Device Hall did not answer within 0.5 s"
    assert state_of(hass, "text.hall_note")() == STATE_UNKNOWN


def test_pattern_must_compile() -> None:
    """Home Assistant could check no text against a pattern it cannot compile: refused."""
    with pytest.raises(ProtocolError, match="pattern is not a regular expression"):
        describe_entity({"platform": "text", "id": "code", "pattern": "^([0-9]$"})
