"""Sirens: tones, volume and duration as announced; on and off confirmed by the device."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.siren import (
    ATTR_AVAILABLE_TONES,
    ATTR_DURATION,
    ATTR_TONE,
    ATTR_VOLUME_LEVEL,
    SirenEntityFeature,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "siren",
        "id": "alarm",
        "name": "Alarm",
        "tones": ["fire", "burglar"],
        "supports_volume": True,
        "supports_duration": True,
    },
    {"platform": "siren", "id": "buzzer", "name": "Buzzer"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
ALARM = "siren.porch_alarm"
BUZZER = "siren.porch_buzzer"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("siren", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def porch(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with a siren of every feature and a plain one, in Home Assistant."""
    device = await device_factory("porch", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.porch_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, porch: Device) -> None:
    """Tones, volume and duration are features; the tones are available_tones."""
    alarm = hass.states.get(ALARM)
    assert alarm.state == STATE_UNKNOWN
    assert alarm.attributes[ATTR_SUPPORTED_FEATURES] == (
        SirenEntityFeature.TURN_ON
        | SirenEntityFeature.TURN_OFF
        | SirenEntityFeature.TONES
        | SirenEntityFeature.VOLUME_SET
        | SirenEntityFeature.DURATION
    )
    assert alarm.attributes[ATTR_AVAILABLE_TONES] == ["fire", "burglar"]
    buzzer = hass.states.get(BUZZER)
    assert (
        buzzer.attributes[ATTR_SUPPORTED_FEATURES] == SirenEntityFeature.TURN_ON | SirenEntityFeature.TURN_OFF
    )
    assert ATTR_AVAILABLE_TONES not in buzzer.attributes


async def test_states(hass: HomeAssistant, porch: Device, caplog: pytest.LogCaptureFixture) -> None:
    """ON and OFF are shown; an invalid state is dropped and logged."""
    await porch.set_state("alarm", "ON")
    await wait_for(hass, lambda: state_of(hass, ALARM)() == STATE_ON)
    await porch.set_state("alarm", "OFF")
    await wait_for(hass, lambda: state_of(hass, ALARM)() == STATE_OFF)
    await porch.set_state("alarm", "loud")
    await porch.set_state("barrier", "after")  # handled after the bad state
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_barrier")() == "after")
    assert state_of(hass, ALARM)() == STATE_OFF
    assert "Ignoring state on home.devices.porch.siren.alarm.state" in caplog.text


async def test_turn_on_with_tone_volume_duration(hass: HomeAssistant, porch: Device) -> None:
    """turn_on carries the tone, volume and duration; turn_off and toggle are confirmed too."""
    await _call(
        hass, SERVICE_TURN_ON, ALARM, **{ATTR_TONE: "burglar", ATTR_VOLUME_LEVEL: 0.5, ATTR_DURATION: 30}
    )
    assert state_of(hass, ALARM)() == STATE_ON
    await _call(hass, SERVICE_TURN_OFF, ALARM)
    assert state_of(hass, ALARM)() == STATE_OFF
    await _call(hass, SERVICE_TOGGLE, ALARM)
    assert state_of(hass, ALARM)() == STATE_ON
    assert porch.commands == [
        ("alarm", {"state": "ON", "tone": "burglar", "volume": 0.5, "duration": 30}),
        ("alarm", {"state": "OFF"}),
        ("alarm", {"state": "ON"}),
    ]


async def test_unannounced_options_are_not_sent(hass: HomeAssistant, porch: Device) -> None:
    """Home Assistant drops what a siren did not announce, and refuses a tone it does not have."""
    await _call(hass, SERVICE_TURN_ON, BUZZER, **{ATTR_TONE: "fire", ATTR_VOLUME_LEVEL: 1, ATTR_DURATION: 5})
    assert state_of(hass, BUZZER)() == STATE_ON
    assert porch.commands == [("buzzer", {"state": "ON"})]
    with pytest.raises(ValueError, match="Invalid tone"):
        await _call(hass, SERVICE_TURN_ON, ALARM, **{ATTR_TONE: "doorbell"})
    assert len(porch.commands) == 1


async def test_device_refusals(hass: HomeAssistant, porch: Device) -> None:
    """A device with less than it announced refuses with the spec's texts; a zero duration is invalid."""
    porch.entities["alarm"]["tones"] = ["fire"]
    porch.entities["alarm"]["supports_volume"] = False
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_TURN_ON, ALARM, **{ATTR_TONE: "burglar"})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Porch rejected the command: tone 'burglar' not announced"
    with pytest.raises(HomeAssistantError, match="volume not supported"):
        await _call(hass, SERVICE_TURN_ON, ALARM, **{ATTR_VOLUME_LEVEL: 0.2})
    with pytest.raises(HomeAssistantError, match="duration"):
        await _call(hass, SERVICE_TURN_ON, ALARM, **{ATTR_DURATION: 0})
    assert state_of(hass, ALARM)() == STATE_UNKNOWN
