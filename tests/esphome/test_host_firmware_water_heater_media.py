"""End to end: water heaters and media players of a compiled firmware, a real server, and Home Assistant.

The water heater is examples/esphome/host.yaml's template boiler. ESPHome's
media players need audio hardware the host does not have, so the media
player tests build tests/esphome/stand_ins.yaml, whose
nats_test_media_player component stands in for the speaker and logs what
it was asked: the tests read that log to see what reached the player.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import json
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.media_player import MediaPlayerEntityFeature
from homeassistant.components.water_heater import WaterHeaterEntityFeature
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from custom_components.nats.protocol.models import DeviceAnnouncement
from custom_components.nats.protocol.payloads import (
    parse_announcement,
    parse_reply,
    parse_state,
    state_from_mapping,
)

from ..components.nats.conftest import (  # noqa: F401 (fixtures)
    auto_enable_custom_integrations,
    config_entry,
    setup_entry,
    wait_for,
)
from ..nats_server import NatsServer
from .conftest import STAND_IN_DEVICE_ID, HostFirmware, HostFirmwareFactory
from .recorder import Recorder

pytestmark = pytest.mark.timeout(900)
WH = WaterHeaterEntityFeature
MP = MediaPlayerEntityFeature

SONG = "http://music.example/song.mp3"


@pytest.fixture
def media_firmware(
    stand_in_firmware_binary: Path, start_firmware: Callable[..., HostFirmware]
) -> Callable[[str], HostFirmware]:
    def _start(server_url: str) -> HostFirmware:
        return start_firmware(stand_in_firmware_binary, server_url, device_id=STAND_IN_DEVICE_ID)

    return _start


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


@pytest.fixture
async def bus(client: Client) -> Recorder:
    recorder = Recorder()
    await client.subscribe("home.>", cb=recorder.handler)
    await client.flush()
    return recorder


def _entity(announcement: DeviceAnnouncement, entity_id: str) -> Any:
    return next(e for e in announcement.entities if e.id == entity_id)


async def _announced(firmware: HostFirmware, bus: Recorder) -> DeviceAnnouncement:
    msg = await bus.wait_for(firmware.announce_subject, timeout=10)
    return parse_announcement(msg.data, firmware.device_id)


async def _command(client: Client, firmware: HostFirmware, announced: Any, payload: dict[str, Any]) -> Any:
    subject = firmware.subject(announced.platform, announced.id, "command")
    return parse_reply((await client.request(subject, json.dumps(payload).encode(), timeout=2)).data)


async def _confirmed(
    client: Client, bus: Recorder, firmware: HostFirmware, announced: Any, payload: dict[str, Any]
) -> Any:
    """A command that must succeed: its reply's state, also published on the state subject."""
    mark = bus.mark()
    reply = await _command(client, firmware, announced, payload)
    assert reply.ok, (payload, reply.error)
    state = state_from_mapping(announced, reply.state)
    await bus.wait_for(
        firmware.subject(announced.platform, announced.id, "state"),
        lambda m: parse_state(announced, m.data) == state,
        since=mark,
    )
    return state


async def test_water_heater_announced_from_its_traits_and_commanded(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, client: Client, bus: Recorder
) -> None:
    """The template boiler: modes, range and features from its traits; every command confirmed or refused."""
    firmware = host_firmware(nats_server.url)
    boiler = _entity(await _announced(firmware, bus), "boiler")
    assert boiler.operation_modes == ("off", "eco", "electric", "performance")
    assert (boiler.supports_target_temperature, boiler.supports_away_mode, boiler.supports_on_off) == (
        True,
        True,
        True,
    )
    assert (boiler.temperature_unit, boiler.min_temp, boiler.max_temp) == ("°C", 30, 70)
    assert boiler.target_temperature_step == 0.5
    first = parse_state(
        boiler, (await bus.wait_for(firmware.subject("water_heater", "boiler", "state"))).data
    )
    assert first.current_temperature == 48.5  # type: ignore[attr-defined]

    state = await _confirmed(
        client, bus, firmware, boiler, {"operation_mode": "eco", "target_temperature": 55.5}
    )
    assert (state.state, state.target_temperature, state.current_temperature) == ("eco", 55.5, 48.5)
    state = await _confirmed(client, bus, firmware, boiler, {"away_mode": True, "power": "ON"})
    assert (state.state, state.away_mode, state.power) == ("eco", True, "ON")
    state = await _confirmed(client, bus, firmware, boiler, {"power": "OFF", "away_mode": False})
    assert (state.away_mode, state.power) == (False, "OFF")

    for payload, error in (
        ({"operation_mode": "gas"}, "operation_mode 'gas' not announced"),
        ({"target_temperature": 75}, "target_temperature 75 out of range 30..70"),
        (
            {"operation_mode": "electric", "target_temperature": 20},
            "target_temperature 20 out of range 30..70",
        ),
        ({"operation_mode": "boost"}, "operation_mode must be one of"),
        ({"temperature": 50}, "at least one"),
    ):
        reply = await _command(client, firmware, boiler, payload)
        assert not reply.ok
        assert error in (reply.error or ""), (payload, reply.error)
    # Nothing of a refused command was applied.
    state = await _confirmed(client, bus, firmware, boiler, {"away_mode": False})
    assert (state.state, state.target_temperature) == ("eco", 55.5)


async def test_media_player_announced_from_its_traits_and_commanded(
    media_firmware: Callable[[str], HostFirmware], nats_server: NatsServer, client: Client, bus: Recorder
) -> None:
    """Each command reaches the player as ESPHome's MediaPlayerCall; its state comes back; the rest is refused."""
    firmware = media_firmware(nats_server.url)
    announcement = await _announced(firmware, bus)
    speaker, chime = _entity(announcement, "speaker"), _entity(announcement, "chime")
    assert (
        speaker.supports_pause,
        speaker.supports_volume,
        speaker.supports_announce,
        speaker.supports_turn_off,
    ) == (
        True,
        True,
        True,
        True,
    )
    assert (chime.supports_pause, chime.supports_volume, chime.supports_turn_off) == (False, True, False)
    first = parse_state(
        speaker, (await bus.wait_for(firmware.subject("media_player", "speaker", "state"))).data
    )
    assert (first.state, first.volume, first.muted) == ("idle", 0.5, False)  # type: ignore[attr-defined]

    # The URL arrives escaped as JSON and reaches the player decoded.
    url = "http://ha.local:8123/api/tts_proxy/abc.mp3?a=1&b=2"
    state = await _confirmed(client, bus, firmware, speaker, {"media_url": url})
    assert state.state == "playing"
    await firmware.wait_log(f"'Speaker' asked: command=none url={url} volume=-1.00 announcement=no")
    state = await _confirmed(client, bus, firmware, speaker, {"media_url": SONG, "announce": True})
    assert state.state == "announcing"
    await firmware.wait_log(f"url={SONG} volume=-1.00 announcement=yes")
    for action, shown in (("pause", "paused"), ("play", "playing"), ("toggle", "paused"), ("stop", "idle")):
        state = await _confirmed(client, bus, firmware, speaker, {"action": action})
        assert state.state == shown, action
    await firmware.wait_log("'Speaker' asked: command=TOGGLE")
    state = await _confirmed(client, bus, firmware, speaker, {"volume": 0.8})
    assert state.volume == 0.8
    state = await _confirmed(client, bus, firmware, speaker, {"action": "volume_down"})
    assert state.volume == 0.7
    state = await _confirmed(client, bus, firmware, speaker, {"action": "mute"})
    assert state.muted is True
    state = await _confirmed(client, bus, firmware, speaker, {"action": "turn_off"})
    assert state.state == "off"

    for announced, payload, error in (
        (chime, {"action": "pause"}, "pause not supported"),
        (chime, {"action": "turn_on"}, "turn_on not supported"),
        (speaker, {"action": "next"}, "action must be one of"),
        (speaker, {"media_url": "file:///sdcard/a.mp3"}, "media_url must be an http:// or https:// URL"),
        (speaker, {"action": "play", "volume": 0.5}, "action cannot go with volume"),
        (speaker, {"announce": True}, "needs an action, a volume or a media_url"),
        (speaker, {"volume": 1.5}, "volume must be a number from 0 to 1"),
    ):
        reply = await _command(client, firmware, announced, payload)
        assert not reply.ok
        assert error in (reply.error or ""), (payload, reply.error)
    assert "'Chime' asked" not in firmware.log()


def _ha_entity(hass: HomeAssistant, device_id: str, platform: str, object_id: str) -> str | None:
    end = f":{device_id}:{platform}:{object_id}"
    found = [e.entity_id for e in er.async_get(hass).entities.values() if e.unique_id.endswith(end)]
    return found[0] if len(found) == 1 else None


async def _call(hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


async def test_firmware_water_heater_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """The boiler's features follow its traits; each service reaches the firmware and its state comes back."""
    firmware = host_firmware(nats_server.url)
    await wait_for(
        hass, lambda: _ha_entity(hass, firmware.device_id, "water_heater", "boiler") is not None, timeout=30
    )
    boiler = _ha_entity(hass, firmware.device_id, "water_heater", "boiler")
    assert boiler is not None
    await wait_for(
        hass, lambda: hass.states.get(boiler).attributes.get("current_temperature") == 48.5, timeout=10
    )
    attributes = hass.states.get(boiler).attributes
    assert (
        attributes["supported_features"]
        == WH.TARGET_TEMPERATURE | WH.OPERATION_MODE | WH.AWAY_MODE | WH.ON_OFF
    )
    assert attributes["operation_list"] == ["off", "eco", "electric", "performance"]
    assert (attributes["min_temp"], attributes["max_temp"], attributes["target_temp_step"]) == (30, 70, 0.5)

    await _call(hass, "water_heater", "set_temperature", boiler, temperature=60, operation_mode="performance")
    state = hass.states.get(boiler)
    assert (state.state, state.attributes["temperature"]) == ("performance", 60)
    await _call(hass, "water_heater", "set_away_mode", boiler, away_mode=True)
    assert hass.states.get(boiler).attributes["away_mode"] == "on"
    await _call(hass, "water_heater", "turn_off", boiler)  # confirmed by the firmware, or this raises
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "water_heater", "set_temperature", boiler, temperature=80)
    assert err.value.translation_key == "command_rejected"
    assert str(err.value).endswith("rejected the command: target_temperature 80 out of range 30..70")
    assert hass.states.get(boiler).attributes["temperature"] == 60


async def test_firmware_media_player_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    media_firmware: Callable[[str], HostFirmware],
) -> None:
    """Play, announce, pause, volume and power from Home Assistant reach the player; its state comes back."""
    firmware = media_firmware(nats_server.url)
    await wait_for(
        hass, lambda: _ha_entity(hass, STAND_IN_DEVICE_ID, "media_player", "chime") is not None, timeout=30
    )
    speaker = _ha_entity(hass, STAND_IN_DEVICE_ID, "media_player", "speaker")
    assert speaker is not None
    await wait_for(hass, lambda: hass.states.get(speaker).state == "idle", timeout=10)
    features = MP(hass.states.get(speaker).attributes["supported_features"])
    assert (
        MP.PAUSE | MP.VOLUME_SET | MP.VOLUME_MUTE | MP.MEDIA_ANNOUNCE | MP.TURN_OFF | MP.PLAY_MEDIA
        in features
    )

    media = {"media_content_id": SONG, "media_content_type": "music"}
    await _call(hass, "media_player", "play_media", speaker, **media)
    assert hass.states.get(speaker).state == "playing"
    await firmware.wait_log(f"'Speaker' asked: command=none url={SONG} volume=-1.00 announcement=no")
    await _call(hass, "media_player", "play_media", speaker, **media, announce=True)
    await firmware.wait_log(f"url={SONG} volume=-1.00 announcement=yes")
    await _call(hass, "media_player", "media_pause", speaker)
    assert hass.states.get(speaker).state == "paused"
    await _call(hass, "media_player", "volume_set", speaker, volume_level=0.3)
    assert hass.states.get(speaker).attributes["volume_level"] == 0.3
    await _call(hass, "media_player", "volume_mute", speaker, is_volume_muted=True)
    assert hass.states.get(speaker).attributes["is_volume_muted"] is True
    await _call(hass, "media_player", "turn_off", speaker)
    assert hass.states.get(speaker).state == "off"
    await firmware.wait_log("'Speaker' asked: command=TURN_OFF")

    chime = _ha_entity(hass, STAND_IN_DEVICE_ID, "media_player", "chime")
    assert chime is not None
    assert MP.PAUSE not in MP(hass.states.get(chime).attributes["supported_features"])
