"""light: on/off with brightness, colour temperature or RGB, in announced colour modes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import ON_OFF, OPTIONAL_VERSION, integer, number, validate

COLOR_MODES: Final = ("onoff", "brightness", "color_temp", "rgb")
RGB: Final = vol.All([vol.All(integer, vol.Range(0, 255))], vol.Length(3, 3, msg="expected [r, g, b]"))
KELVIN: Final = vol.All(integer, vol.Range(1000, 20000))
BRIGHTNESS: Final = vol.All(integer, vol.Range(0, 255))


@dataclass(frozen=True, slots=True, kw_only=True)
class LightInfo(EntityInfo):
    """An announced light."""

    color_modes: tuple[str, ...] = ()
    min_kelvin: int = 2000
    max_kelvin: int = 6500


@dataclass(frozen=True, slots=True)
class LightState:
    """A validated light state."""

    state: str | None
    brightness: int | None = None
    color_mode: str | None = None
    color_temp_kelvin: int | None = None
    rgb: tuple[int, int, int] | None = None


STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): ON_OFF,
        vol.Optional("brightness"): vol.Any(None, BRIGHTNESS),
        vol.Optional("color_mode"): vol.Any(None, vol.In(COLOR_MODES)),
        vol.Optional("color_temp_kelvin"): vol.Any(None, KELVIN),
        vol.Optional("rgb"): vol.Any(None, RGB),
    },
    extra=vol.REMOVE_EXTRA,
)


def _modes(modes: list[str]) -> list[str]:
    if len(set(modes)) != len(modes):
        raise vol.Invalid("duplicate colour modes")
    for alone in ("onoff", "brightness"):
        if alone in modes and len(modes) > 1:
            raise vol.Invalid(f"{alone!r} cannot be combined with other colour modes")
    return modes


def command(
    *,
    on: bool,
    brightness: int | None = None,
    color_temp_kelvin: int | None = None,
    rgb: tuple[int, int, int] | None = None,
    transition: float | None = None,
) -> dict[str, Any]:
    """Build a light command; only the given fields are sent."""
    optional = {
        "brightness": brightness,
        "color_temp_kelvin": color_temp_kelvin,
        "rgb": list(rgb) if rgb is not None else None,
        "transition": transition,
    }
    return {"state": "ON" if on else "OFF"} | {
        key: value for key, value in optional.items() if value is not None
    }


class LightPlatform(Platform[LightInfo, LightState]):
    """The light platform."""

    name = "light"
    info_type = LightInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Required("color_modes"): vol.All([vol.In(COLOR_MODES)], vol.Length(min=1), _modes),
        vol.Optional("min_kelvin", default=2000): KELVIN,
        vol.Optional("max_kelvin", default=6500): KELVIN,
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("state"): vol.Any("ON", "OFF"),
        vol.Optional("brightness"): BRIGHTNESS,
        vol.Optional("color_temp_kelvin"): KELVIN,
        vol.Optional("rgb"): RGB,
        vol.Optional("transition"): vol.All(number, vol.Range(0, 3600)),
    }

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Refuse an empty colour temperature range."""
        if entity["min_kelvin"] >= entity["max_kelvin"]:
            raise vol.Invalid("min_kelvin must be below max_kelvin")
        return entity

    def parse_state(self, info: LightInfo, data: Mapping[str, Any]) -> LightState:
        """Validate a light state against the announced colour modes and range."""
        light = validate(STATE_SCHEMA, dict(data))
        mode = light.get("color_mode")
        if mode is not None and mode not in info.color_modes:
            raise ProtocolError(f"colour mode {mode!r} was not announced")
        kelvin = light.get("color_temp_kelvin")
        if kelvin is not None and not info.min_kelvin <= kelvin <= info.max_kelvin:
            raise ProtocolError(
                f"color_temp_kelvin {kelvin} is outside the announced range "
                f"{info.min_kelvin}..{info.max_kelvin}"
            )
        rgb = light.get("rgb")
        return LightState(
            state=light["state"],
            brightness=light.get("brightness"),
            color_mode=mode,
            color_temp_kelvin=kelvin,
            rgb=(rgb[0], rgb[1], rgb[2]) if rgb is not None else None,
        )

    def apply(
        self, info: LightInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply what the light's colour modes allow; refuse the rest."""
        state = {**(current or {}), "state": command["state"]}
        modes = info.color_modes
        if "brightness" in command:
            if modes == ("onoff",):
                raise CommandRejectedError("light has no brightness")
            state["brightness"] = command["brightness"]
        if "rgb" in command:
            if "rgb" not in modes:
                raise CommandRejectedError("light has no RGB colour")
            state["rgb"], state["color_mode"] = command["rgb"], "rgb"
        if "color_temp_kelvin" in command:
            if "color_temp" not in modes:
                raise CommandRejectedError("light has no colour temperature")
            if not info.min_kelvin <= command["color_temp_kelvin"] <= info.max_kelvin:
                msg = f"colour temperature out of range {info.min_kelvin}..{info.max_kelvin}"
                raise CommandRejectedError(msg)
            state["color_temp_kelvin"], state["color_mode"] = command["color_temp_kelvin"], "color_temp"
        if command["state"] == "ON" and state.get("color_mode") is None:
            state["color_mode"] = modes[0]
        if command["state"] == "ON" and modes != ("onoff",) and not state.get("brightness"):
            state["brightness"] = 255
        return state


PLATFORM: Final = LightPlatform()
