"""Rate-limited warnings about messages: one device repeating a mistake writes one line a minute."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
import logging
import re
from typing import Final

WARNING_INTERVAL: Final = 60.0
"""Seconds between two warnings of the same (subject, reason)."""
MAX_KEYS: Final = 1024
"""(subject, reason) pairs remembered; the least recently seen is forgotten first."""

_VALUES: Final = re.compile(r"(at '[^']*')|'[^']*'|\"[^\"]*\"|\d+")


def reason_key(reason: str) -> str:
    """Return a reason without the values it quotes, so varying bad values count as one reason.

    "option 'x' was not announced" and "option 'y' was not announced" are the
    same mistake; the path of a schema error ("at 'entities[0].icon'") is kept.
    """
    head = reason.split(". Got ", 1)[0]
    return _VALUES.sub(lambda match: match.group(1) or "…", head)


@dataclass(slots=True)
class _Seen:
    warned_at: float
    suppressed: int = 0


class LogLimiter:
    """Logs the first warning of each (subject, reason) at once, then at most one per interval.

    Repeats in between are logged at debug level and counted; the next warning
    says how many there were.
    """

    def __init__(
        self,
        logger: logging.Logger,
        clock: Callable[[], float],
        *,
        interval: float = WARNING_INTERVAL,
        max_keys: int = MAX_KEYS,
    ) -> None:
        """Warn through logger, timing with clock (seconds, monotonic)."""
        self._logger = logger
        self._clock = clock
        self._interval = interval
        self._max_keys = max_keys
        self._seen: OrderedDict[tuple[str, str], _Seen] = OrderedDict()

    def warning(self, subject: str, reason: str, msg: str, *args: object) -> None:
        """Log msg % args as a warning unless (subject, reason) was warned about recently."""
        key = (subject, reason_key(reason))
        now = self._clock()
        seen = self._seen.get(key)
        if seen is not None:
            self._seen.move_to_end(key)
            if now - seen.warned_at < self._interval:
                seen.suppressed += 1
                self._logger.debug(msg, *args)
                return
            if seen.suppressed:
                self._logger.warning(
                    "%s (%d more like it on this subject in the last %.0f s, logged at debug level)",
                    msg % args,
                    seen.suppressed,
                    now - seen.warned_at,
                )
            else:
                self._logger.warning(msg, *args)
            seen.warned_at, seen.suppressed = now, 0
            return
        self._seen[key] = _Seen(now)
        if len(self._seen) > self._max_keys:
            self._seen.popitem(last=False)
        self._logger.warning(msg, *args)
