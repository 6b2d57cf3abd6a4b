"""Subject building and parsing: ids can never change which subjects are addressed."""

from __future__ import annotations

import pytest

from nats_home.errors import ProtocolError
from nats_home.subjects import EntitySubject, Subjects


def test_subjects_of_a_home() -> None:
    """Every subject of protocol v1, for a nested prefix."""
    subjects = Subjects("flat.one")
    assert subjects.announce == "flat.one.discovery.announce"
    assert subjects.announce_any == "flat.one.discovery.announce.*"
    assert subjects.announce_for("kitchen") == "flat.one.discovery.announce.kitchen"
    assert subjects.discovery_request == "flat.one.discovery.request"
    assert subjects.ha_status == "flat.one.ha.status"
    assert subjects.status("kitchen") == "flat.one.devices.kitchen.status"
    assert subjects.entity("kitchen", "light", "ceiling", "command") == (
        "flat.one.devices.kitchen.light.ceiling.command"
    )
    assert subjects.commands_of("kitchen") == "flat.one.devices.kitchen.*.*.command"
    assert subjects.state_any == "flat.one.devices.*.*.*.state"
    assert subjects.event_any == "flat.one.devices.*.*.*.event"
    assert subjects.log_any == "flat.one.devices.*.log"
    assert subjects.log("kitchen") == "flat.one.devices.kitchen.log"
    assert subjects.log_device("flat.one.devices.kitchen.log") == "kitchen"
    assert subjects.log_device("flat.one.devices.Kitchen.log") is None
    assert subjects.log_device("flat.one.devices.kitchen.status") is None


@pytest.mark.parametrize("prefix", ["", "home.", ".home", "home..x", "home.*", "home.>", "my home"])
def test_invalid_prefix(prefix: str) -> None:
    """A prefix must be dot-separated non-empty tokens without wildcards."""
    with pytest.raises(ProtocolError):
        Subjects(prefix)


@pytest.mark.parametrize("bad", ["", "a.b", "*", ">", "A", "a b"])
def test_building_refuses_bad_ids(bad: str) -> None:
    """No subject is ever built from an id that is not a single safe token."""
    subjects = Subjects()
    with pytest.raises(ProtocolError):
        subjects.announce_for(bad)
    with pytest.raises(ProtocolError):
        subjects.entity("kitchen", "switch", bad, "state")
    with pytest.raises(ProtocolError):
        subjects.entity(bad, "switch", "relay", "state")


def test_building_refuses_unknown_platform_or_topic() -> None:
    """Platforms and topics are fixed words."""
    with pytest.raises(ProtocolError):
        Subjects().entity("kitchen", "teleporter", "robot", "state")
    with pytest.raises(ProtocolError):
        Subjects().entity("kitchen", "switch", "relay", "delete")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("home.devices.kitchen.light.ceiling.state", EntitySubject("kitchen", "light", "ceiling", "state")),
        ("home.devices.kitchen.switch.relay.command", EntitySubject("kitchen", "switch", "relay", "command")),
        ("home.devices.Kitchen.switch.relay.state", None),
        ("home.devices.kitchen.teleporter.robot.state", None),
        ("home.devices.kitchen.switch.relay.delete", None),
        ("home.devices.kitchen.switch.state", None),
        ("home.devices.kitchen.switch.relay.state.extra", None),
        ("other.devices.kitchen.switch.relay.state", None),
    ],
)
def test_parse_entity(subject: str, expected: EntitySubject | None) -> None:
    """Only well-formed entity subjects of this home parse."""
    assert Subjects().parse_entity(subject) == expected


def test_parse_announce_and_status() -> None:
    """Announce subjects give the device token ('' for the bare one), status the device id."""
    subjects = Subjects()
    assert subjects.announce_device("home.discovery.announce") == ""
    assert subjects.announce_device("home.discovery.announce.kitchen") == "kitchen"
    assert subjects.announce_device("home.discovery.request") is None
    assert subjects.status_device("home.devices.kitchen.status") == "kitchen"
    assert subjects.status_device("home.devices.Kitchen.status") is None
    assert subjects.status_device("home.devices.kitchen.switch.status") is None
    assert subjects.status_device("home.ha.status") is None
