"""What one platform of the protocol is: the base every platform module fills in.

A platform module (protocol/platforms/<name>.py) owns everything about its
entities: the typed description it announces, the schema of that
description, its state and how to validate it, its command schema with a
builder for controllers, and how a device applies a command. The registry
in protocol/platforms/__init__.py derives everything else from these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

import probatio as vol

from .errors import CommandRejectedError, ProtocolError
from .validators import COMMAND_COMMON, COMMON_ENTITY, Validator


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityInfo:
    """What every announced entity has; equality tells whether it changed."""

    platform: str
    id: str
    name: str | None
    device_class: str | None = None
    category: str | None = None
    icon: str | None = None
    enabled_by_default: bool = True


def default_name(entity_id: str) -> str:
    """Return the name an entity announced without one gets ("living_room" -> "Living room")."""
    return entity_id.replace("_", " ").replace("-", " ").capitalize()


class Platform[I: EntityInfo, S]:
    """One platform; a subclass sets the class attributes and overrides what it has."""

    name: ClassVar[str]
    info_type: type[I]
    entity_fields: ClassVar[Mapping[Any, Any]] = {}
    """Schema of the announcement fields beyond the common ones."""
    command_fields: ClassVar[Mapping[Any, Any] | None] = None
    """Schema of a command beyond the expiry stamp; None: the platform takes no commands."""

    def __init__(self) -> None:
        """Build the schemas once."""
        self.entity_schema: Validator = vol.All(
            vol.Schema({**COMMON_ENTITY, **self.entity_fields}, extra=vol.REMOVE_EXTRA), self.check_entity
        )
        self.command_schema: Validator | None = (
            None
            if self.command_fields is None
            else vol.All(
                vol.Schema({**COMMAND_COMMON, **self.command_fields}, extra=vol.REMOVE_EXTRA),
                self.check_command,
            )
        )
        self._fields = {field.name: field.default for field in fields(self.info_type)}

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Refuse fields that contradict each other (after the schema); override to add rules."""
        return entity

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Refuse malformed combinations of fields (after the schema); override to add rules."""
        return command

    def describe(self, entity: dict[str, Any]) -> I:
        """Return the typed description of a validated announcement entity."""
        values: dict[str, Any] = {}
        for key, value in entity.items():
            if key not in self._fields:
                continue
            if value is None and self._fields[key] not in (None, MISSING):
                continue  # null: the field's default
            values[key] = tuple(value) if isinstance(value, list) else value
        if "name" not in entity:
            values["name"] = default_name(entity["id"])
        return self.info_type(**values)

    def parse_state(self, info: I, data: Mapping[str, Any]) -> S:
        """Validate a state object (its "state" key is present); raise ProtocolError."""
        raise ProtocolError(f"platform {self.name!r} has no state")

    def parse_event(self, info: I, data: Mapping[str, Any]) -> object:
        """Validate an event payload (the entity's `event` subject); raise ProtocolError."""
        raise ProtocolError(f"platform {self.name!r} has no events")

    def apply(
        self, info: I, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Apply a validated command as a simple device would: the new state payload.

        None means the command changes no state (a button press). Raises
        CommandRejectedError for a command the entity's capabilities refuse.
        """
        raise CommandRejectedError(f"{self.name} takes no commands")
