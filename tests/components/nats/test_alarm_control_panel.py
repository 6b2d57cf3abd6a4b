"""Alarm control panels: announced actions become features; every action reaches the device with the code."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.alarm_control_panel import (
    AlarmControlPanelEntityFeature,
    AlarmControlPanelState,
    CodeFormat,
)
from homeassistant.const import (
    ATTR_CODE,
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_ALARM_ARM_AWAY,
    SERVICE_ALARM_ARM_CUSTOM_BYPASS,
    SERVICE_ALARM_ARM_HOME,
    SERVICE_ALARM_ARM_NIGHT,
    SERVICE_ALARM_ARM_VACATION,
    SERVICE_ALARM_DISARM,
    SERVICE_ALARM_TRIGGER,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from nats_home.device import Device
from nats_home.errors import CommandRejectedError

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ALL_ACTIONS = ["arm_home", "arm_away", "arm_night", "arm_vacation", "arm_custom_bypass", "trigger"]
ENTITIES = [
    {
        "platform": "alarm_control_panel",
        "id": "house",
        "name": "House",
        "actions": ALL_ACTIONS,
        "code_format": "number",
    },
    {
        "platform": "alarm_control_panel",
        "id": "garage",
        "name": "Garage",
        "actions": ["arm_away"],
        "code_format": "text",
        "code_arm_required": False,
    },
    {"platform": "alarm_control_panel", "id": "shed", "name": "Shed"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
HOUSE = "alarm_control_panel.porch_house"


async def _call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        "alarm_control_panel", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


@pytest.fixture
async def porch(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with three panels (every action and a code; one mode, a code only to disarm; none), in HA."""
    device = await device_factory("porch", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.porch_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, porch: Device) -> None:
    """Announced actions are the panel's features; the code format and whether arming needs it as announced."""
    house = hass.states.get(HOUSE)
    assert house.state == STATE_UNKNOWN
    assert house.attributes[ATTR_SUPPORTED_FEATURES] == (
        AlarmControlPanelEntityFeature.ARM_HOME
        | AlarmControlPanelEntityFeature.ARM_AWAY
        | AlarmControlPanelEntityFeature.ARM_NIGHT
        | AlarmControlPanelEntityFeature.ARM_VACATION
        | AlarmControlPanelEntityFeature.ARM_CUSTOM_BYPASS
        | AlarmControlPanelEntityFeature.TRIGGER
    )
    assert house.attributes["code_format"] == CodeFormat.NUMBER
    assert house.attributes["code_arm_required"] is True
    garage = hass.states.get("alarm_control_panel.porch_garage")
    assert garage.attributes[ATTR_SUPPORTED_FEATURES] == AlarmControlPanelEntityFeature.ARM_AWAY
    assert garage.attributes["code_format"] == CodeFormat.TEXT
    assert garage.attributes["code_arm_required"] is False
    shed = hass.states.get("alarm_control_panel.porch_shed")
    assert shed.attributes[ATTR_SUPPORTED_FEATURES] == 0
    assert shed.attributes["code_format"] is None
    assert shed.attributes["code_arm_required"] is False


async def test_every_state_word(hass: HomeAssistant, porch: Device) -> None:
    """Each state word the device publishes is Home Assistant's alarm state of the same name."""
    for state in AlarmControlPanelState:
        await porch.set_state("house", state.value)
        await wait_for(hass, lambda state=state: state_of(hass, HOUSE)() == state)
    await porch.set_state("house", None)
    await wait_for(hass, lambda: state_of(hass, HOUSE)() == STATE_UNKNOWN)


async def test_invalid_state_dropped(
    hass: HomeAssistant, porch: Device, caplog: pytest.LogCaptureFixture
) -> None:
    """A state word the protocol lacks is dropped and logged; the panel keeps its last good state."""
    await porch.set_state("house", "armed_away")
    await wait_for(hass, lambda: state_of(hass, HOUSE)() == AlarmControlPanelState.ARMED_AWAY)
    await porch.set_state("house", "armed")
    await porch.set_state("barrier", "after")  # handled after the bad state
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_barrier")() == "after")
    assert state_of(hass, HOUSE)() == AlarmControlPanelState.ARMED_AWAY
    assert (
        "Ignoring state on home.devices.porch.alarm_control_panel.house.state: state 'armed'" in caplog.text
    )


async def test_every_action_with_the_code(hass: HomeAssistant, porch: Device) -> None:
    """Each service sends its action with the code; the device's confirmed state is shown at once."""
    steps = [
        (SERVICE_ALARM_ARM_HOME, "arm_home", AlarmControlPanelState.ARMED_HOME),
        (SERVICE_ALARM_ARM_AWAY, "arm_away", AlarmControlPanelState.ARMED_AWAY),
        (SERVICE_ALARM_ARM_NIGHT, "arm_night", AlarmControlPanelState.ARMED_NIGHT),
        (SERVICE_ALARM_ARM_VACATION, "arm_vacation", AlarmControlPanelState.ARMED_VACATION),
        (SERVICE_ALARM_ARM_CUSTOM_BYPASS, "arm_custom_bypass", AlarmControlPanelState.ARMED_CUSTOM_BYPASS),
        (SERVICE_ALARM_TRIGGER, "trigger", AlarmControlPanelState.TRIGGERED),
        (SERVICE_ALARM_DISARM, "disarm", AlarmControlPanelState.DISARMED),
    ]
    for service, action, state in steps:
        await _call(hass, service, HOUSE, **{ATTR_CODE: "1234"})
        assert state_of(hass, HOUSE)() == state
        assert porch.commands[-1] == ("house", {"action": action, "code": "1234"})
    assert porch.states["house"] == {"state": "disarmed"}


async def test_arming_without_code(hass: HomeAssistant, porch: Device) -> None:
    """HA refuses arming without the code a panel requires; one that arms without it gets no code."""
    with pytest.raises(ServiceValidationError):
        await _call(hass, SERVICE_ALARM_ARM_AWAY, HOUSE)
    assert porch.commands == []
    await _call(hass, SERVICE_ALARM_ARM_AWAY, "alarm_control_panel.porch_garage")
    assert state_of(hass, "alarm_control_panel.porch_garage")() == AlarmControlPanelState.ARMED_AWAY
    assert porch.commands == [("garage", {"action": "arm_away"})]


async def test_disarm_without_code_refused_by_the_device(hass: HomeAssistant, porch: Device) -> None:
    """Home Assistant sends a disarm without a code; the device refuses it with the spec's text."""
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_ALARM_DISARM, "alarm_control_panel.porch_garage")
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Porch rejected the command: code required"


async def test_wrong_code(hass: HomeAssistant, porch: Device) -> None:
    """A wrong code is the device's to judge: its refusal fails the action with its reason."""
    await porch.set_state("house", "armed_away")
    await wait_for(hass, lambda: state_of(hass, HOUSE)() == AlarmControlPanelState.ARMED_AWAY)

    async def wrong_code(entity_id: str, command: dict[str, Any]) -> None:
        raise CommandRejectedError("wrong code")

    porch.command_handler = wrong_code
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_ALARM_DISARM, HOUSE, **{ATTR_CODE: "0000"})
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Porch rejected the command: wrong code"
    assert state_of(hass, HOUSE)() == AlarmControlPanelState.ARMED_AWAY


async def test_unannounced_action_refused_by_the_device(hass: HomeAssistant, porch: Device) -> None:
    """A device that can no longer arm at night refuses with the spec's text."""
    porch.entities["house"]["actions"] = ["arm_away"]  # the device now has less than it announced
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_ALARM_ARM_NIGHT, HOUSE, **{ATTR_CODE: "1234"})
    assert str(err.value) == "Device Porch rejected the command: arm_night not supported"
    assert state_of(hass, HOUSE)() == STATE_UNKNOWN
