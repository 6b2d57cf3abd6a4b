"""JSON on the wire: decoding with the protocol's limits, compact encoding."""

from __future__ import annotations

from collections.abc import Mapping
import json
import re
from typing import Any, Final

from .errors import ProtocolError

MAX_ANNOUNCEMENT_BYTES: Final = 64 * 1024
MAX_PAYLOAD_BYTES: Final = 16 * 1024
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")
_NUL_ESCAPE: Final = re.compile(rb"\\u0000")
_COMPACT: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""What json.dumps would build anew for every call with these arguments (a hot path: every state)."""


def decode_json(raw: bytes, limit: int = MAX_PAYLOAD_BYTES) -> dict[str, Any]:
    """Decode a JSON object payload, refusing oversize or non-object payloads."""
    if len(raw) > limit:
        raise ProtocolError(f"payload of {len(raw)} bytes exceeds the limit of {limit}")
    try:
        # Decoded first: json.loads would sniff bytes for UTF-16 and UTF-32, which the
        # protocol does not allow (every payload is UTF-8) and which costs every state.
        data = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError) as err:
        raise ProtocolError(f"invalid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ProtocolError("payload is not a JSON object")
    if _SURROGATE_ESCAPE.search(raw) is not None:
        # A \ud800-style escape may leave a lone surrogate: not Unicode text,
        # which Home Assistant can neither store nor serialise.
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ProtocolError("string with a lone surrogate escape is not Unicode text") from None
    if _NUL_ESCAPE.search(raw) is not None and _has_nul(data):
        # Anywhere, keys included: a device keeping strings as C strings cannot hold it.
        raise ProtocolError("U+0000 is not allowed in strings")
    return data


def _has_nul(data: Any) -> bool:
    """Return whether any string (or key) holds U+0000; iterative, as nesting may be deep."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\0" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def encode(payload: Mapping[str, Any]) -> bytes:
    """Encode a payload compactly."""
    return _COMPACT.encode(payload).encode()
