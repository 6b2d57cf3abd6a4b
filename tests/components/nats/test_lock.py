"""Locks: announced capabilities become features; lock, unlock and open reach the device with the code."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.lock import LockEntityFeature, LockState
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_CODE,
    ATTR_CODE_FORMAT,
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_LOCK,
    SERVICE_OPEN,
    SERVICE_UNLOCK,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from nats_home.device import Device
from nats_home.errors import CommandRejectedError, ProtocolError
from nats_home.payloads import describe_entity

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "lock",
        "id": "front_door",
        "name": "Front door",
        "supports_open": True,
        "code_format": r"^\d{4,6}$",
    },
    {"platform": "lock", "id": "shed", "name": "Shed", "assumed_state": True},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("lock", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def porch(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with a coded lock that can open and a plain one, in Home Assistant."""
    device = await device_factory("porch", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.porch_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, porch: Device) -> None:
    """supports_open is the OPEN feature, code_format and assumed_state are shown as announced."""
    front = hass.states.get("lock.porch_front_door")
    assert front.state == STATE_UNKNOWN
    assert front.attributes[ATTR_SUPPORTED_FEATURES] == LockEntityFeature.OPEN
    assert front.attributes[ATTR_CODE_FORMAT] == r"^\d{4,6}$"
    assert ATTR_ASSUMED_STATE not in front.attributes
    shed = hass.states.get("lock.porch_shed")
    assert shed.attributes[ATTR_SUPPORTED_FEATURES] == 0
    assert ATTR_CODE_FORMAT not in shed.attributes
    assert shed.attributes[ATTR_ASSUMED_STATE] is True


async def test_every_state_word(hass: HomeAssistant, porch: Device) -> None:
    """Each state word the device publishes is Home Assistant's state of the same name."""
    for word in ("locked", "unlocked", "locking", "unlocking", "jammed", "open", "opening"):
        await porch.set_state("front_door", word)
        await wait_for(hass, lambda word=word: state_of(hass, "lock.porch_front_door")() == word)
    await porch.set_state("front_door", None)
    await wait_for(hass, lambda: state_of(hass, "lock.porch_front_door")() == STATE_UNKNOWN)


async def test_open_state_of_a_lock_without_latch_is_dropped(
    hass: HomeAssistant, porch: Device, caplog: pytest.LogCaptureFixture
) -> None:
    """`open` from a lock that did not announce supports_open is an invalid state."""
    await porch.set_state("shed", "locked")
    await wait_for(hass, lambda: state_of(hass, "lock.porch_shed")() == LockState.LOCKED)
    await porch.set_state("shed", "open")
    await porch.set_state("barrier", "after")  # handled after the bad state
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_barrier")() == "after")
    assert state_of(hass, "lock.porch_shed")() == LockState.LOCKED
    assert "Ignoring state on home.devices.porch.lock.shed.state: state 'open' of a lock" in caplog.text


async def test_lock_unlock_open_with_code(hass: HomeAssistant, porch: Device) -> None:
    """Each action carries the service's code; the device's confirmed state is shown at once."""
    await _call(hass, SERVICE_UNLOCK, "lock.porch_front_door", **{ATTR_CODE: "4711"})
    assert state_of(hass, "lock.porch_front_door")() == LockState.UNLOCKED
    await _call(hass, SERVICE_OPEN, "lock.porch_front_door", **{ATTR_CODE: "4711"})
    assert state_of(hass, "lock.porch_front_door")() == LockState.OPEN
    await _call(hass, SERVICE_LOCK, "lock.porch_front_door", **{ATTR_CODE: "123456"})
    assert state_of(hass, "lock.porch_front_door")() == LockState.LOCKED
    assert porch.commands == [
        ("front_door", {"action": "unlock", "code": "4711"}),
        ("front_door", {"action": "open", "code": "4711"}),
        ("front_door", {"action": "lock", "code": "123456"}),
    ]
    assert porch.states["front_door"] == {"state": "locked"}


async def test_lock_without_code(hass: HomeAssistant, porch: Device) -> None:
    """A lock without code_format gets commands without a code."""
    await _call(hass, SERVICE_UNLOCK, "lock.porch_shed")
    assert state_of(hass, "lock.porch_shed")() == LockState.UNLOCKED
    await _call(hass, SERVICE_LOCK, "lock.porch_shed")
    assert state_of(hass, "lock.porch_shed")() == LockState.LOCKED
    assert porch.commands == [("shed", {"action": "unlock"}), ("shed", {"action": "lock"})]


async def test_code_checked_against_code_format(hass: HomeAssistant, porch: Device) -> None:
    """Home Assistant refuses a code not matching code_format (or none) before sending anything."""
    with pytest.raises(ServiceValidationError):
        await _call(hass, SERVICE_UNLOCK, "lock.porch_front_door", **{ATTR_CODE: "12"})
    with pytest.raises(ServiceValidationError):
        await _call(hass, SERVICE_UNLOCK, "lock.porch_front_door")
    assert porch.commands == []


async def test_device_refusal(hass: HomeAssistant, porch: Device) -> None:
    """A wrong code is the device's to judge: its refusal fails the action with its reason."""
    await porch.set_state("front_door", "locked")
    await wait_for(hass, lambda: state_of(hass, "lock.porch_front_door")() == LockState.LOCKED)

    async def wrong_code(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("wrong code")

    porch.command_handler = wrong_code
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_UNLOCK, "lock.porch_front_door", **{ATTR_CODE: "0000"})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Porch rejected the command: wrong code"
    assert state_of(hass, "lock.porch_front_door")() == LockState.LOCKED


async def test_open_refused_by_the_device(hass: HomeAssistant, porch: Device) -> None:
    """A device that can no longer open refuses with the spec's text."""
    porch.entities["front_door"]["supports_open"] = False  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_OPEN, "lock.porch_front_door", **{ATTR_CODE: "4711"})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Porch rejected the command: open not supported (supports_open is false)"


async def test_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, porch: Device) -> None:
    """A lock that does not answer in time fails the action, saying so."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    porch.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_LOCK, "lock.porch_shed")
    assert err.value.translation_key == "command_timeout"
    assert str(err.value) == "Device Porch did not answer within 0.5 s"
    assert state_of(hass, "lock.porch_shed")() == STATE_UNKNOWN


def test_code_format_must_compile() -> None:
    """Home Assistant could check no code against an expression it cannot compile: refused."""
    with pytest.raises(ProtocolError, match="code_format is not a regular expression"):
        describe_entity({"platform": "lock", "id": "gate", "code_format": "^([0-9]$"})
