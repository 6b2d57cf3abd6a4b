"""siren: ON or OFF; turned on optionally with a tone, a volume and a duration."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError
from ..platform import EntityInfo, Platform
from ..validators import integer, number, string, word_list
from .binary_sensor import on_off

ON_OPTIONS: Final = ("tone", "volume", "duration")
"""The fields only a command turning the siren on carries."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SirenInfo(EntityInfo):
    """An announced siren."""

    tones: tuple[str, ...] | None = None
    supports_volume: bool = False
    supports_duration: bool = False


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("sirens have no device_class")


def command(
    *, on: bool, tone: str | None = None, volume: float | None = None, duration: int | None = None
) -> dict[str, Any]:
    """Build a siren command; the options only when given (and only with on)."""
    options = {"tone": tone, "volume": volume, "duration": duration}
    given = {key: value for key, value in options.items() if value is not None}
    return {"state": "ON" if on else "OFF"} | given


class SirenPlatform(Platform[SirenInfo, str | None]):
    """The siren platform."""

    name = "siren"
    info_type = SirenInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Optional("tones"): vol.Any(None, word_list()),
        vol.Optional("supports_volume"): vol.Any(None, bool),
        vol.Optional("supports_duration"): vol.Any(None, bool),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("state"): vol.Any("ON", "OFF", msg="expected 'ON' or 'OFF'"),
        vol.Optional("tone"): string(64, 1),
        vol.Optional("volume"): vol.All(number, vol.Range(0, 1)),
        vol.Optional("duration"): vol.All(integer, vol.Range(min=1, max=86400)),
    }

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Tone, volume and duration say how to sound: they go only with ON."""
        if command["state"] == "OFF" and any(field in command for field in ON_OPTIONS):
            raise vol.Invalid("tone, volume and duration go only with state ON")
        return command

    def parse_state(self, info: SirenInfo, data: Mapping[str, Any]) -> str | None:
        """Validate ON/OFF/null."""
        return on_off(data)

    def apply(
        self, info: SirenInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Sound or stop as announced; refuse the whole command otherwise."""
        if (error := next(_refusals(info, command), None)) is not None:
            raise CommandRejectedError(error)
        return {"state": command["state"]}


def _refusals(info: SirenInfo, command: dict[str, Any]) -> Iterator[str]:
    if (tone := command.get("tone")) is not None:
        if info.tones is None:
            yield "tone not supported"
        elif tone not in info.tones:
            yield f"tone {tone!r} not announced"
    if "volume" in command and not info.supports_volume:
        yield "volume not supported"
    if "duration" in command and not info.supports_duration:
        yield "duration not supported"


PLATFORM: Final = SirenPlatform()
