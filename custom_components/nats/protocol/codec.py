"""JSON on the wire: decoding with the protocol's limits, compact encoding."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any, Final

import orjson

from .errors import ProtocolError

MAX_ANNOUNCEMENT_BYTES: Final = 64 * 1024
MAX_PAYLOAD_BYTES: Final = 16 * 1024
_NUL_ESCAPE: Final = b"\\u0000"
"""How JSON writes U+0000 (a raw NUL is not JSON): only a payload holding it is searched for one."""
_COMPACT: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""What json.dumps would build anew for every call with these arguments (a hot path: every state)."""


def decode_json(raw: bytes, limit: int = MAX_PAYLOAD_BYTES) -> dict[str, Any]:
    """Decode a JSON object payload, refusing oversize or non-object payloads.

    orjson, as Home Assistant decodes JSON: a quarter of json.loads' time on
    the hot path (every state), and stricter where the protocol is (RFC 8259
    JSON in UTF-8): NaN, Infinity and numbers beyond a double's range are
    refused, as are invalid UTF-8, lone surrogate escapes (text Home Assistant
    could neither store nor serialise) and nesting deeper than 1,024.
    Integers beyond 64 bits are read as doubles.
    """
    if len(raw) > limit:
        raise ProtocolError(f"payload of {len(raw)} bytes exceeds the limit of {limit}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise ProtocolError(f"invalid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ProtocolError("payload is not a JSON object")
    if _NUL_ESCAPE in raw and _has_nul(data):
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
