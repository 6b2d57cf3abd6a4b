"""What happened to one device lately, for its diagnostics: commands, availability, refused messages.

Each device keeps the last HISTORY_LENGTH of each kind (a bounded deque on
its DeviceRuntime, dropped with it), so a flooding device costs a fixed
amount of memory. Secrets are redacted when a command is recorded: a lock's
code never stays in memory, let alone reaches a diagnostics download.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .device_runtime import DeviceRuntime, EntityKey

HISTORY_LENGTH: Final = 20
"""Entries kept per device of each kind (commands, availability changes, refused messages)."""
SECRET_FIELDS: Final = frozenset({"code"})
"""Command fields never recorded: a lock's or an alarm panel's code."""
REDACTED: Final = "**REDACTED**"

# Outcomes of a command, as diagnostics name them.
OUTCOME_OK: Final = "ok"
OUTCOME_REFUSED: Final = "refused"
OUTCOME_EXPIRED: Final = "expired"
OUTCOME_TIMEOUT: Final = "timeout"
OUTCOME_NO_RESPONDERS: Final = "no_responders"
OUTCOME_INVALID_REPLY: Final = "invalid_reply"
OUTCOME_NOT_CONNECTED: Final = "not_connected"
OUTCOME_FAILED: Final = "failed"

# Why a device became available or unavailable.
REASON_ANNOUNCEMENT: Final = "announcement"
REASON_HEARTBEAT: Final = "heartbeat"
REASON_MESSAGE: Final = "message"
REASON_OFFLINE_HEARTBEAT: Final = "offline_heartbeat"
REASON_HEARTBEAT_MISSED: Final = "heartbeat_missed"
REASON_NO_RESPONDERS: Final = "no_responders"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def redact_command(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Return a command with its secret fields replaced."""
    return {key: REDACTED if key in SECRET_FIELDS else value for key, value in payload.items()}


@dataclass(slots=True, frozen=True)
class CommandRecord:
    """One command sent to an entity of the device, and what became of it."""

    at: str
    entity: str
    platform: str
    command: dict[str, Any]
    outcome: str
    error: str | None
    round_trip_ms: float | None
    traced: bool = False


@dataclass(slots=True, frozen=True)
class AvailabilityRecord:
    """One change of the device's availability and what caused it."""

    at: str
    available: bool
    reason: str


@dataclass(slots=True, frozen=True)
class RefusedRecord:
    """One message of the device the integration refused, and why."""

    at: str
    kind: str
    subject: str
    error: str


def _history[T]() -> deque[T]:
    return deque(maxlen=HISTORY_LENGTH)


@dataclass(slots=True, eq=False)
class DeviceHistory:
    """The last commands, availability changes and refused messages of one device."""

    commands: deque[CommandRecord] = field(default_factory=_history)
    availability: deque[AvailabilityRecord] = field(default_factory=_history)
    refused: deque[RefusedRecord] = field(default_factory=_history)

    def as_diagnostics(self) -> dict[str, Any]:
        """Return the history, oldest first, as diagnostics show it."""
        return {
            "commands": [asdict(record) for record in self.commands],
            "availability": [asdict(record) for record in self.availability],
            "refused_messages": [asdict(record) for record in self.refused],
        }


type CommandRecorder = Callable[[str, str | None, float | None, bool], None]
"""Called once per command with its outcome, error text, round-trip time (ms) and whether it was traced."""


def command_recorder(
    device: DeviceRuntime | None, key: EntityKey, payload: Mapping[str, Any]
) -> CommandRecorder | None:
    """Return what records a command's outcome in its device's history (None: device unknown)."""
    if device is None:
        return None
    platform, entity = key
    command = redact_command(payload)
    commands = device.history.commands

    def _record(outcome: str, error: str | None, round_trip_ms: float | None, traced: bool) -> None:
        commands.append(
            CommandRecord(_now(), entity, platform, command, outcome, error, round_trip_ms, traced)
        )

    return _record


def record_availability(device: DeviceRuntime) -> None:
    """Record the device's availability as it just changed, with the reason its liveness holds."""
    liveness = device.liveness
    device.history.availability.append(AvailabilityRecord(_now(), liveness.available, liveness.reason))


def record_refused(device: DeviceRuntime | None, kind: str, subject: str, error: object) -> None:
    """Record a message of a known device that was refused (kind: state, event, heartbeat, announcement)."""
    if device is not None:
        device.history.refused.append(RefusedRecord(_now(), kind, subject, str(error)))
