"""Who may publish and subscribe to what: the permission model of a home (docs/security.md).

Written once here and used by every way of enforcing it (the plain
nats-server configuration `nats_home.authz` prints, and the user JWTs
`nats_home.credentials` mints in operator mode). A device may use only subjects that carry its own id; Home
Assistant's user gets what the integration needs and no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from .config_settings import bucket_name, device_subjects, stream_name
from .subjects import Subjects

__all__ = [
    "TRACE_INBOX_PREFIX",
    "Permissions",
    "device_inbox_prefix",
    "device_permissions",
    "home_assistant_permissions",
    "stream_names",
]


TRACE_INBOX_PREFIX: Final = "_INBOX.TRACE"
"""Where Home Assistant has nats-server's message traces sent (docs/protocol.md, Message tracing).

The server drops a traced message whose sender may not publish to the trace
destination, so Home Assistant's user may publish below it. Upper case: no
device's inbox (`_INBOX.<device>`, a lower-case id) can be there."""


@dataclass(frozen=True, slots=True)
class Permissions:
    """Subjects one NATS user may publish and subscribe to, and whether it may answer requests."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    allow_responses: bool = False

    def as_server_config(self) -> dict[str, Any]:
        """Return the permissions as nats-server's `permissions` map holds them."""
        config: dict[str, Any] = {"publish": list(self.publish), "subscribe": list(self.subscribe)}
        if self.allow_responses:
            config["allow_responses"] = True
        return config

    def as_jwt_claims(self) -> dict[str, Any]:
        """Return the permissions as a user JWT's `nats` claim holds them."""
        claims: dict[str, Any] = {
            "pub": {"allow": list(self.publish)},
            "sub": {"allow": list(self.subscribe)},
        }
        if self.allow_responses:
            # max 1 reply per request; ttl 0 lets the server use its default (2 minutes).
            claims["resp"] = {"max": 1, "ttl": 0}
        return claims


def device_inbox_prefix(device_id: str) -> str:
    """Return the reply inbox prefix a device connects with: `_INBOX.<device>`.

    A device may subscribe only below it, so it never sees the replies meant
    for another device or for Home Assistant. With nats-py:
    `nats.connect(..., inbox_prefix=device_inbox_prefix(device_id))`.
    """
    Subjects().announce_for(device_id)  # validates the id
    return f"_INBOX.{device_id}"


def stream_names(prefix: str) -> tuple[str, str, str]:
    """Return a home's JetStream streams: retained announcements, retained states, the settings bucket."""
    home = bucket_name(prefix).removeprefix("NATS_HOME_").removesuffix("_CONFIG")
    return f"NATS_HOME_{home}_DEVICES", f"NATS_HOME_{home}_STATES", stream_name(bucket_name(prefix))


def device_permissions(prefix: str, device_id: str) -> Permissions:
    """Return exactly what one device needs: its own subjects, its own settings, its own replies."""
    subjects = Subjects(prefix)
    bucket = bucket_name(prefix)
    return Permissions(
        publish=(
            subjects.announce_for(device_id),
            f"{subjects.devices_prefix}{device_id}.>",
            # Direct gets of its own settings (docs/protocol.md, Device configuration).
            f"$JS.API.DIRECT.GET.{stream_name(bucket)}.$KV.{bucket}.{device_id}.>",
        ),
        subscribe=(
            subjects.commands_of(device_id),
            subjects.credentials(device_id),  # renewed credentials (operator mode)
            subjects.discovery_request,
            subjects.ha_status,
            device_subjects(bucket, device_id),
            f"{device_inbox_prefix(device_id)}.>",
        ),
        allow_responses=True,  # answers commands and discovery requests
    )


def home_assistant_permissions(prefix: str) -> Permissions:
    """Return what Home Assistant's user needs: the controller's subjects and its JetStream calls.

    JetStream calls are limited to the home's own streams: reading, creating
    and updating them (replicas), purging a removed device, and the
    consumers that read retained messages and watch the settings bucket.
    """
    subjects = Subjects(prefix)
    bucket = bucket_name(prefix)
    streams = stream_names(prefix)
    stream_calls = [
        f"$JS.API.STREAM.{call}.{stream}"
        for stream in streams
        for call in ("INFO", "CREATE", "UPDATE", "PURGE")
    ]
    consumer_calls = [
        call
        for stream in streams
        for call in (
            f"$JS.API.CONSUMER.CREATE.{stream}",
            f"$JS.API.CONSUMER.CREATE.{stream}.>",
            f"$JS.API.CONSUMER.INFO.{stream}.*",  # the settings watch checks its consumer
            f"$JS.API.CONSUMER.DELETE.{stream}.*",
        )
    ]
    return Permissions(
        publish=(
            subjects.ha_status,
            subjects.discovery_request,
            f"{subjects.devices_prefix}*.*.*.command",
            subjects.credentials_any,  # delivering renewed credentials (operator mode)
            *stream_calls,
            *consumer_calls,
            f"$JS.API.DIRECT.GET.{streams[2]}.>",  # reading a setting back after a conflict
            f"$KV.{bucket}.>",  # writing settings (compare-and-set)
            f"{TRACE_INBOX_PREFIX}.>",  # the destination of a traced command (nats.trace_command)
        ),
        subscribe=(
            subjects.announce,
            subjects.announce_any,
            subjects.status_any,
            subjects.state_any,
            subjects.event_any,
            subjects.log_any,  # device log lines (protocol 1.6)
            "_INBOX.>",  # command replies, discovery answers, JetStream replies and deliveries
        ),
    )
