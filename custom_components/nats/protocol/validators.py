"""Building blocks of the payload schemas every platform shares (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Callable
import math
import sys
from typing import Any, Final

import probatio as vol
from probatio.humanize import humanize_error

from .errors import ProtocolError
from .expiry import MAX_SENT
from .tokens import TOKEN_RE

_FLOAT_MAX: Final = sys.float_info.max

type Validator = Callable[[Any], Any]

MAX_TEXT_STATE: Final = 255
MAX_OPTIONS: Final = 64


def _no_nul(value: str) -> str:
    if "\0" in value:
        raise vol.Invalid("U+0000 is not allowed in strings")
    return value


def string(max_len: int, min_len: int = 0) -> Validator:
    """Return a validator of a string within a length range, without U+0000."""
    return vol.All(str, vol.Length(min=min_len, max=max_len), _no_nul)


def number(value: Any) -> float | int:
    """Accept JSON numbers only (bools are ints in Python, NaN is not JSON)."""
    kind = type(value)
    if (kind is float and math.isfinite(value)) or (kind is int and -_FLOAT_MAX <= value <= _FLOAT_MAX):
        # The usual case first (every numeric state): a finite float, or an int a float can hold.
        result: float | int = value
        return result
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise vol.Invalid("expected a number")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        finite = False
    if not finite:
        raise vol.Invalid("expected a finite number")
    return value  # type: ignore[no-any-return]


def integer(value: Any) -> int:
    """Accept JSON integers only (not bools, not 5.0)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise vol.Invalid("expected an integer")
    result: int = value
    return result


def major_version(value: Any) -> int:
    """Accept only the major protocol version this code implements."""
    version = integer(value)
    if version != 1:
        raise vol.Invalid(f"unsupported protocol version {version}")
    return version


def distinct(values: list[Any]) -> list[Any]:
    """Refuse a list holding the same entry twice."""
    if len(set(values)) != len(values):
        raise vol.Invalid("duplicate entries")
    return values


def word_list(words: tuple[str, ...] | None = None, *, min_len: int = 1) -> Validator:
    """Return a validator of a list of distinct words, from a vocabulary if one is given."""
    item = vol.In(words) if words is not None else string(64, 1)
    return vol.All([item], vol.Length(min=min_len, max=MAX_OPTIONS), distinct)


TOKEN: Final = vol.All(str, vol.Match(TOKEN_RE, msg="must match ^[a-z0-9_-]{1,64}$"))
NAME: Final = string(128, 1)
INFO_TEXT: Final = string(128)
TEXT_STATE: Final = string(MAX_TEXT_STATE)
UNIT: Final = vol.Any(None, string(32))
ON_OFF: Final = vol.Any(None, "ON", "OFF", msg="expected 'ON', 'OFF' or null")
OPTIONS: Final = word_list()
PERCENT: Final = vol.All(integer, vol.Range(0, 100))
OPTIONAL_VERSION: Final = {vol.Optional("v"): major_version}

COMMON_ENTITY: Final[dict[Any, Any]] = {
    vol.Required("platform"): str,
    vol.Required("id"): TOKEN,
    vol.Optional("name"): vol.Any(None, NAME),
    vol.Optional("device_class"): vol.Any(
        None, vol.All(str, vol.Match(r"^[a-z_]{1,64}$", msg="invalid device_class"))
    ),
    vol.Optional("category"): vol.Any(None, "config", "diagnostic"),
    vol.Optional("icon"): vol.Any(
        None, vol.All(str, vol.Match(r"^mdi:[a-z0-9-]{1,60}$", msg="invalid icon"))
    ),
    vol.Optional("enabled_by_default", default=True): bool,
}

MAX_TTL: Final = 3_600_000
COMMAND_COMMON: Final = {
    **OPTIONAL_VERSION,
    # Command expiry (docs/protocol.md): the three fields travel together.
    vol.Inclusive("clock", "expiry"): TOKEN,
    vol.Inclusive("sent", "expiry"): vol.All(integer, vol.Range(0, MAX_SENT)),
    vol.Inclusive("ttl", "expiry"): vol.All(integer, vol.Range(1, MAX_TTL)),
}


def validate(schema: Validator, data: Any) -> Any:
    """Run a schema, raising ProtocolError with a readable message."""
    try:
        return schema(data)
    except vol.Invalid as err:
        raise ProtocolError(humanize_error(data, err)) from None
