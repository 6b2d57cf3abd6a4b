"""The tokens subjects are made of: device and entity ids, and a home's prefix."""

from __future__ import annotations

import re
from typing import Final

TOKEN_RE: Final = re.compile(r"^[a-z0-9_-]{1,64}$")
PREFIX_RE: Final = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def is_valid_token(value: object) -> bool:
    """Return whether value may be used as a device or entity id."""
    return isinstance(value, str) and TOKEN_RE.fullmatch(value) is not None


def is_valid_prefix(value: object) -> bool:
    """Return whether value may be used as the subject prefix of a home."""
    return isinstance(value, str) and PREFIX_RE.fullmatch(value) is not None
