"""Scenes and notify entities: stateless commands, shown done only once the device confirms them."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.notify import ATTR_MESSAGE, ATTR_TITLE, NotifyEntityFeature
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, SERVICE_TURN_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from nats_home.device import CommandRejectedError, Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "scene", "id": "movie", "name": "Movie night", "icon": "mdi:movie"},
    {"platform": "notify", "id": "display", "name": "Display", "supports_title": True},
    {"platform": "notify", "id": "ticker", "name": "Ticker"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
SCENE = "scene.living_room_movie_night"
DISPLAY = "notify.living_room_display"
TICKER = "notify.living_room_ticker"


@pytest.fixture
async def living_room(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> Device:
    """A device with a scene, a display that shows titles and a ticker that does not."""
    device = await device_factory("living_room", ENTITIES, name="Living room")
    await wait_for(hass, lambda: hass.states.get("sensor.living_room_barrier") is not None)
    return device


async def _send(hass: HomeAssistant, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        "notify", "send_message", {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def _refuse(entity_id: str, command: dict[str, Any]) -> None:
    raise CommandRejectedError("busy")


async def test_scene(hass: HomeAssistant, living_room: Device) -> None:
    """Activating reaches the device; the scene shows the time of the confirmed activation only."""
    assert state_of(hass, SCENE)() == STATE_UNKNOWN
    assert hass.states.get(SCENE).attributes["icon"] == "mdi:movie"
    before = dt_util.utcnow()
    await hass.services.async_call("scene", SERVICE_TURN_ON, {ATTR_ENTITY_ID: SCENE}, blocking=True)
    assert living_room.commands == [("movie", {"action": "activate"})]
    assert living_room.presses == {"movie": 1}
    activated = state_of(hass, SCENE)()
    assert activated is not None
    assert dt_util.parse_datetime(activated) >= before

    living_room.command_handler = _refuse
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call("scene", SERVICE_TURN_ON, {ATTR_ENTITY_ID: SCENE}, blocking=True)
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Living room rejected the command: busy"
    assert state_of(hass, SCENE)() == activated


async def test_notify(hass: HomeAssistant, living_room: Device) -> None:
    """Messages reach the device, with a title only where announced; the time of the last one is shown."""
    assert hass.states.get(DISPLAY).attributes[ATTR_SUPPORTED_FEATURES] == NotifyEntityFeature.TITLE
    assert hass.states.get(TICKER).attributes[ATTR_SUPPORTED_FEATURES] == 0
    assert state_of(hass, DISPLAY)() == STATE_UNKNOWN

    await _send(hass, DISPLAY, **{ATTR_MESSAGE: "Washing machine done", ATTR_TITLE: "Laundry"})
    await _send(hass, TICKER, **{ATTR_MESSAGE: "Rain at 17:00", ATTR_TITLE: "Weather"})
    assert living_room.commands == [
        ("display", {"message": "Washing machine done", "title": "Laundry"}),
        ("ticker", {"message": "Rain at 17:00"}),
    ]
    assert state_of(hass, DISPLAY)() != STATE_UNKNOWN


async def test_notify_refused(hass: HomeAssistant, living_room: Device) -> None:
    """Too long a message fails before it is sent; a refused one fails with the device's reason."""
    with pytest.raises(ServiceValidationError) as err:
        await _send(hass, DISPLAY, **{ATTR_MESSAGE: "m" * 1025})
    assert err.value.translation_key == "notify_length"
    assert (
        str(err.value)
        == "Cannot send to Living room: the message has 1025 characters, it must have 1 to 1024"
    )
    with pytest.raises(ServiceValidationError, match="the title has 256 characters"):
        await _send(hass, DISPLAY, **{ATTR_MESSAGE: "x", ATTR_TITLE: "t" * 256})
    assert living_room.commands == []

    living_room.command_handler = _refuse
    with pytest.raises(HomeAssistantError) as err:
        await _send(hass, DISPLAY, **{ATTR_MESSAGE: "hello"})
    assert str(err.value) == "Device Living room rejected the command: busy"
    assert state_of(hass, DISPLAY)() == STATE_UNKNOWN
