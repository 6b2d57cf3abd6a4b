"""Hypothesis strategies for protocol v1 payloads (docs/protocol.md), valid and hostile.

`valid_*` strategies build payloads the schema accepts; `hostile_*` ones start
from the schema's shape and break it (wrong types, boundary values, huge and
odd strings, nesting, missing or extra keys) or are raw bytes. Whether a
hostile case is in fact valid is decided by the protocol layer (the oracle),
never assumed.

`generate()` turns a strategy into a list of cases with hypothesis' own engine,
so an async test can publish them all against one Home Assistant instance.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any, Final

from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings, strategies as st

LONG_RUN: Final = os.environ.get("NATS_HOME_LONG") == "1"
"""NATS_HOME_LONG=1: the long run (10,500 fuzz cases, 100 restarts, a 200k flood)."""


def protocol_text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Strings the protocol allows: Unicode text without U+0000 (docs/protocol.md)."""
    return st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"), min_size=min_size, max_size=max_size
    )


PLATFORMS: Final = ("sensor", "binary_sensor", "switch", "light", "button", "number", "select")
COLOR_MODES: Final = ("onoff", "brightness", "color_temp", "rgb")

# Values sitting on or just past the boundaries of the schema.
BOUNDARY_INTS: Final = (
    -(2**63),
    -1,
    0,
    1,
    2,
    63,
    64,
    65,
    128,
    129,
    255,
    256,
    999,
    1000,
    3600,
    3601,
    6500,
    20000,
    20001,
    2**31,
    2**53 + 1,
    2**64,
)
BOUNDARY_FLOATS: Final = (-0.0, 0.5, 1e-320, 1.7976931348623157e308, -1.7976931348623157e308, 3600.0001)


def fuzz_seed() -> int:
    """Seed of this run: NATS_HOME_FUZZ_SEED to replay one, else a fresh one (printed on failure)."""
    fixed = os.environ.get("NATS_HOME_FUZZ_SEED")
    return int(fixed) if fixed else random.SystemRandom().randrange(2**32)


def generate[T](strategy: st.SearchStrategy[T], count: int, seed: int) -> list[T]:
    """Draw up to `count` distinct cases from a strategy with hypothesis' engine, reproducibly."""
    cases: list[T] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def _collect(case: T) -> None:
        cases.append(case)

    _collect()
    return cases


# Building blocks

token_strategy: Final = st.from_regex(r"\A[a-z0-9_-]{1,64}\Z")
short_token: Final = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,11}\Z")

odd_text: Final = st.one_of(
    st.text(max_size=20),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "ON ",
            "on",
            "On",
            "OFF\x00",
            "null",
            "NaN",
            "1e999",
            "mdi:",
            "mdi:UPPER",
            "AA:BB:CC:DD:EE",
            "a.b",
            "*",
            ">",
            "a b",
            "é",
            "😀" * 65,
            "\u202e\u200b",
            "x" * 129,
            "x" * 256,
        ]
    ),
    st.integers(min_value=1, max_value=70_000).map(lambda n: "x" * n),
)

scalar: Final = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(BOUNDARY_INTS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(BOUNDARY_FLOATS),
    odd_text,
)

json_value: Final = st.recursive(
    scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


wrong_value: Final = st.one_of(
    json_value,
    st.integers(min_value=1, max_value=200).map(lambda depth: _nested(depth, 1)),
    st.builds(lambda d: {"state": d}, json_value),
)


def valid_entity(platform: str, entity_id: str) -> st.SearchStrategy[dict[str, Any]]:
    """A schema-valid entity description of one platform."""
    name = st.one_of(st.none(), protocol_text(min_size=1, max_size=128))
    common: dict[str, st.SearchStrategy[Any]] = {
        "name": name,
        "category": st.sampled_from(["config", "diagnostic"]),
        "icon": st.from_regex(r"\Amdi:[a-z0-9-]{1,60}\Z"),
        "enabled_by_default": st.booleans(),
    }
    extra: dict[str, st.SearchStrategy[Any]] = {}
    required: dict[str, st.SearchStrategy[Any]] = {
        "platform": st.just(platform),
        "id": st.just(entity_id),
    }
    if platform == "sensor":
        common["device_class"] = st.sampled_from(
            ["temperature", "humidity", "power", "enum", "date", "timestamp", "no_such_class"]
        )
        extra = {
            "unit": st.sampled_from(["°C", "%", "W", "x", ""]),
            "state_class": st.sampled_from(["measurement", "total", "total_increasing"]),
            "precision": st.integers(0, 10),
            "numeric": st.booleans(),  # protocol 1.1
        }
    elif platform == "binary_sensor":
        common["device_class"] = st.sampled_from(["motion", "door", "no_such_class"])
    elif platform == "switch":
        common["device_class"] = st.sampled_from(["outlet", "switch", "no_such_class"])
    elif platform == "light":
        required["color_modes"] = st.one_of(
            st.sampled_from([["onoff"], ["brightness"]]),
            st.lists(st.sampled_from(["color_temp", "rgb"]), min_size=1, max_size=2, unique=True),
        )
        extra = {"min_kelvin": st.integers(1000, 3000), "max_kelvin": st.integers(3001, 20000)}
    elif platform == "number":
        extra = {
            "min": st.integers(-1000, 0),
            "max": st.integers(1, 1000),
            "step": st.sampled_from([0.5, 1, 2]),
            "unit": st.sampled_from(["°C", "W"]),
            "mode": st.sampled_from(["auto", "box", "slider"]),
        }
    elif platform == "select":
        required["options"] = st.lists(
            protocol_text(min_size=1, max_size=64), min_size=1, max_size=8, unique=True
        )
    entity = st.fixed_dictionaries(required, optional={**common, **extra})
    return entity.map(_text_sensor_without_units) if platform == "sensor" else entity


def _text_sensor_without_units(entity: dict[str, Any]) -> dict[str, Any]:
    """A text sensor (numeric: false) has no unit or state class (protocol 1.3)."""
    if entity.get("numeric") is False:
        entity = {k: v for k, v in entity.items() if k not in ("unit", "state_class")}
    return entity


@st.composite
def valid_announcement(
    draw: st.DrawFn, device_id: str | None = None, max_entities: int = 4
) -> dict[str, Any]:
    """A schema-valid announcement (small, so creating it in Home Assistant stays cheap)."""
    ident = device_id or draw(short_token)
    platforms = draw(st.lists(st.sampled_from(PLATFORMS), max_size=max_entities))
    ids = draw(st.lists(short_token, min_size=len(platforms), max_size=len(platforms), unique=True))
    entities = [draw(valid_entity(p, i)) for p, i in zip(platforms, ids, strict=True)]
    optional = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "manufacturer": protocol_text(max_size=128),
                "model": protocol_text(max_size=128),
                "sw_version": protocol_text(max_size=128),
                "hw_version": st.none(),
                "mac": st.sampled_from(["AA:BB:CC:DD:EE:01", "aa-bb-cc-dd-ee-02", "00:00:00:00:00:00"]),
                "suggested_area": protocol_text(max_size=128),
                "heartbeat_interval": st.integers(1, 3600),
            },
        )
    )
    return {
        "v": 1,
        "id": ident,
        "name": draw(protocol_text(min_size=1, max_size=128)),
        **optional,
        "entities": entities,
    }


# Mutation: replace, delete or add one value somewhere in a valid payload.


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if len(path) > 6:
        return found
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != path[0]}
        return [v for i, v in enumerate(value) if i != path[0]]
    head = path[0]
    if isinstance(value, dict):
        return {**value, head: _delete(value[head], path[1:])}
    copy = list(value)
    copy[head] = _delete(copy[head], path[1:])
    return copy


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A valid payload with 1-3 mutations: a wrong value, a missing key, an unknown key."""
    payload: Any = draw(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(payload)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
        if action == "delete" and path:
            payload = _delete(payload, path)
        elif action == "add":
            payload = _replace(payload, (), payload) if not isinstance(payload, dict) else payload
            if isinstance(payload, dict):
                payload = {**payload, draw(st.text(max_size=12)): draw(json_value)}
        else:
            payload = _replace(payload, path, draw(wrong_value))
    return payload


def encode_case(payload: Any, ascii_only: bool) -> bytes:
    """Encode like a (possibly odd) device would; lone surrogates force escapes."""
    try:
        return json.dumps(payload, ensure_ascii=ascii_only).encode()
    except UnicodeEncodeError:
        return json.dumps(payload, ensure_ascii=True).encode()


@st.composite
def encoded(draw: st.DrawFn, payloads: st.SearchStrategy[Any]) -> bytes:
    """A payload as bytes: JSON text (sometimes damaged), or arbitrary bytes."""
    kind = draw(
        st.sampled_from(["json", "json", "json", "json", "damaged", "raw", "big_int", "surrogate", "deep"])
    )
    if kind == "raw":
        return draw(st.binary(max_size=200))
    if kind == "deep":
        depth = draw(st.sampled_from([999, 1001, 5000, 8100, 40000]))
        return b'{"v":1,"state":' + b"[" * depth + b"]" * depth + b"}"
    payload = draw(payloads)
    raw = encode_case(payload, draw(st.booleans()))
    if kind == "damaged" and raw:
        cut = draw(st.integers(0, len(raw)))
        return raw[:cut] + draw(st.binary(max_size=8)) + raw[cut + draw(st.integers(0, 4)) :]
    if kind == "big_int" and isinstance(payload, dict) and payload:
        numeric = [k for k, v in payload.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        key = draw(st.sampled_from(sorted(numeric or payload, key=str)))
        digits = draw(st.sampled_from([20, 309, 310, 400, 4000, 4301]))
        sign = draw(st.sampled_from([b"", b"-"]))
        raw = encode_case({**payload, key: "__big__"}, True)
        return raw.replace(b'"__big__"', sign + b"9" * digits)
    if kind == "surrogate" and isinstance(payload, dict) and payload:
        key = draw(st.sampled_from(sorted(payload, key=str)))
        return encode_case({**payload, key: "\ud800" + draw(st.text(max_size=4))}, True)
    return raw


valid_heartbeat: Final = st.fixed_dictionaries(
    {"v": st.just(1), "online": st.booleans(), "interval": st.integers(1, 3600)},
    optional={"uptime": st.one_of(st.none(), st.integers(0, 2**40), st.floats(0, 1e12))},
)

valid_light_state: Final = st.fixed_dictionaries(
    {"state": st.sampled_from(["ON", "OFF", None])},
    optional={
        "v": st.just(1),
        "brightness": st.one_of(st.none(), st.integers(0, 255)),
        "color_mode": st.sampled_from(["color_temp", "rgb", None]),
        "color_temp_kelvin": st.one_of(st.none(), st.integers(1000, 20000)),
        "rgb": st.one_of(st.none(), st.lists(st.integers(0, 255), min_size=3, max_size=3)),
    },
)

valid_reply: Final = st.one_of(
    st.fixed_dictionaries(
        {"ok": st.just(True)},
        optional={
            "v": st.just(1),
            "state": st.one_of(
                st.none(),
                st.fixed_dictionaries({"state": st.sampled_from(["ON", "OFF", None])}),
                valid_light_state,
            ),
        },
    ),
    st.fixed_dictionaries({"ok": st.just(False)}, optional={"error": protocol_text(max_size=255)}),
)
