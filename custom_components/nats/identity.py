"""Where a home's devices and entities live in Home Assistant's registries: scoped to their config entry.

Two homes added to one Home Assistant may both have a device `kitchen`
(two prefixes in one account, or two accounts). Device identifiers and
entity unique ids therefore start with the config entry's id, so each home
gets its own device and entities, never one shared by both.

The entry id, not the entry's unique id (servers, prefix, user), is the
scope: the entry id never changes, while a reconfigure may move the home to
another server URL or user; devices, entity ids and history stay with it.
`:` separates the parts: entry ids are ULIDs and device ids tokens, neither
ever holds one.
"""

from __future__ import annotations

from typing import Final

from .const import DOMAIN
from .protocol.tokens import is_valid_token

SERVER_DEVICE: Final = "@server"
"""The device id part of the "NATS server" device: `@` is never in a device id, so no device can take it."""


def device_identifier(entry_id: str, device_id: str) -> tuple[str, str]:
    """Return the device registry identifier of a home's device."""
    return (DOMAIN, f"{entry_id}:{device_id}")


def server_identifier(entry_id: str) -> tuple[str, str]:
    """Return the device registry identifier of the NATS server a home connects to."""
    return device_identifier(entry_id, SERVER_DEVICE)


def device_id_of(entry_id: str, identifier: tuple[str, str]) -> str | None:
    """Return the device id an identifier names in this entry, or None (another entry's, the server)."""
    domain, value = identifier
    scope, _, device_id = value.partition(":")
    if domain != DOMAIN or scope != entry_id or not is_valid_token(device_id):
        return None
    return device_id


def unique_id(entry_id: str, device_id: str, kind: str, item_id: str) -> str:
    """Return the unique id of an entity of a device.

    `kind` is the platform of an announced entity, `config` for a setting's
    entity, `credentials` for Home Assistant's own credential buttons.
    """
    return f"{entry_id}:{device_id}:{kind}:{item_id}"
