"""The shared test vectors against the Python protocol layer."""

from __future__ import annotations

from dataclasses import asdict
import json
from pathlib import Path
from typing import Any

from nats.aio.client import Client
import pytest

from nats_home.acknowledgement import wants_state_ack
from nats_home.errors import ProtocolError
from nats_home.payloads import (
    parse_announcement,
    parse_command,
    parse_heartbeat,
    parse_reply,
    parse_state,
)
from nats_home.platforms.light import LightState
from nats_home.subjects import is_valid_token

VECTORS = Path(__file__).parent.parent / "vectors"


def _load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text())


def _cases(name: str, kind: str) -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in _load(name)[kind]]


def _raw(case: dict[str, Any]) -> bytes:
    return case["raw"].encode() if "raw" in case else json.dumps(case["payload"]).encode()


@pytest.mark.parametrize("case", _cases("announce.json", "valid"))
def test_valid_announcements(case: dict[str, Any]) -> None:
    """Every valid announcement parses to the expected device."""
    device = parse_announcement(_raw(case), case["subject_device"])
    assert device.id == case["expect"]["id"]
    assert len(device.entities) == case["expect"]["entities"]
    assert device.heartbeat_interval == case["expect"]["heartbeat_interval"]


@pytest.mark.parametrize("case", _cases("announce.json", "invalid"))
def test_invalid_announcements(case: dict[str, Any]) -> None:
    """Every invalid announcement is refused."""
    with pytest.raises(ProtocolError):
        parse_announcement(_raw(case), case["subject_device"])


def test_announcement_fields() -> None:
    """The full announcement keeps device info and platform capabilities."""
    case = _load("announce.json")["valid"][0]
    device = parse_announcement(_raw(case), "kitchen")
    assert device.mac == "aa:bb:cc:dd:ee:01"
    assert device.suggested_area == "Kitchen"
    entities = {entity.id: entity for entity in device.entities}
    assert entities["temperature"].unit == "°C"
    assert entities["ceiling"].name is None
    assert entities["strip"].color_modes == ("color_temp", "rgb")
    assert (entities["strip"].min_kelvin, entities["strip"].max_kelvin) == (2200, 6000)
    assert entities["target"].step == 0.5
    assert entities["mode"].options == ("eco", "comfort", "off")


def _entity(entity_id: str) -> Any:
    device = _load("state.json")["device"]
    announced = parse_announcement(json.dumps(device).encode(), device["id"])
    return next(entity for entity in announced.entities if entity.id == entity_id)


@pytest.mark.parametrize("case", _cases("state.json", "valid"))
def test_valid_states(case: dict[str, Any]) -> None:
    """Every valid state parses to the expected value."""
    value = parse_state(_entity(case["entity"]), _raw(case))
    if isinstance(value, LightState):
        got = {k: v for k, v in asdict(value).items() if v is not None}
        if "rgb" in got:
            got["rgb"] = list(got["rgb"])
        assert got == case["expect"]
    else:
        assert value == case["expect"]


@pytest.mark.parametrize("case", _cases("state.json", "invalid"))
def test_invalid_states(case: dict[str, Any]) -> None:
    """Every invalid state is refused."""
    with pytest.raises(ProtocolError):
        parse_state(_entity(case["entity"]), _raw(case))


@pytest.mark.parametrize("case", _cases("command.json", "valid"))
def test_valid_commands(case: dict[str, Any]) -> None:
    """Every valid command parses as a device must read it."""
    assert parse_command(case["platform"], _raw(case)) == case["expect"]


@pytest.mark.parametrize("case", _cases("command.json", "invalid"))
def test_invalid_commands(case: dict[str, Any]) -> None:
    """Every invalid command is refused."""
    with pytest.raises(ProtocolError):
        parse_command(case["platform"], _raw(case))


@pytest.mark.parametrize("case", _cases("reply.json", "valid"))
def test_valid_replies(case: dict[str, Any]) -> None:
    """Every valid reply parses."""
    assert asdict(parse_reply(_raw(case))) == case["expect"]


@pytest.mark.parametrize("case", _cases("reply.json", "invalid"))
def test_invalid_replies(case: dict[str, Any]) -> None:
    """Every invalid reply is refused."""
    with pytest.raises(ProtocolError):
        parse_reply(_raw(case))


@pytest.mark.parametrize("case", _cases("heartbeat.json", "valid"))
def test_valid_heartbeats(case: dict[str, Any]) -> None:
    """Every valid heartbeat parses."""
    heartbeat = parse_heartbeat(_raw(case))
    assert (heartbeat.online, heartbeat.interval) == (
        case["expect"]["online"],
        case["expect"]["interval"],
    )


@pytest.mark.parametrize("case", _cases("heartbeat.json", "invalid"))
def test_invalid_heartbeats(case: dict[str, Any]) -> None:
    """Every invalid heartbeat is refused."""
    with pytest.raises(ProtocolError):
        parse_heartbeat(_raw(case))


def test_tokens() -> None:
    """Token validation follows the vectors."""
    tokens = _load("subjects.json")
    assert all(is_valid_token(token) for token in tokens["valid_tokens"])
    assert not any(is_valid_token(token) for token in tokens["invalid_tokens"])


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _load("state_ack.json")["cases"]])
async def test_state_ack_requests(case: dict[str, Any]) -> None:
    """Whether a command asks to be answered by its state, with headers parsed by nats-py itself."""
    headers = await Client()._process_headers(case["headers"].encode())
    assert wants_state_ack(headers, case["reply"]) is case["ack"]
