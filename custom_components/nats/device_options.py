"""The command timeout and heartbeat tolerance that hold for one device: its own, else the entry's.

Most devices answer within the entry's timeout and heartbeat on time. A
device behind a slow radio bridge, or one that sleeps between heartbeats,
gets its own values (Configure → Device options) without loosening them for
the whole home. Both apply without a reload: the timeout from the next
command, the tolerance from the device's next heartbeat or announcement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .const import (
    AVAILABILITY_FACTOR,
    CONF_COMMAND_TIMEOUT,
    CONF_DEVICE_OPTIONS,
    CONF_HEARTBEAT_TOLERANCE,
    DEFAULT_COMMAND_TIMEOUT,
)

DEVICE_KEYS = (CONF_COMMAND_TIMEOUT, CONF_HEARTBEAT_TOLERANCE)


def _own(options: Mapping[str, Any], device_id: str) -> Mapping[str, Any]:
    own: Mapping[str, Any] = options.get(CONF_DEVICE_OPTIONS, {}).get(device_id, {})
    return own


def command_timeout(options: Mapping[str, Any], device_id: str | None = None) -> float:
    """Seconds to wait for the device (or, without one, any device) to confirm a command."""
    own = _own(options, device_id) if device_id is not None else {}
    return float(own.get(CONF_COMMAND_TIMEOUT, options.get(CONF_COMMAND_TIMEOUT, DEFAULT_COMMAND_TIMEOUT)))


def heartbeat_tolerance(options: Mapping[str, Any], device_id: str | None = None) -> float:
    """Heartbeat intervals of silence after which the device (or any device) counts as unavailable."""
    own = _own(options, device_id) if device_id is not None else {}
    return float(
        own.get(CONF_HEARTBEAT_TOLERANCE, options.get(CONF_HEARTBEAT_TOLERANCE, AVAILABILITY_FACTOR))
    )


def with_device_options(
    options: Mapping[str, Any], device_id: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the entry's options with one device's own values set; a value left out follows the entry."""
    own = {key: values[key] for key in DEVICE_KEYS if values.get(key) is not None}
    devices = {key: value for key, value in options.get(CONF_DEVICE_OPTIONS, {}).items() if key != device_id}
    if own:
        devices[device_id] = own
    new = {key: value for key, value in options.items() if key != CONF_DEVICE_OPTIONS}
    if devices:
        new[CONF_DEVICE_OPTIONS] = devices
    return new
