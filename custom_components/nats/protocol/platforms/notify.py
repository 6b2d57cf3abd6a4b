"""notify: no state; a message (with a title if announced) for the device to show or speak."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError
from ..platform import EntityInfo, Platform
from ..validators import string
from .cover import FLAG

MAX_MESSAGE: Final = 1024
"""Characters; a display or a speaker has use for no more, and it keeps a command well within a payload."""
MAX_TITLE: Final = 255


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyInfo(EntityInfo):
    """An announced notify entity."""

    supports_title: bool = False


def message(text: str, title: str | None = None) -> dict[str, Any]:
    """Build a message command; the title only when one is given."""
    return {"message": text} | ({"title": title} if title else {})


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("notify entities have no device_class")


class NotifyPlatform(Platform[NotifyInfo, None]):
    """The notify platform."""

    name = "notify"
    info_type = NotifyInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Optional("supports_title"): FLAG,
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("message"): string(MAX_MESSAGE, 1),
        vol.Optional("title"): string(MAX_TITLE, 1),
    }

    def apply(self, info: NotifyInfo, current: Mapping[str, Any] | None, command: dict[str, Any]) -> None:
        """Change no state: the device shows the message; a title needs supports_title."""
        if "title" in command and not info.supports_title:
            raise CommandRejectedError("title not supported")


PLATFORM: Final = NotifyPlatform()
