"""Device configuration settings (protocol 1.4) against the shared vectors: declarations, values, names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nats_home import config_settings as cs
from nats_home.errors import ProtocolError
from nats_home.payloads import parse_announcement

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "config_settings.json").read_text())
SETTINGS = {setting.id: setting for setting in cs.describe_settings(VECTORS["values"]["settings"])}


def _cases(*path: str) -> list[Any]:
    cases: Any = VECTORS
    for key in path:
        cases = cases[key]
    return [pytest.param(case, id=case["name"]) for case in cases]


def _raw(case: dict[str, Any]) -> bytes:
    return bytes.fromhex(case["raw_hex"]) if "raw_hex" in case else case["raw"].encode()


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_declarations(case: dict[str, Any]) -> None:
    """A valid declaration gives typed settings, defaults filled in, in the announced order."""
    settings = cs.describe_settings(case["config"])
    assert [cs.declaration(setting) for setting in settings] == case["expect"]


@pytest.mark.parametrize("case", _cases("invalid"))
def test_invalid_declarations_refuse_the_announcement(case: dict[str, Any]) -> None:
    """An invalid `config` refuses the whole announcement, as any invalid field does."""
    payload = {"v": 1, "id": "plug", "name": "Plug", "entities": [], "config": case["config"]}
    with pytest.raises(ProtocolError):
        parse_announcement(json.dumps(payload).encode(), "plug")
    if isinstance(case["config"], list) and all(isinstance(item, dict) for item in case["config"]):
        with pytest.raises(ProtocolError):
            cs.describe_settings(case["config"])


@pytest.mark.parametrize("case", _cases("values", "valid"))
def test_valid_values(case: dict[str, Any]) -> None:
    """A stored value that suits its setting decodes to the expected value."""
    value = cs.decode_value(SETTINGS[case["setting"]], _raw(case))
    assert value == case["expect"]
    assert type(value) is bool or not isinstance(case["expect"], bool)


@pytest.mark.parametrize("case", _cases("values", "invalid"))
def test_invalid_values(case: dict[str, Any]) -> None:
    """A stored value of the wrong type, out of range, too long or not JSON is refused."""
    with pytest.raises(ProtocolError):
        cs.decode_value(SETTINGS[case["setting"]], _raw(case))


@pytest.mark.parametrize("case", VECTORS["bucket_names"], ids=lambda case: case["prefix"])
def test_bucket_names(case: dict[str, str]) -> None:
    """The bucket's name follows from the home's prefix as the streams' names do."""
    assert cs.bucket_name(case["prefix"]) == case["bucket"]


def test_subjects() -> None:
    """Key, value subject, the device's wildcard and the direct get subject of one setting."""
    case = VECTORS["subjects"]
    bucket = cs.bucket_name(case["prefix"])
    assert cs.key(case["device"], case["setting"]) == case["key"]
    assert cs.parse_key(case["key"]) == (case["device"], case["setting"])
    assert cs.key_subject(bucket, case["device"], case["setting"]) == case["value_subject"]
    assert cs.device_subjects(bucket, case["device"]) == case["device_subjects"]
    assert cs.direct_get_subject(bucket, case["device"], case["setting"]) == case["direct_get"]
    assert cs.parse_key("plug") is None
    assert cs.parse_key("plug.a.b") is None
    with pytest.raises(ProtocolError):
        cs.key("plug", "a.b")


@pytest.mark.parametrize("case", VECTORS["deleted"], ids=str)
def test_deleted(case: dict[str, Any]) -> None:
    """A DEL or PURGE operation header means the key is back to its default."""
    assert cs.is_deleted(case["headers"]) is case["deleted"]


def test_announcement_keeps_the_declaration() -> None:
    """The announcement carries the typed settings; without `config` (1.0 to 1.3) there are none."""
    config = VECTORS["values"]["settings"]
    payload = {"v": 1, "id": "plug", "name": "Plug", "entities": [], "config": config}
    device = parse_announcement(json.dumps(payload).encode(), "plug")
    assert [setting.id for setting in device.config] == [setting["id"] for setting in config]
    heartbeat = device.config[0]
    assert isinstance(heartbeat, cs.NumberSetting)
    assert (heartbeat.min, heartbeat.max, heartbeat.unit, heartbeat.default_value) == (5, 3600, "s", 60)
    del payload["config"]
    assert parse_announcement(json.dumps(payload).encode(), "plug").config == ()


def test_encode_value_round_trips() -> None:
    """Values are written as JSON; a whole number as an integer."""
    assert cs.encode_value(30.0) == b"30"
    assert cs.encode_value(2.5) == b"2.5"
    assert cs.encode_value(True) == b"true"
    assert cs.encode_value("Büro") == '"Büro"'.encode()
    for setting_id, value in (("heartbeat_interval", 90), ("name", "Büro"), ("status_led", False)):
        setting = SETTINGS[setting_id]
        assert cs.decode_value(setting, cs.encode_value(value)) == value
