"""NATS alarm control panels: armed in the announced modes, disarmed, triggered; a code if it has one."""

from __future__ import annotations

from homeassistant.components.alarm_control_panel import (
    AlarmControlPanelEntity,
    AlarmControlPanelEntityFeature,
    AlarmControlPanelState,
    CodeFormat,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.alarm_control_panel import (
    AlarmAction,
    AlarmControlPanelInfo,
    AlarmControlPanelState as NatsAlarmState,
    command,
)
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0

FEATURES = {
    "arm_home": AlarmControlPanelEntityFeature.ARM_HOME,
    "arm_away": AlarmControlPanelEntityFeature.ARM_AWAY,
    "arm_night": AlarmControlPanelEntityFeature.ARM_NIGHT,
    "arm_vacation": AlarmControlPanelEntityFeature.ARM_VACATION,
    "arm_custom_bypass": AlarmControlPanelEntityFeature.ARM_CUSTOM_BYPASS,
    "trigger": AlarmControlPanelEntityFeature.TRIGGER,
}
CODE_FORMATS = {"number": CodeFormat.NUMBER, "text": CodeFormat.TEXT}


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add alarm control panels as devices announce them."""
    async_setup_platform_entities(entry, "alarm_control_panel", async_add_entities, NatsAlarmControlPanel)


class NatsAlarmControlPanel(NatsEntity[AlarmControlPanelInfo, NatsAlarmState], AlarmControlPanelEntity):
    """An alarm control panel whose commands the device confirms.

    Home Assistant refuses arming without a code itself when code_arm_required;
    the device judges whether a code is right.
    """

    def __init__(self, hub: NatsHub, device_id: str, description: AlarmControlPanelInfo) -> None:
        """Describe the panel: its actions and its code."""
        super().__init__(hub, device_id, description)
        features = AlarmControlPanelEntityFeature(0)
        for action in description.actions:
            features |= FEATURES[action]
        self._attr_supported_features = features
        self._attr_code_format = CODE_FORMATS.get(description.code_format or "")
        self._attr_code_arm_required = description.code_arm_required

    def apply_state(self, value: NatsAlarmState) -> None:
        """Store the state word, which is Home Assistant's own (None: unknown)."""
        self._attr_alarm_state = None if value.state is None else AlarmControlPanelState(value.state)

    async def _send(self, action: AlarmAction, code: str | None) -> None:
        await self.async_command(command(action, code))

    async def async_alarm_disarm(self, code: str | None = None) -> None:
        """Disarm, confirmed by the device."""
        await self._send("disarm", code)

    async def async_alarm_arm_home(self, code: str | None = None) -> None:
        """Arm in home mode, confirmed by the device."""
        await self._send("arm_home", code)

    async def async_alarm_arm_away(self, code: str | None = None) -> None:
        """Arm in away mode, confirmed by the device."""
        await self._send("arm_away", code)

    async def async_alarm_arm_night(self, code: str | None = None) -> None:
        """Arm in night mode, confirmed by the device."""
        await self._send("arm_night", code)

    async def async_alarm_arm_vacation(self, code: str | None = None) -> None:
        """Arm in vacation mode, confirmed by the device."""
        await self._send("arm_vacation", code)

    async def async_alarm_arm_custom_bypass(self, code: str | None = None) -> None:
        """Arm with the custom bypass, confirmed by the device."""
        await self._send("arm_custom_bypass", code)

    async def async_alarm_trigger(self, code: str | None = None) -> None:
        """Trigger the alarm, confirmed by the device."""
        await self._send("trigger", code)
