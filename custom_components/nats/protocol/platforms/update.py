"""update: the installed and the latest version of a device's software, and installing the latest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, number, string, validate

DEVICE_CLASSES: Final = ("firmware",)
VERSION: Final = string(255, 1)
TEXT: Final = string(255)
URL: Final = vol.All(string(255), vol.Match(r"^https?://\S+$", msg="expected an http(s) URL"))


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateInfo(EntityInfo):
    """An announced update entity."""

    supports_install: bool = False
    supports_progress: bool = False


@dataclass(frozen=True, slots=True)
class UpdateState:
    """A validated update state; `state` is the installed version."""

    state: str | None
    latest_version: str | None = None
    title: str | None = None
    release_summary: str | None = None
    release_url: str | None = None
    in_progress: bool = False
    update_percentage: float | None = None


def _optional(validator: Any) -> Any:
    return vol.Any(None, validator)


STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): _optional(VERSION),
        vol.Optional("latest_version"): _optional(VERSION),
        vol.Optional("title"): _optional(TEXT),
        vol.Optional("release_summary"): _optional(TEXT),
        vol.Optional("release_url"): _optional(URL),
        vol.Optional("in_progress"): _optional(bool),
        vol.Optional("update_percentage"): _optional(vol.All(number, vol.Range(0, 100))),
    },
    extra=vol.REMOVE_EXTRA,
)


def install() -> dict[str, Any]:
    """Build the command that installs the latest version."""
    return {"action": "install"}


class UpdatePlatform(Platform[UpdateInfo, UpdateState]):
    """The update platform."""

    name = "update"
    info_type = UpdateInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): vol.Any(None, vol.In(DEVICE_CLASSES, msg="not an update device class")),
        vol.Optional("supports_install"): vol.Any(None, bool),
        vol.Optional("supports_progress"): vol.Any(None, bool),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("action"): vol.In(("install",)),
    }

    def parse_state(self, info: UpdateInfo, data: Mapping[str, Any]) -> UpdateState:
        """Validate the versions and release details; a percentage only from an entity reporting progress."""
        read = {
            key: value for key, value in data.items() if info.supports_progress or key != "update_percentage"
        }
        update = validate(STATE_SCHEMA, read)
        update.pop("v", None)
        if update.get("in_progress") is None:
            update["in_progress"] = False
        return UpdateState(**update)

    def apply(
        self, info: UpdateInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Install the latest version at once: it becomes the installed one."""
        if not info.supports_install:
            raise CommandRejectedError("install not supported")
        state = {"state": None, **(current or {})}
        if state.get("latest_version") is not None:
            state["state"] = state["latest_version"]
        state["in_progress"] = False
        state.pop("update_percentage", None)
        return state


PLATFORM: Final = UpdatePlatform()
