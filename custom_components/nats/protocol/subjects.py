"""Subject building and parsing with token validation (docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .errors import ProtocolError
from .platforms import PLATFORMS
from .tokens import TOKEN_RE, is_valid_prefix, is_valid_token

ENTITY_TOPICS: Final = frozenset({"state", "command", "event"})
PARSED_CACHE_SIZE: Final = 4096
"""Entity subjects whose parse is kept: a home's live entities, each seen again and again."""

__all__ = ["ENTITY_TOPICS", "EntitySubject", "Subjects", "is_valid_prefix", "is_valid_token"]


@dataclass(frozen=True, slots=True)
class EntitySubject:
    """A parsed `P.devices.<device>.<platform>.<entity>.<topic>` subject."""

    device_id: str
    platform: str
    entity_id: str
    topic: str


class Subjects:
    """All subjects of one home, built once for its prefix."""

    __slots__ = (
        "_built",
        "_devices_len",
        "_parsed",
        "announce",
        "announce_any",
        "credentials_any",
        "devices_prefix",
        "discovery_request",
        "event_any",
        "ha_status",
        "log_any",
        "prefix",
        "state_any",
        "status_any",
    )

    def __init__(self, prefix: str = "home") -> None:
        if not is_valid_prefix(prefix):
            raise ProtocolError(f"invalid subject prefix {prefix!r}")
        self.prefix = prefix
        self.announce = f"{prefix}.discovery.announce"
        self.announce_any = f"{prefix}.discovery.announce.*"
        self.discovery_request = f"{prefix}.discovery.request"
        self.ha_status = f"{prefix}.ha.status"
        self.devices_prefix = f"{prefix}.devices."
        self._devices_len = len(self.devices_prefix)
        self._parsed: dict[str, EntitySubject] = {}
        self._built: dict[tuple[str, str, str, str], str] = {}
        """Entity subjects built and validated before: every command and device state builds one."""
        self.status_any = f"{prefix}.devices.*.status"
        self.state_any = f"{prefix}.devices.*.*.*.state"
        self.event_any = f"{prefix}.devices.*.*.*.event"
        self.credentials_any = f"{prefix}.devices.*.credentials"
        self.log_any = f"{prefix}.devices.*.log"

    def announce_for(self, device_id: str) -> str:
        """Return the announce subject of one device."""
        return f"{self.announce}.{_checked(device_id)}"

    def status(self, device_id: str) -> str:
        """Return the heartbeat subject of one device."""
        return f"{self.devices_prefix}{_checked(device_id)}.status"

    def log(self, device_id: str) -> str:
        """Return the subject a device publishes its log lines on (protocol 1.6)."""
        return f"{self.devices_prefix}{_checked(device_id)}.log"

    def entity(self, device_id: str, platform: str, entity_id: str, topic: str) -> str:
        """Return a state, command or event subject of one entity."""
        key = (device_id, platform, entity_id, topic)
        if (built := self._built.get(key)) is not None:
            return built
        if platform not in PLATFORMS:
            raise ProtocolError(f"unknown platform {platform!r}")
        if topic not in ENTITY_TOPICS:
            raise ProtocolError(f"unknown entity topic {topic!r}")
        built = f"{self.devices_prefix}{_checked(device_id)}.{platform}.{_checked(entity_id)}.{topic}"
        if len(self._built) >= PARSED_CACHE_SIZE:
            self._built.clear()  # bounded, as the parse cache is
        self._built[key] = built
        return built

    def commands_of(self, device_id: str) -> str:
        """Return the wildcard a device subscribes to for its commands."""
        return f"{self.devices_prefix}{_checked(device_id)}.*.*.command"

    def credentials(self, device_id: str) -> str:
        """Return the subject a device's renewed credentials reach it on (operator mode)."""
        return f"{self.devices_prefix}{_checked(device_id)}.credentials"

    def announce_device(self, subject: str) -> str | None:
        """Return the device token of an announce subject ('' for the bare one).

        None means the subject is not an announce subject of this home.
        """
        if subject == self.announce:
            return ""
        head = self.announce + "."
        if not subject.startswith(head):
            return None
        return subject[len(head) :]

    def status_device(self, subject: str) -> str | None:
        """Return the device id of a heartbeat subject, or None."""
        if not subject.startswith(self.devices_prefix) or not subject.endswith(".status"):
            return None
        device_id = subject[self._devices_len : -len(".status")]
        return device_id if is_valid_token(device_id) else None

    def log_device(self, subject: str) -> str | None:
        """Return the device id of a log subject, or None."""
        if not subject.startswith(self.devices_prefix) or not subject.endswith(".log"):
            return None
        device_id = subject[self._devices_len : -len(".log")]
        return device_id if is_valid_token(device_id) else None

    def parse_entity(self, subject: str) -> EntitySubject | None:
        """Parse an entity subject of this home, or return None if it is not one.

        Every state message is parsed (the hot path of ingest): a subject seen
        before is looked up, not split and validated again.
        """
        if (known := self._parsed.get(subject)) is not None:
            return known
        parsed = self._parse_entity(subject)
        if parsed is not None:
            if len(self._parsed) >= PARSED_CACHE_SIZE:
                self._parsed.clear()  # bounded: a flood of distinct subjects only costs a re-parse
            self._parsed[subject] = parsed
        return parsed

    def _parse_entity(self, subject: str) -> EntitySubject | None:
        if not subject.startswith(self.devices_prefix):
            return None
        parts = subject[self._devices_len :].split(".")
        if len(parts) != 4:
            return None
        device_id, platform, entity_id, topic = parts
        if (
            platform not in PLATFORMS
            or topic not in ENTITY_TOPICS
            or not is_valid_token(device_id)
            or not is_valid_token(entity_id)
        ):
            return None
        return EntitySubject(device_id, platform, entity_id, topic)


def _checked(token: str) -> str:
    if not is_valid_token(token):
        raise ProtocolError(f"invalid id {token!r}: must match {TOKEN_RE.pattern}")
    return token
