"""Every platform's vectors (tests/vectors/platforms/<platform>.json) against its protocol module.

The same files drive the firmware's tests, so both sides read a platform alike.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
import json
from pathlib import Path
import re
from typing import Any

import pytest

from nats_home.errors import CommandRejectedError, ProtocolError
from nats_home.payloads import describe_entity, parse_command, parse_event, state_from_mapping
from nats_home.platform import EntityInfo
from nats_home.platforms import PLATFORMS

VECTORS = Path(__file__).parent.parent / "vectors" / "platforms"
FILES = {path.stem: json.loads(path.read_text()) for path in sorted(VECTORS.glob("*.json"))}


def _cases(section: str, kind: str | None = None) -> list[Any]:
    params = []
    for platform, vectors in FILES.items():
        if platform not in PLATFORMS:
            continue  # specified, not implemented yet: test_every_specified_platform_is_registered says so
        cases = vectors.get(section, {} if kind else [])
        params.extend(
            pytest.param(platform, case, id=f"{platform}: {case['name']}")
            for case in (cases.get(kind, []) if kind else cases)
        )
    return params


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, tuples as lists: the vectors' JSON shape."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _info(platform: str, entity_id: str) -> EntityInfo:
    entity = next(c["entity"] for c in FILES[platform]["entities"]["valid"] if c["entity"]["id"] == entity_id)
    return describe_entity(entity)


def _refused(error: type[Exception], expected: str) -> Any:
    return pytest.raises(error, match=f"(?i){re.escape(expected)}")


@pytest.mark.parametrize(("platform", "case"), _cases("entities", "valid"))
def test_valid_entities(platform: str, case: dict[str, Any]) -> None:
    """An announced entity parses to its typed description, defaults filled in."""
    assert _plain(describe_entity(case["entity"])) == case["description"]


@pytest.mark.parametrize(("platform", "case"), _cases("entities", "invalid"))
def test_invalid_entities(platform: str, case: dict[str, Any]) -> None:
    """A wrong entity is refused with a message naming the mistake."""
    with _refused(ProtocolError, case["error"]):
        describe_entity(case["entity"])


@pytest.mark.parametrize(("platform", "case"), _cases("states", "valid"))
def test_valid_states(platform: str, case: dict[str, Any]) -> None:
    """A state parses to the platform's state value."""
    assert _plain(state_from_mapping(_info(platform, case["entity"]), case["payload"])) == case["value"]


@pytest.mark.parametrize(("platform", "case"), _cases("states", "invalid"))
def test_invalid_states(platform: str, case: dict[str, Any]) -> None:
    """A wrong state is refused."""
    with _refused(ProtocolError, case["error"]):
        state_from_mapping(_info(platform, case["entity"]), case["payload"])


@pytest.mark.parametrize(("platform", "case"), _cases("commands", "valid"))
def test_valid_commands(platform: str, case: dict[str, Any]) -> None:
    """A command validates as a device must read it."""
    assert parse_command(platform, json.dumps(case["payload"]).encode()) == case["command"]


@pytest.mark.parametrize(("platform", "case"), _cases("commands", "invalid"))
def test_invalid_commands(platform: str, case: dict[str, Any]) -> None:
    """A malformed command is refused before the entity's capabilities are looked at."""
    with _refused(ProtocolError, case["error"]):
        parse_command(platform, json.dumps(case["payload"]).encode())


@pytest.mark.parametrize(("platform", "case"), _cases("apply"))
def test_apply(platform: str, case: dict[str, Any]) -> None:
    """The device library applies a command as the spec's ideal device, or refuses it."""
    info = _info(platform, case["entity"])
    command = parse_command(platform, json.dumps(case["command"]).encode())
    if "error" in case:
        with _refused(CommandRejectedError, case["error"]):
            PLATFORMS[platform].apply(info, case["state"], command)
        return
    result = PLATFORMS[platform].apply(info, case["state"], command)
    if case["result"] is None:  # a platform without state (a scene, a notify entity)
        assert result is None
        return
    assert result is not None
    assert _plain(state_from_mapping(info, result)) == _plain(state_from_mapping(info, case["result"]))


@pytest.mark.parametrize(("platform", "case"), _cases("events", "valid"))
def test_valid_events(platform: str, case: dict[str, Any]) -> None:
    """An event parses to its type and attributes."""
    raw = json.dumps(case["payload"]).encode()
    assert _plain(parse_event(_info(platform, case["entity"]), raw)) == case["value"]


@pytest.mark.parametrize(("platform", "case"), _cases("events", "invalid"))
def test_invalid_events(platform: str, case: dict[str, Any]) -> None:
    """A wrong event is refused."""
    with _refused(ProtocolError, case["error"]):
        parse_event(_info(platform, case["entity"]), json.dumps(case["payload"]).encode())
