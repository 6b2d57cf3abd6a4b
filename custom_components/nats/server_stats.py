"""What nats-server's monitoring endpoint (/varz) says about its health, read without Home Assistant.

One request covers everything the health entities show: /varz carries the
connection and message counters, slow consumers, JetStream's configuration
and storage used, the configured leaf remotes and the leaf links up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any


class NotMonitoringError(ValueError):
    """The answer is not a nats-server /varz document."""


@dataclass(frozen=True, slots=True)
class ServerStats:
    """One sample of a server's health; rates need two samples and are None on the first."""

    server_id: str
    server_name: str
    version: str
    connections: int
    in_msgs: int
    out_msgs: int
    slow_consumers: int
    jetstream_enabled: bool
    jetstream_storage: int | None
    """Bytes JetStream stores on disk; None without JetStream."""
    leaf_remotes: int
    """Leaf remotes configured: a home server linked to a hub has one."""
    leaf_links: int
    """Leaf connections up."""
    in_msgs_rate: float | None = None
    out_msgs_rate: float | None = None

    @property
    def leaf_up(self) -> bool | None:
        """Whether the link to the hub is up; None on a server with no leaf remote."""
        return self.leaf_links > 0 if self.leaf_remotes else None


def parse_varz(varz: Mapping[str, Any]) -> ServerStats:
    """Return the health in a /varz document; NotMonitoringError if it is none."""
    try:
        jetstream = varz.get("jetstream") or {}
        enabled = bool(jetstream.get("config"))
        leaf = varz.get("leaf") or {}
        return ServerStats(
            server_id=str(varz["server_id"]),
            server_name=str(varz.get("server_name") or varz["server_id"]),
            version=str(varz["version"]),
            connections=int(varz["connections"]),
            in_msgs=int(varz["in_msgs"]),
            out_msgs=int(varz["out_msgs"]),
            slow_consumers=int(varz.get("slow_consumers", 0)),
            jetstream_enabled=enabled,
            jetstream_storage=int((jetstream.get("stats") or {}).get("storage", 0)) if enabled else None,
            leaf_remotes=len(leaf.get("remotes") or []),
            leaf_links=int(varz.get("leafnodes", 0)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise NotMonitoringError(f"not a nats-server /varz document ({err!r})") from err


def with_rates(stats: ServerStats, previous: ServerStats | None, seconds: float) -> ServerStats:
    """Add messages per second since the previous sample of the same server.

    A restarted server (another id, or counters gone back) has no rate until
    its next sample: a negative or huge jump would be no rate at all.
    """
    if (
        previous is None
        or seconds <= 0
        or previous.server_id != stats.server_id
        or stats.in_msgs < previous.in_msgs
        or stats.out_msgs < previous.out_msgs
    ):
        return stats
    return replace(
        stats,
        in_msgs_rate=(stats.in_msgs - previous.in_msgs) / seconds,
        out_msgs_rate=(stats.out_msgs - previous.out_msgs) / seconds,
    )
