"""Devices' own log lines (`P.devices.<device>.log`, protocol 1.6) where a user looks for them.

Each line is written to Home Assistant's log under a logger per device,
`custom_components.nats.device.<device id>`, at the line's level; fires a
`nats_device_log` event an automation can use; and is kept with the
device's recent lines for its diagnostics download (recent_lines). Memory
is bounded: a few lines per device, a few hundred devices. A device that
floods is limited here too, whatever it does itself.
"""

from __future__ import annotations

from collections import OrderedDict, deque
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.util import dt as dt_util

from .protocol.device_logs import LogLine, RateLimiter, parse_log_line
from .protocol.errors import ProtocolError
from .protocol.transport import NatsMsg
from .runtime import NatsRuntimeData

if TYPE_CHECKING:
    from .hub import NatsHub

_LOGGER = logging.getLogger(__name__)

EVENT_DEVICE_LOG: Final = "nats_device_log"
RECENT_LINES: Final = 50
"""Lines kept per device for its diagnostics."""
MAX_DEVICES: Final = 256
"""Devices whose lines are kept; the one heard from least recently is forgotten first."""
LINES_PER_SECOND: Final = 20
"""What Home Assistant takes from one device; more is dropped and counted in the next line."""
DEVICE_LOGGER: Final = f"{__package__}.device"
"""Parent of the per-device loggers: `logger: logs: custom_components.nats.device.kitchen: debug`."""

__all__ = ["DEVICE_LOGGER", "EVENT_DEVICE_LOG", "DeviceLogs", "recent_lines"]


class DeviceLogs:
    """Receives one home's device log lines; the hub subscribes async_on_message to `P.devices.*.log`."""

    def __init__(self, hub: NatsHub) -> None:
        """Keep lines for the devices of this hub."""
        self._hub = hub
        self._lines: OrderedDict[str, deque[dict[str, Any]]] = OrderedDict()
        self._limiters: dict[str, RateLimiter] = {}

    def recent(self, device_id: str) -> list[dict[str, Any]]:
        """Return a device's recent lines, oldest first."""
        return list(self._lines.get(device_id, ()))

    async def async_on_message(self, msg: NatsMsg) -> None:
        """Log, keep and fire one line; a malformed one is dropped with a (rate-limited) warning."""
        hub = self._hub
        device_id = hub.subjects.log_device(msg.subject)
        if device_id is None:
            _LOGGER.debug("Ignoring a log line on malformed subject %s", msg.subject)
            return
        try:
            line = parse_log_line(msg.data)
        except ProtocolError as err:
            hub.log_limiter.warning(
                msg.subject, str(err), "Device %s: ignoring log line on %s: %s", device_id, msg.subject, err
            )
            return
        device = hub.devices.get(device_id)
        if device is not None:
            hub.availability.heard(device.liveness)
        limiter = self._limiter(device_id)
        if not limiter.allow():
            return
        dropped = line.dropped + limiter.take_dropped()
        kept = {**line.as_dict(), "received": dt_util.utcnow().isoformat()}
        if dropped:
            kept["dropped"] = dropped
        self._keep(device_id, kept)
        _log(device_id, line, dropped)
        registry_entry = device.device_entry if device is not None else None
        hub.hass.bus.async_fire(
            EVENT_DEVICE_LOG,
            {
                "device_id": registry_entry.id if registry_entry is not None else None,
                "nats_device_id": device_id,
                "level": line.level,
                "tag": line.tag,
                "message": line.message,
                "dropped": dropped,
                **({"time": line.time} if line.time is not None else {}),
            },
        )

    def _limiter(self, device_id: str) -> RateLimiter:
        limiter = self._limiters.get(device_id)
        if limiter is None:
            limiter = RateLimiter(LINES_PER_SECOND, 1.0, self._hub.hass.loop.time)
            self._limiters[device_id] = limiter
        return limiter

    def _keep(self, device_id: str, line: dict[str, Any]) -> None:
        lines = self._lines.get(device_id)
        if lines is None:
            lines = self._lines[device_id] = deque(maxlen=RECENT_LINES)
            if len(self._lines) > MAX_DEVICES:
                forgotten, _ = self._lines.popitem(last=False)
                self._limiters.pop(forgotten, None)
        else:
            self._lines.move_to_end(device_id)
        lines.append(line)


def _log(device_id: str, line: LogLine, dropped: int) -> None:
    """Write the line to Home Assistant's log under the device's own logger."""
    logger = logging.getLogger(f"{DEVICE_LOGGER}.{device_id}")
    if not logger.isEnabledFor(line.python_level):
        return
    where = f"[{line.tag}] " if line.tag else ""
    if dropped:
        logger.log(line.python_level, "%s%s (%d earlier lines dropped)", where, line.message, dropped)
    else:
        logger.log(line.python_level, "%s%s", where, line.message)


def recent_lines(hub_or_runtime: NatsHub | NatsRuntimeData, device_id: str) -> list[dict[str, Any]]:
    """Return a device's recent log lines, oldest first, for its diagnostics download.

    Each is {"level", "tag", "message", "received"} and, when the device said
    so, "time" (its own clock) and "dropped" (lines lost before this one).
    """
    hub = hub_or_runtime.hub if isinstance(hub_or_runtime, NatsRuntimeData) else hub_or_runtime
    return hub.device_logs.recent(device_id)
