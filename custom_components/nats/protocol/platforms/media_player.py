"""media_player: a speaker that plays URLs and announcements, with transport, volume and power."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

import probatio as vol

from ..errors import CommandRejectedError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, number, string, validate

STATES: Final = ("playing", "paused", "idle", "announcing", "on", "off")
ACTIONS: Final = (
    "play",
    "pause",
    "stop",
    "toggle",
    "mute",
    "unmute",
    "volume_up",
    "volume_down",
    "turn_on",
    "turn_off",
)
NEEDS: Final = {
    "play": "supports_pause",
    "pause": "supports_pause",
    "toggle": "supports_pause",
    "mute": "supports_volume",
    "unmute": "supports_volume",
    "volume_up": "supports_volume",
    "volume_down": "supports_volume",
    "turn_on": "supports_turn_off",
    "turn_off": "supports_turn_off",
}
"""The announcement flag each action needs; stop needs none."""
DEVICE_CLASSES: Final = ("speaker",)
"""Of Home Assistant's media player classes, the one a NATS player is (as ESPHome's are)."""
VOLUME_STEP: Final = 0.1
MAX_URL: Final = 2048

type MediaAction = Literal[
    "play", "pause", "stop", "toggle", "mute", "unmute", "volume_up", "volume_down", "turn_on", "turn_off"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaPlayerInfo(EntityInfo):
    """An announced media player; every player plays URLs and stops."""

    supports_pause: bool = False
    supports_volume: bool = False
    supports_announce: bool = False
    supports_turn_off: bool = False


@dataclass(frozen=True, slots=True)
class MediaPlayerState:
    """A validated media player state; volume and muted are None when unknown or not announced."""

    state: str | None
    volume: float | None = None
    muted: bool | None = None


VOLUME: Final = vol.All(number, vol.Range(0, 1))
STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): vol.Any(None, vol.In(STATES)),
        vol.Optional("volume"): vol.Any(None, VOLUME),
        vol.Optional("muted"): vol.Any(None, bool),
    },
    extra=vol.REMOVE_EXTRA,
)
FLAG: Final = vol.Any(None, bool)


def _url(value: Any) -> str:
    url: str = string(MAX_URL, 1)(value)
    if not url.startswith(("http://", "https://")):
        raise vol.Invalid("media_url must be an http:// or https:// URL")
    return url


def action(name: MediaAction) -> dict[str, Any]:
    """Build a transport, volume or power command."""
    return {"action": name}


def set_volume(volume: float) -> dict[str, Any]:
    """Build a command setting the volume 0..1."""
    return {"volume": int(volume) if float(volume).is_integer() else volume}


def play_media(url: str, *, announce: bool = False) -> dict[str, Any]:
    """Build a command playing a URL, as an announcement when asked."""
    return {"media_url": url, "announce": True} if announce else {"media_url": url}


class MediaPlayerPlatform(Platform[MediaPlayerInfo, MediaPlayerState]):
    """The media_player platform."""

    name = "media_player"
    info_type = MediaPlayerInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): vol.Any(
            None, vol.In(("speaker",), msg="not a media_player device class")
        ),
        vol.Optional("supports_pause"): FLAG,
        vol.Optional("supports_volume"): FLAG,
        vol.Optional("supports_announce"): FLAG,
        vol.Optional("supports_turn_off"): FLAG,
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("action"): vol.In(ACTIONS, msg="invalid action"),
        vol.Optional("volume"): VOLUME,
        vol.Optional("media_url"): _url,
        vol.Optional("announce"): bool,
    }

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Require exactly one of action, volume and media_url; announce only with media_url."""
        given = [field for field in ("action", "volume", "media_url") if field in command]
        if not given:
            raise vol.Invalid("a media_player command needs an action, a volume or a media_url")
        if len(given) > 1:
            raise vol.Invalid(f"{given[0]} cannot go with {given[1]}")
        if "announce" in command and "media_url" not in command:
            raise vol.Invalid("announce needs media_url")
        return command

    def parse_state(self, info: MediaPlayerInfo, data: Mapping[str, Any]) -> MediaPlayerState:
        """Validate a state; volume and muted are read only from a player announcing volume."""
        fields = {"v", "state", "volume", "muted"} if info.supports_volume else {"v", "state"}
        player = validate(STATE_SCHEMA, {key: value for key, value in data.items() if key in fields})
        return MediaPlayerState(**{key: value for key, value in player.items() if key != "v"})

    def apply(
        self, info: MediaPlayerInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Play, pause, set the volume or power as announced; refuse the whole command otherwise."""
        if (error := _refusal(info, command)) is not None:
            raise CommandRejectedError(error)
        current = current or {}
        state: dict[str, Any] = {"state": current.get("state")}
        if info.supports_volume:
            state["volume"] = current.get("volume")
            state["muted"] = current.get("muted")
        if "media_url" in command:
            state["state"] = "announcing" if command.get("announce") else "playing"
        elif "volume" in command:
            state["volume"] = command["volume"]
        else:
            _act(state, command["action"])
        return state


def _refusal(info: MediaPlayerInfo, command: dict[str, Any]) -> str | None:
    """Return what the player's announcement refuses in a well-formed command."""
    if (name := command.get("action")) in NEEDS and not getattr(info, NEEDS[name]):
        return f"{name} not supported"
    if "volume" in command and not info.supports_volume:
        return "volume not supported"
    if command.get("announce") and not info.supports_announce:
        return "announce not supported"
    return None


def _act(state: dict[str, Any], name: str) -> None:
    """Apply an action as the spec's ideal player: at once, volume in steps of 0.1."""
    if name in ("volume_up", "volume_down"):
        if (volume := state.get("volume")) is not None:
            step = VOLUME_STEP if name == "volume_up" else -VOLUME_STEP
            state["volume"] = min(1, max(0, round(volume + step, 2)))
        return
    if name in ("mute", "unmute"):
        state["muted"] = name == "mute"
        return
    if name == "toggle":
        name = "pause" if state["state"] == "playing" else "play"
    state["state"] = {
        "play": "playing",
        "pause": "paused",
        "stop": "idle",
        "turn_on": "idle",
        "turn_off": "off",
    }[name]


PLATFORM: Final = MediaPlayerPlatform()
