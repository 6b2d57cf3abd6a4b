"""image: the address of a picture the device serves over HTTP(S); no commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final
from urllib.parse import urlsplit

import probatio as vol

from ..errors import ProtocolError
from ..platform import EntityInfo, Platform

MAX_URL: Final = 2048
SCHEMES: Final = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageInfo(EntityInfo):
    """An announced image entity."""


@dataclass(frozen=True, slots=True)
class ImageState:
    """A validated image state: the URL to fetch the picture from, None when there is none."""

    state: str | None


def check_url(value: Any) -> str:
    """Accept an absolute http(s) URL without user name or password; raise ProtocolError."""
    if not isinstance(value, str) or not value:
        raise ProtocolError("state must be an http or https URL or null")
    if len(value) > MAX_URL:
        raise ProtocolError(f"state URL longer than {MAX_URL} characters")
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise ProtocolError("state URL with whitespace or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except ValueError as err:
        raise ProtocolError(f"state is not a URL: {err}") from None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise ProtocolError("state must be an http or https URL with a host")
    if parts.username is not None or parts.password is not None:
        # Kept in retained states and logs; a device gives access another way (a token in the path).
        raise ProtocolError("state URL must not hold a user name or password")
    return value


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("images have no device_class")


class ImagePlatform(Platform[ImageInfo, ImageState]):
    """The image platform."""

    name = "image"
    info_type = ImageInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {vol.Optional("device_class"): _no_device_class}

    def parse_state(self, info: ImageInfo, data: Mapping[str, Any]) -> ImageState:
        """Validate the URL (null: no picture)."""
        value = data["state"]
        return ImageState(None if value is None else check_url(value))


PLATFORM: Final = ImagePlatform()
