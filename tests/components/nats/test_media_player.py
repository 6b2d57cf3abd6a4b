"""Media players: announced features become Home Assistant's; every service reaches the device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from homeassistant.components.media_player import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
    SERVICE_PLAY_MEDIA,
    MediaPlayerEntityFeature,
)
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_MEDIA_PAUSE,
    SERVICE_MEDIA_PLAY,
    SERVICE_MEDIA_PLAY_PAUSE,
    SERVICE_MEDIA_STOP,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    SERVICE_VOLUME_DOWN,
    SERVICE_VOLUME_MUTE,
    SERVICE_VOLUME_SET,
    SERVICE_VOLUME_UP,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component

from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "media_player",
        "id": "speaker",
        "name": "Speaker",
        "supports_pause": True,
        "supports_volume": True,
        "supports_announce": True,
        "supports_turn_off": True,
    },
    {"platform": "media_player", "id": "chime", "name": "Chime"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
F = MediaPlayerEntityFeature
SPEAKER = "media_player.kitchen_speaker"
CHIME = "media_player.kitchen_chime"
SONG = "http://music.example/song.mp3"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        "media_player", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def _play(hass: HomeAssistant, entity_id: str, media_id: str, **data: Any) -> None:
    media = {ATTR_MEDIA_CONTENT_ID: media_id, ATTR_MEDIA_CONTENT_TYPE: "music"}
    await _call(hass, SERVICE_PLAY_MEDIA, entity_id, **media, **data)


@pytest.fixture
async def kitchen(hass: HomeAssistant, setup_entry: Any, device_factory: DeviceFactory) -> Device:
    """A device with a full-featured speaker and a chime that only plays, in Home Assistant."""
    device = await device_factory("kitchen", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.kitchen_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, kitchen: Device) -> None:
    """Every player plays media and stops; the rest is what it announced."""
    base = F.PLAY_MEDIA | F.BROWSE_MEDIA | F.STOP
    speaker = hass.states.get(SPEAKER).attributes
    assert speaker[ATTR_SUPPORTED_FEATURES] == base | F.PAUSE | F.PLAY | F.VOLUME_SET | F.VOLUME_MUTE | (
        F.VOLUME_STEP | F.MEDIA_ANNOUNCE | F.TURN_ON | F.TURN_OFF
    )
    assert speaker[ATTR_DEVICE_CLASS] == "speaker"
    assert hass.states.get(CHIME).attributes[ATTR_SUPPORTED_FEATURES] == base
    assert state_of(hass, SPEAKER)() == STATE_UNKNOWN


async def test_states(hass: HomeAssistant, kitchen: Device) -> None:
    """State, volume and mute are shown (an announcement as playing); an invalid state is dropped."""
    await kitchen.set_state("speaker", "paused", volume=0.4, muted=True)
    await wait_for(hass, lambda: state_of(hass, SPEAKER)() == "paused")
    speaker = hass.states.get(SPEAKER).attributes
    assert (speaker[ATTR_MEDIA_VOLUME_LEVEL], speaker[ATTR_MEDIA_VOLUME_MUTED]) == (0.4, True)
    await kitchen.set_state("speaker", "announcing", volume=0.4, muted=False)
    await wait_for(hass, lambda: state_of(hass, SPEAKER)() == "playing")

    await kitchen.set_state("speaker", "idle", volume=40)  # volume is 0..1: dropped whole
    await kitchen.set_state("chime", "idle", volume=0.3)  # no volume announced: volume ignored
    await kitchen.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.kitchen_barrier")() == "after")
    assert state_of(hass, SPEAKER)() == "playing"
    assert ATTR_MEDIA_VOLUME_LEVEL not in hass.states.get(CHIME).attributes
    assert state_of(hass, CHIME)() == "idle"


async def test_every_service(hass: HomeAssistant, kitchen: Device) -> None:
    """Each service is one command; the state the device confirms is shown when it returns."""
    await kitchen.set_state("speaker", "idle", volume=0.5, muted=False)
    await wait_for(hass, lambda: state_of(hass, SPEAKER)() == "idle")

    def shown() -> tuple[str, float, bool]:
        state = hass.states.get(SPEAKER)
        return (
            state.state,
            state.attributes[ATTR_MEDIA_VOLUME_LEVEL],
            state.attributes[ATTR_MEDIA_VOLUME_MUTED],
        )

    await _play(hass, SPEAKER, SONG)
    assert shown() == ("playing", 0.5, False)
    await _call(hass, SERVICE_MEDIA_PAUSE, SPEAKER)
    assert shown()[0] == "paused"
    await _call(hass, SERVICE_MEDIA_PLAY, SPEAKER)
    assert shown()[0] == "playing"
    await _call(hass, SERVICE_MEDIA_PLAY_PAUSE, SPEAKER)
    assert shown()[0] == "paused"
    await _call(hass, SERVICE_VOLUME_SET, SPEAKER, **{ATTR_MEDIA_VOLUME_LEVEL: 0.75})
    assert shown() == ("paused", 0.75, False)
    await _call(hass, SERVICE_VOLUME_UP, SPEAKER)
    assert shown()[1] == 0.85
    await _call(hass, SERVICE_VOLUME_DOWN, SPEAKER)
    assert shown()[1] == 0.75
    await _call(hass, SERVICE_VOLUME_MUTE, SPEAKER, **{ATTR_MEDIA_VOLUME_MUTED: True})
    assert shown() == ("paused", 0.75, True)
    await _call(hass, SERVICE_VOLUME_MUTE, SPEAKER, **{ATTR_MEDIA_VOLUME_MUTED: False})
    await _play(hass, SPEAKER, "https://tts.example/hello.flac", **{ATTR_MEDIA_ANNOUNCE: True})
    assert shown()[0] == "playing"  # announcing, which Home Assistant shows as playing
    await _call(hass, SERVICE_MEDIA_STOP, SPEAKER)
    assert shown()[0] == "idle"
    await _call(hass, SERVICE_TURN_OFF, SPEAKER)
    assert state_of(hass, SPEAKER)() == "off"  # Home Assistant shows no volume while off
    await _call(hass, SERVICE_TURN_ON, SPEAKER)
    assert shown()[0] == "idle"

    assert kitchen.commands == [
        ("speaker", {"media_url": SONG}),
        ("speaker", {"action": "pause"}),
        ("speaker", {"action": "play"}),
        ("speaker", {"action": "toggle"}),
        ("speaker", {"volume": 0.75}),
        ("speaker", {"action": "volume_up"}),
        ("speaker", {"action": "volume_down"}),
        ("speaker", {"action": "mute"}),
        ("speaker", {"action": "unmute"}),
        ("speaker", {"media_url": "https://tts.example/hello.flac", "announce": True}),
        ("speaker", {"action": "stop"}),
        ("speaker", {"action": "turn_off"}),
        ("speaker", {"action": "turn_on"}),
    ]


async def test_media_source(hass: HomeAssistant, kitchen: Device, tmp_path: Path) -> None:
    """A media source is resolved to a signed URL of Home Assistant's that the device can fetch."""
    await async_process_ha_core_config(hass, {"internal_url": "http://ha.local:8123"})
    (tmp_path / "doorbell.mp3").write_bytes(b"ID3")
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    await _play(hass, CHIME, "media-source://media_source/local/doorbell.mp3")
    [(entity, sent)] = kitchen.commands
    assert entity == "chime"
    assert sent["media_url"].startswith("http://ha.local:8123/media/local/doorbell.mp3?authSig=")
    assert state_of(hass, CHIME)() == "playing"


async def test_refusals(hass: HomeAssistant, kitchen: Device) -> None:
    """A URL the device cannot fetch is refused before sending; the device's refusal fails the service."""
    with pytest.raises(ServiceValidationError) as err:
        await _play(hass, CHIME, "rtsp://camera.local/stream")
    assert err.value.translation_key == "media_url_not_http"
    assert (
        str(err.value) == f"{CHIME} plays only web (http or https) addresses, not rtsp://camera.local/stream"
    )

    kitchen.entities["speaker"]["supports_volume"] = False  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_VOLUME_SET, SPEAKER, **{ATTR_MEDIA_VOLUME_LEVEL: 0.2})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Kitchen rejected the command: volume not supported"
    # Features the chime did not announce are refused by Home Assistant: nothing is sent.
    with pytest.raises(HomeAssistantError):
        await _call(hass, SERVICE_MEDIA_PAUSE, CHIME)
    assert kitchen.commands == [("speaker", {"volume": 0.2})]
