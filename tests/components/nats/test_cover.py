"""Covers: announced capabilities become features; every action reaches the device."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.cover import (
    ATTR_CURRENT_POSITION,
    ATTR_CURRENT_TILT_POSITION,
    ATTR_POSITION,
    ATTR_TILT_POSITION,
    CoverEntityFeature,
)
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_CLOSE_COVER,
    SERVICE_CLOSE_COVER_TILT,
    SERVICE_OPEN_COVER,
    SERVICE_OPEN_COVER_TILT,
    SERVICE_SET_COVER_POSITION,
    SERVICE_SET_COVER_TILT_POSITION,
    SERVICE_STOP_COVER,
    SERVICE_STOP_COVER_TILT,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "cover",
        "id": "blind",
        "name": "Blind",
        "device_class": "blind",
        "supports_position": True,
        "supports_tilt": True,
        "supports_stop": True,
    },
    {"platform": "cover", "id": "garage", "name": "Garage", "device_class": "garage", "supports_stop": True},
    {"platform": "cover", "id": "awning", "name": "Awning", "assumed_state": True},
    {"platform": "cover", "id": "louvre", "name": "Louvre", "supports_tilt": True},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = CoverEntityFeature
TILT = F.OPEN_TILT | F.CLOSE_TILT | F.SET_TILT_POSITION


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("cover", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def patio(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with four covers of different capabilities, in Home Assistant."""
    device = await device_factory("patio", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.patio_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, patio: Device) -> None:
    """Each cover offers exactly the features it announced, with its device class."""
    attributes = {
        name: hass.states.get(f"cover.patio_{name}").attributes
        for name in ("blind", "garage", "awning", "louvre")
    }
    assert attributes["blind"][ATTR_SUPPORTED_FEATURES] == (
        F.OPEN | F.CLOSE | F.STOP | F.SET_POSITION | TILT | F.STOP_TILT
    )
    assert attributes["garage"][ATTR_SUPPORTED_FEATURES] == F.OPEN | F.CLOSE | F.STOP
    assert attributes["awning"][ATTR_SUPPORTED_FEATURES] == F.OPEN | F.CLOSE
    # Without a stop there is no way to stop a tilt either.
    assert attributes["louvre"][ATTR_SUPPORTED_FEATURES] == F.OPEN | F.CLOSE | TILT
    assert (attributes["blind"][ATTR_DEVICE_CLASS], attributes["garage"][ATTR_DEVICE_CLASS]) == (
        "blind",
        "garage",
    )
    assert ATTR_DEVICE_CLASS not in attributes["awning"]
    assert attributes["awning"][ATTR_ASSUMED_STATE] is True
    assert ATTR_ASSUMED_STATE not in attributes["blind"]
    assert state_of(hass, "cover.patio_blind")() == STATE_UNKNOWN


async def test_states(hass: HomeAssistant, patio: Device) -> None:
    """Motion, position and tilt are shown; fields of unannounced features are ignored."""
    await patio.set_state("blind", "opening", position=35, tilt=100)
    await patio.set_state("garage", "closing", position=50)
    await wait_for(hass, lambda: state_of(hass, "cover.patio_garage")() == "closing")
    blind = hass.states.get("cover.patio_blind")
    assert (blind.state, blind.attributes[ATTR_CURRENT_POSITION]) == ("opening", 35)
    assert blind.attributes[ATTR_CURRENT_TILT_POSITION] == 100
    assert ATTR_CURRENT_POSITION not in hass.states.get("cover.patio_garage").attributes

    await patio.set_state("blind", "open", position=101)  # invalid: dropped whole
    await patio.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.patio_barrier")() == "after")
    assert hass.states.get("cover.patio_blind").attributes[ATTR_CURRENT_POSITION] == 35

    await patio.set_state("blind", None, position=None, tilt=None)
    await wait_for(hass, lambda: state_of(hass, "cover.patio_blind")() == STATE_UNKNOWN)
    assert ATTR_CURRENT_TILT_POSITION not in hass.states.get("cover.patio_blind").attributes


async def test_every_action(hass: HomeAssistant, patio: Device) -> None:
    """Each cover action is the command the spec maps it to; the confirmed state is shown."""
    blind = "cover.patio_blind"

    def shown() -> tuple[str, int | None, int | None]:
        state = hass.states.get(blind)
        attributes = state.attributes
        return state.state, attributes.get(ATTR_CURRENT_POSITION), attributes.get(ATTR_CURRENT_TILT_POSITION)

    await _call(hass, SERVICE_OPEN_COVER, blind)
    assert shown() == ("open", 100, None)  # the tilt is not known yet
    await _call(hass, SERVICE_SET_COVER_POSITION, blind, **{ATTR_POSITION: 40})
    assert shown() == ("open", 40, None)
    await _call(hass, SERVICE_CLOSE_COVER_TILT, blind)
    assert shown() == ("open", 40, 0)
    await _call(hass, SERVICE_OPEN_COVER_TILT, blind)
    assert shown() == ("open", 40, 100)
    await _call(hass, SERVICE_SET_COVER_TILT_POSITION, blind, **{ATTR_TILT_POSITION: 70})
    assert shown() == ("open", 40, 70)
    await _call(hass, SERVICE_CLOSE_COVER, blind)
    assert shown() == ("closed", 0, 70)

    await patio.set_state("blind", "closing", position=30, tilt=50)
    await wait_for(hass, lambda: state_of(hass, blind)() == "closing")
    await _call(hass, SERVICE_STOP_COVER, blind)
    assert shown() == ("open", 30, 50)
    await _call(hass, SERVICE_STOP_COVER_TILT, blind)
    assert shown() == ("open", 30, 50)

    assert patio.commands == [
        ("blind", {"action": "open"}),
        ("blind", {"position": 40}),
        ("blind", {"tilt": 0}),
        ("blind", {"tilt": 100}),
        ("blind", {"tilt": 70}),
        ("blind", {"action": "close"}),
        ("blind", {"action": "stop"}),
        ("blind", {"action": "stop"}),
    ]


async def test_cover_without_position(hass: HomeAssistant, patio: Device) -> None:
    """A cover without position opens and closes by action and shows no position."""
    await _call(hass, SERVICE_OPEN_COVER, "cover.patio_garage")
    garage = hass.states.get("cover.patio_garage")
    assert (garage.state, ATTR_CURRENT_POSITION in garage.attributes) == ("open", False)
    await _call(hass, SERVICE_CLOSE_COVER, "cover.patio_awning")
    assert state_of(hass, "cover.patio_awning")() == "closed"
    assert patio.commands == [("garage", {"action": "open"}), ("awning", {"action": "close"})]


async def test_device_refusal(hass: HomeAssistant, patio: Device) -> None:
    """A command the device refuses fails the action with its reason; the state stays."""
    await patio.set_state("louvre", "open", tilt=20)
    await wait_for(hass, lambda: state_of(hass, "cover.patio_louvre")() == "open")
    patio.entities["louvre"]["supports_tilt"] = False  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_SET_COVER_TILT_POSITION, "cover.patio_louvre", **{ATTR_TILT_POSITION: 60})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Patio rejected the command: tilt not supported"
    assert hass.states.get("cover.patio_louvre").attributes[ATTR_CURRENT_TILT_POSITION] == 20


async def test_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, patio: Device) -> None:
    """A cover that does not answer in time fails the action, saying so."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    patio.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_OPEN_COVER, "cover.patio_blind")
    assert err.value.translation_key == "command_timeout"
    assert str(err.value) == "Device Patio did not answer within 0.5 s"
    assert state_of(hass, "cover.patio_blind")() == STATE_UNKNOWN
