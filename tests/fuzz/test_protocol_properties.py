"""Properties of the protocol layer: parsers return a model or raise ProtocolError, nothing else.

No Home Assistant and no network here: these run in well under a second per
property at CI size (NATS_HOME_LONG=1 runs 20 times as many examples).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.nats.protocol.errors import ProtocolError
from custom_components.nats.protocol.models import DeviceAnnouncement, Heartbeat, Reply
from custom_components.nats.protocol.payloads import (
    encode,
    parse_announcement,
    parse_command,
    parse_heartbeat,
    parse_reply,
    parse_state,
    state_from_mapping,
)
from custom_components.nats.protocol.platform import EntityInfo
from custom_components.nats.protocol.platforms.light import LightState
from custom_components.nats.protocol.platforms.sensor import is_numeric_sensor
from custom_components.nats.protocol.subjects import Subjects, is_valid_token
from nats_home.device import Device

from ..entity_info import entity_info
from .strategies import (
    LONG_RUN,
    PLATFORMS,
    encode_case,
    encoded,
    json_value,
    mutated,
    protocol_text,
    valid_announcement,
    valid_entity,
    valid_heartbeat,
    valid_light_state,
    valid_reply,
)

PROPERTY_SETTINGS = settings(
    max_examples=4000 if LONG_RUN else 200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# A device with one entity of each kind a state can be parsed for.
ENTITIES = {
    "numeric sensor": entity_info("sensor", id="t", name=None, unit="°C"),
    "text sensor": entity_info("sensor", id="s", name=None),
    "timestamp sensor": entity_info("sensor", id="b", name=None, device_class="timestamp"),
    "binary_sensor": entity_info("binary_sensor", id="m", name=None),
    "switch": entity_info("switch", id="r", name=None),
    "light": entity_info("light", id="l", name=None, color_modes=("color_temp", "rgb")),
    "onoff light": entity_info("light", id="o", name=None, color_modes=("onoff",)),
    "number": entity_info("number", id="n", name=None),
    "select": entity_info("select", id="e", name=None, options=("eco", "comfort")),
    "button": entity_info("button", id="p", name=None),
}

state_like = st.fixed_dictionaries(
    {"state": json_value},
    optional={
        "v": json_value,
        "brightness": json_value,
        "color_mode": st.sampled_from(["onoff", "brightness", "color_temp", "rgb", "hs", None]),
        "color_temp_kelvin": json_value,
        "rgb": st.one_of(json_value, st.lists(st.integers(-1, 256), max_size=4)),
    },
)
any_payload = st.one_of(
    st.binary(max_size=300),
    encoded(
        st.one_of(
            json_value,
            state_like,
            valid_heartbeat,
            valid_reply,
            valid_light_state,
            mutated(valid_heartbeat),
            mutated(valid_reply),
            mutated(valid_announcement()),
        )
    ),
)


def _unicode_text(value: Any) -> bool:
    """Whether every string in a parsed model is Unicode text (encodable: no lone surrogate)."""
    try:
        repr(value).encode()
    except UnicodeEncodeError:
        return False
    return True


def _model_or_protocol_error[T](parse: Callable[[], T], model: type | tuple[type, ...]) -> T | None:
    """Call a parser; it must return an instance of `model` or raise ProtocolError."""
    try:
        result = parse()
    except ProtocolError:
        return None
    assert isinstance(result, model), f"{parse} returned {result!r}"
    assert _unicode_text(result), f"{parse} accepted a string that is not Unicode text: {result!r}"
    return result


@PROPERTY_SETTINGS
@given(raw=any_payload, subject_device=st.sampled_from(["", "kitchen", "x"]))
def test_parse_announcement_total(raw: bytes, subject_device: str) -> None:
    """Any bytes: an announcement or ProtocolError; an accepted one names the subject's device."""
    device = _model_or_protocol_error(lambda: parse_announcement(raw, subject_device), DeviceAnnouncement)
    if device is not None and subject_device:
        assert device.id == subject_device
    if device is not None:
        assert all(is_valid_token(entity.id) for entity in device.entities)
        assert len({entity.id for entity in device.entities}) == len(device.entities)


@PROPERTY_SETTINGS
@given(raw=encoded(mutated(valid_announcement())))
def test_parse_mutated_announcement_total(raw: bytes) -> None:
    """Schema-shaped but broken announcements: a model or ProtocolError."""
    _model_or_protocol_error(lambda: parse_announcement(raw, ""), DeviceAnnouncement)


@PROPERTY_SETTINGS
@given(raw=any_payload)
def test_parse_heartbeat_total(raw: bytes) -> None:
    """Any bytes: a heartbeat with an interval in 1..3600, or ProtocolError."""
    heartbeat = _model_or_protocol_error(lambda: parse_heartbeat(raw), Heartbeat)
    if heartbeat is not None:
        assert type(heartbeat.online) is bool
        assert 1 <= heartbeat.interval <= 3600


@PROPERTY_SETTINGS
@given(raw=any_payload)
def test_parse_reply_total(raw: bytes) -> None:
    """Any bytes: a reply whose ok is a bool, or ProtocolError."""
    reply = _model_or_protocol_error(lambda: parse_reply(raw), Reply)
    if reply is not None:
        assert type(reply.ok) is bool


@PROPERTY_SETTINGS
@given(raw=any_payload, platform=st.sampled_from([*PLATFORMS, "sensor ", ""]))
def test_parse_command_total(raw: bytes, platform: str) -> None:
    """Any bytes: a command dict, or ProtocolError."""
    _model_or_protocol_error(lambda: parse_command(platform, raw), dict)


@PROPERTY_SETTINGS
@given(
    raw=st.one_of(any_payload, encoded(state_like)),
    kind=st.sampled_from(sorted(ENTITIES)),
)
def test_parse_state_total(raw: bytes, kind: str) -> None:
    """Any bytes for any entity: a state value of the right type, or ProtocolError."""
    entity = ENTITIES[kind]
    value = _model_or_protocol_error(
        lambda: parse_state(entity, raw), (str, int, float, LightState, type(None))
    )
    if value is None:
        return
    if entity.platform == "light":
        assert isinstance(value, LightState)
        assert value.color_mode in (None, *entity.color_modes)  # type: ignore[union-attr]
    elif entity.platform in ("switch", "binary_sensor"):
        assert value in ("ON", "OFF")
    elif entity.platform == "select":
        assert value in entity.options
    elif entity.platform == "number" or kind == "numeric sensor":
        assert isinstance(value, (int, float))
        assert not isinstance(value, bool)
    else:
        assert isinstance(value, str)
        assert len(value) <= 255


@PROPERTY_SETTINGS
@given(data=st.one_of(state_like, st.dictionaries(st.text(max_size=6), json_value, max_size=4)))
def test_state_from_mapping_total(data: dict[str, Any]) -> None:
    """A reply's decoded state object: a value or ProtocolError, for every entity kind."""
    for entity in ENTITIES.values():
        _model_or_protocol_error(
            lambda entity=entity: state_from_mapping(entity, data), (str, int, float, LightState, type(None))
        )


@PROPERTY_SETTINGS
@given(
    subject=st.one_of(
        st.text(max_size=80),
        st.lists(st.text(min_size=0, max_size=70), min_size=1, max_size=7).map(".".join),
        st.lists(
            st.sampled_from(["home", "devices", "discovery", "announce", "status", "state", "switch", "a"]),
            max_size=7,
        ).map(".".join),
    )
)
def test_subject_parsers_total(subject: str) -> None:
    """Subject parsing never raises and only yields valid tokens."""
    subjects = Subjects("home")
    parsed = subjects.parse_entity(subject)
    if parsed is not None:
        assert is_valid_token(parsed.device_id)
        assert is_valid_token(parsed.entity_id)
        assert subjects.entity(parsed.device_id, parsed.platform, parsed.entity_id, parsed.topic) == subject
    status = subjects.status_device(subject)
    if status is not None:
        assert subjects.status(status) == subject
    announced = subjects.announce_device(subject)
    if announced:
        assert subjects.announce_for(announced) == subject if is_valid_token(announced) else True


def _expected_entity(entity: dict[str, Any]) -> EntityInfo:
    fields = dict(entity)
    for key in ("color_modes", "options"):
        if key in fields:
            fields[key] = tuple(fields[key])
    if "name" not in entity:
        fields["name"] = entity["id"].replace("_", " ").replace("-", " ").capitalize()
    return entity_info(fields.pop("platform"), **fields)


@PROPERTY_SETTINGS
@given(payload=valid_announcement(max_entities=8), ascii_only=st.booleans())
def test_valid_announcement_round_trip(payload: dict[str, Any], ascii_only: bool) -> None:
    """A generated valid announcement parses to exactly what it says, also via the device library."""
    device = parse_announcement(encode_case(payload, ascii_only), payload["id"])
    assert device.id == payload["id"]
    assert device.name == payload["name"]
    assert device.heartbeat_interval == payload.get("heartbeat_interval", 60)
    assert device.entities == tuple(_expected_entity(e) for e in payload["entities"])
    if "mac" in payload:
        assert device.mac == payload["mac"].replace("-", ":").lower()

    info = {
        k: v for k, v in payload.items() if k not in ("v", "id", "name", "entities", "heartbeat_interval")
    }
    library = Device(
        None,  # type: ignore[arg-type]  # announcement() needs no connection
        payload["id"],
        payload["name"],
        payload["entities"],
        heartbeat_interval=payload.get("heartbeat_interval", 60),
        **info,
    )
    again = parse_announcement(encode(library.announcement()), payload["id"])
    assert again == device
    # Encoding the parsed model's view again is stable (idempotent round trip).
    assert json.loads(encode(library.announcement())) == json.loads(encode(library.announcement()))


@PROPERTY_SETTINGS
@given(platform=st.sampled_from(PLATFORMS), data=st.data())
def test_valid_entity_states_accepted(platform: str, data: st.DataObject) -> None:
    """States a well-behaved device would send for a generated entity are accepted."""
    raw_entity = data.draw(valid_entity(platform, "e"))
    entity = parse_announcement(
        encode({"v": 1, "id": "d", "name": "D", "entities": [raw_entity]}), "d"
    ).entities[0]
    if platform == "button":  # buttons have no state (null is harmlessly accepted)
        with pytest.raises(ProtocolError):
            parse_state(entity, b'{"state": "ON"}')
        return
    if platform in ("switch", "binary_sensor"):
        value: Any = data.draw(st.sampled_from(["ON", "OFF", None]))
    elif platform == "select":
        value = data.draw(st.sampled_from([*entity.options, None]))
    elif platform == "light":
        light = data.draw(valid_light_state)
        if light.get("color_mode") not in (None, *entity.color_modes):
            light["color_mode"] = None
        if light.get("color_temp_kelvin") is not None:  # a device reports within its range
            light["color_temp_kelvin"] = min(
                max(light["color_temp_kelvin"], entity.min_kelvin), entity.max_kelvin
            )
        assert parse_state(entity, encode(light)) is not None
        return
    elif platform == "number" or is_numeric_sensor(entity):
        value = data.draw(st.one_of(st.none(), st.integers(-(10**9), 10**9), st.floats(-1e9, 1e9)))
    elif entity.device_class == "timestamp":
        # (Years 1 and 9999 in a far time zone leave the range of UTC, which the spec refuses.)
        moments = st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1), timezones=st.timezones())
        value = data.draw(st.one_of(st.none(), moments.map(str)))
    elif entity.device_class == "date":
        value = data.draw(st.one_of(st.none(), st.dates().map(str)))
    else:
        value = data.draw(st.one_of(st.none(), protocol_text(max_size=255)))
    assert parse_state(entity, encode_case({"state": value}, data.draw(st.booleans()))) is not None or (
        value is None
    )
