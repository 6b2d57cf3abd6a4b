"""Python log records of a device, published on its log subject (docs/python-device.md, "Logs").

Opt in by adding the handler to a logger:

    handler = DeviceLogHandler(device, level=logging.INFO, rate=5)
    logging.getLogger("my_device").addHandler(handler)

A record becomes one line on `P.devices.<device>.log`. The handler never
raises into the code that logs and never waits: the line is published on
the device's event loop (from any thread), records above the rate or while
disconnected are dropped and counted in the next line's `dropped`, and
what nats-py itself logs while publishing a line is not published again.
"""

from __future__ import annotations

import asyncio
import contextlib
from contextvars import ContextVar
import logging
import threading
import time
from typing import TYPE_CHECKING, Final

from .codec import encode
from .device_logs import RateLimiter, level_of_record, log_line_payload

if TYPE_CHECKING:
    from .device import Device

__all__ = ["DeviceLogHandler"]

DEFAULT_RATE: Final = 5
"""Lines per second, and the burst allowed at once."""
_publishing: Final = ContextVar("nats_home_publishing_log_line", default=False)
"""Set in the task publishing a line: what is logged there is not published again."""


class DeviceLogHandler(logging.Handler):
    """A logging.Handler publishing records as the device's log lines, rate-limited."""

    def __init__(
        self,
        device: Device,
        level: int = logging.WARNING,
        *,
        rate: int = DEFAULT_RATE,
        period: float = 1.0,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """Publish records from `level` up, at most `rate` per `period` seconds.

        Create it on the device's event loop, or pass the loop.
        """
        super().__init__(level)
        self.device = device
        self.subject = device.subjects.log(device.id)
        self.limiter = RateLimiter(rate, period, time.monotonic)
        self._loop = loop or asyncio.get_running_loop()
        self._lock = threading.Lock()  # records may come from any thread

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the record's line for publishing; never raises, never blocks."""
        if _publishing.get():
            return  # logged while publishing a line (nats-py about that very publish)
        try:
            with self._lock:
                if not self.device.nc.is_connected:
                    self.limiter.dropped += 1  # said in the first line after reconnecting
                    return
                if not self.limiter.allow():
                    return
                dropped = self.limiter.take_dropped()
            message = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            level = level_of_record(record.levelno)
            line = log_line_payload(level, message, record.name, time=record.created, dropped=dropped)
            payload = encode(line)
            self._loop.call_soon_threadsafe(self._start_send, payload)
        except RuntimeError:  # the device's event loop is closed: nowhere to send it
            self.limiter.dropped += 1
        except Exception:  # noqa: BLE001 - logging must never fail the code that logs
            self.handleError(record)

    def _start_send(self, payload: bytes) -> None:
        self._loop.create_task(self._send(payload))

    async def _send(self, payload: bytes) -> None:
        _publishing.set(True)  # in this task's own context only
        with contextlib.suppress(Exception):  # closed or disconnected meanwhile: the line is lost
            await self.device.nc.publish(self.subject, payload)
