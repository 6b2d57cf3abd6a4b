"""alarm_control_panel: armed in one of several modes, disarmed or triggered, often behind a code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import string, word_list

ARM_ACTIONS: Final = ("arm_home", "arm_away", "arm_night", "arm_vacation", "arm_custom_bypass")
ACTIONS: Final = ("disarm", *ARM_ACTIONS, "trigger")
"""Every command word; `actions` announces which besides disarm the panel takes."""
STATES: Final = (
    "disarmed",
    "armed_home",
    "armed_away",
    "armed_night",
    "armed_vacation",
    "armed_custom_bypass",
    "pending",
    "arming",
    "disarming",
    "triggered",
)
RESULT: Final = {"disarm": "disarmed", "trigger": "triggered"} | {
    action: action.replace("arm_", "armed_", 1) for action in ARM_ACTIONS
}
"""The state the spec's ideal device reports after each action."""
CODE_FORMATS: Final = ("number", "text")

type AlarmAction = Literal[
    "disarm", "arm_home", "arm_away", "arm_night", "arm_vacation", "arm_custom_bypass", "trigger"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmControlPanelInfo(EntityInfo):
    """An announced alarm control panel; code_arm_required is false for a panel without a code."""

    actions: tuple[str, ...] = ()
    code_format: str | None = None
    code_arm_required: bool = False


@dataclass(frozen=True, slots=True)
class AlarmControlPanelState:
    """A validated alarm state."""

    state: str | None


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("alarm control panels have no device_class")


def command(action: AlarmAction, code: str | None = None) -> dict[str, Any]:
    """Build an alarm command; the code only when one is given."""
    return {"action": action} | ({"code": code} if code else {})


class AlarmControlPanelPlatform(Platform[AlarmControlPanelInfo, AlarmControlPanelState]):
    """The alarm_control_panel platform."""

    name = "alarm_control_panel"
    info_type = AlarmControlPanelInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Optional("actions"): vol.Any(None, word_list((*ARM_ACTIONS, "trigger"))),
        vol.Optional("code_format"): vol.Any(None, vol.In(CODE_FORMATS, msg="expected 'number' or 'text'")),
        vol.Optional("code_arm_required"): vol.Any(None, bool),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("action"): vol.In(ACTIONS),
        vol.Optional("code"): string(64, 1),
    }

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Arming needs a code by default when the panel has one; never when it has none."""
        has_code = entity.get("code_format") is not None
        required = entity.get("code_arm_required")
        if required is True and not has_code:
            raise vol.Invalid("code_arm_required needs a code_format")
        entity["code_arm_required"] = has_code if required is None else required
        return entity

    def parse_state(self, info: AlarmControlPanelInfo, data: Mapping[str, Any]) -> AlarmControlPanelState:
        """Validate the state word; any armed mode is valid, announced or not (a keypad may set it)."""
        value = data["state"]
        if value is not None and value not in STATES:
            msg = f"state {value!r} is not one of {', '.join(STATES)}"
            raise ProtocolError(msg)
        return AlarmControlPanelState(value)

    def apply(
        self, info: AlarmControlPanelInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Check the action is announced, then the code's presence; the ideal device accepts any code."""
        action = command["action"]
        if action != "disarm" and action not in info.actions:
            raise CommandRejectedError(f"{action} not supported")
        if "code" not in command and (
            (action == "disarm" and info.code_format is not None)
            or (action in ARM_ACTIONS and info.code_arm_required)
        ):
            raise CommandRejectedError("code required")
        return {"state": RESULT[action]}


PLATFORM: Final = AlarmControlPanelPlatform()
