"""Server health: polls nats-server's monitoring endpoint and raises repairs for long outages.

Only when the user gave the endpoint's URL (option `monitoring_url`); the
home works the same without it. A leaf link to the hub or JetStream that
stays down for REPAIR_AFTER becomes a repair issue, deleted when it is back:
a short blip (the hub restarting) is no repair, and while the endpoint
cannot be read nothing is known, so nothing is raised or cleared.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
import logging
import time
from typing import TYPE_CHECKING, Any, Final

import aiohttp

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN
from .server_stats import NotMonitoringError, ServerStats, parse_varz, with_rates

if TYPE_CHECKING:
    from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)

SCAN_INTERVAL: Final = timedelta(seconds=30)
REPAIR_AFTER = timedelta(minutes=5)
"""How long the leaf link or JetStream must stay down before a repair issue (tests shorten it)."""
REQUEST_TIMEOUT: Final = 10.0
PROBLEMS: Final = ("leaf_down", "jetstream_down")


class MonitoringError(Exception):
    """The monitoring endpoint could not be read; `reason` is the options form's error key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


async def async_fetch_stats(hass: HomeAssistant, url: str) -> ServerStats:
    """Read /varz from the monitoring endpoint at `url` (http://host:8222)."""
    session = async_get_clientsession(hass)
    try:
        async with session.get(
            f"{url.rstrip('/')}/varz", timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        ) as response:
            response.raise_for_status()
            varz: Any = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError) as err:
        raise MonitoringError("monitoring_unreachable", str(err) or type(err).__name__) from err
    except ValueError as err:  # not JSON: another web server
        raise MonitoringError("monitoring_not_nats", "the answer is not JSON") from err
    if not isinstance(varz, dict):
        raise MonitoringError("monitoring_not_nats", "the answer is not a JSON object")
    try:
        return parse_varz(varz)
    except NotMonitoringError as err:
        raise MonitoringError("monitoring_not_nats", str(err)) from err


def issue_id(problem: str, entry_id: str) -> str:
    """Return the repair issue id of a problem of one entry's server."""
    return f"server_{problem}_{entry_id}"


class ServerHealthCoordinator(DataUpdateCoordinator[ServerStats]):
    """Polls the server's health every SCAN_INTERVAL for the "NATS server" device's entities."""

    config_entry: NatsConfigEntry

    def __init__(self, hass: HomeAssistant, entry: NatsConfigEntry, url: str) -> None:
        """Poll `url`; nothing is read before the first refresh."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"NATS server health ({entry.title})",
            update_interval=SCAN_INTERVAL,
        )
        self.url = url.rstrip("/")
        self._previous: tuple[ServerStats, float] | None = None
        self._jetstream_seen = False
        self.down_since: dict[str, float] = {}
        """Monotonic time each problem was first seen in a row of samples."""
        entry.async_on_unload(self._delete_issues)

    async def _async_update_data(self) -> ServerStats:
        try:
            stats = await async_fetch_stats(self.hass, self.url)
        except MonitoringError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="monitoring_unreachable",
                translation_placeholders={"url": self.url, "error": str(err)},
            ) from err
        now = time.monotonic()
        if self._previous is not None:
            stats = with_rates(stats, self._previous[0], now - self._previous[1])
        self._previous = (stats, now)
        self._track_problems(stats, now)
        return stats

    def _track_problems(self, stats: ServerStats, now: float) -> None:
        # JetStream counts as down only on a server that had it: a home without
        # JetStream works, just without retention, and is no problem.
        self._jetstream_seen |= stats.jetstream_enabled
        down = {
            "leaf_down": stats.leaf_up is False,
            "jetstream_down": self._jetstream_seen and not stats.jetstream_enabled,
        }
        for problem, is_down in down.items():
            if not is_down:
                self.down_since.pop(problem, None)
                ir.async_delete_issue(self.hass, DOMAIN, issue_id(problem, self.config_entry.entry_id))
                continue
            since = self.down_since.setdefault(problem, now)
            if now - since >= REPAIR_AFTER.total_seconds():
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id(problem, self.config_entry.entry_id),
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=f"server_{problem}",
                    translation_placeholders={
                        "server": stats.server_name,
                        "minutes": str(max(1, round((now - since) / 60))),
                    },
                )

    def _delete_issues(self) -> None:
        """Delete the issues: an unloaded entry watches nothing, so they would never clear."""
        for problem in PROBLEMS:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id(problem, self.config_entry.entry_id))

    def as_diagnostics(self) -> dict[str, Any]:
        """Return the last sample and whether the last poll succeeded."""
        data: ServerStats | None = self.data  # None until a poll succeeds
        return {
            "monitoring_url": self.url,
            "last_update_success": self.last_update_success,
            "stats": {**asdict(data), "leaf_up": data.leaf_up} if data is not None else None,
            "down_for_seconds": {
                problem: round(time.monotonic() - since, 1) for problem, since in self.down_since.items()
            },
        }
