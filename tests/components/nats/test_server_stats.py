"""Reading /varz: what a server's health is made of, and rates between two samples."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.nats.server_stats import NotMonitoringError, parse_varz, with_rates

VARZ: dict[str, Any] = {
    "server_id": "NABC",
    "server_name": "home",
    "version": "2.15.1",
    "connections": 3,
    "in_msgs": 100,
    "out_msgs": 200,
    "slow_consumers": 1,
    "jetstream": {"config": {"domain": "home"}, "stats": {"storage": 4096}},
    "leaf": {"remotes": [{"urls": ["hub:7422"]}]},
    "leafnodes": 0,
}


def test_a_home_leaf_server_with_its_link_down() -> None:
    stats = parse_varz(VARZ)
    assert (stats.connections, stats.slow_consumers, stats.jetstream_storage) == (3, 1, 4096)
    assert stats.jetstream_enabled
    assert stats.leaf_up is False


def test_a_plain_server_has_no_leaf_link_and_no_jetstream() -> None:
    stats = parse_varz({**VARZ, "jetstream": {}, "leaf": {}, "server_name": ""})
    assert stats.leaf_up is None
    assert not stats.jetstream_enabled
    assert stats.jetstream_storage is None
    assert stats.server_name == "NABC"


@pytest.mark.parametrize(
    "document", [{}, {"server_id": "x"}, {**VARZ, "connections": "many"}, {**VARZ, "leaf": 3}]
)
def test_not_a_varz_document(document: dict[str, Any]) -> None:
    with pytest.raises(NotMonitoringError):
        parse_varz(document)


def test_rates_between_samples_of_one_server() -> None:
    first = parse_varz(VARZ)
    second = parse_varz({**VARZ, "in_msgs": 160, "out_msgs": 230})
    assert with_rates(first, None, 30).in_msgs_rate is None
    rated = with_rates(second, first, 30)
    assert (rated.in_msgs_rate, rated.out_msgs_rate) == (2.0, 1.0)
    # A restarted server counts from zero again: no rate rather than a negative one.
    restarted = parse_varz({**VARZ, "in_msgs": 5})
    assert with_rates(restarted, first, 30).in_msgs_rate is None
    assert with_rates(parse_varz({**VARZ, "server_id": "NOTHER"}), first, 30).in_msgs_rate is None
