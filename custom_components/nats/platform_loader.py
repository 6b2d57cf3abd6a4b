"""Home Assistant platforms set up when a device first announces one, not all at set-up.

A home with lights and sensors loads two platforms, not every platform the
protocol has (as core's esphome and mqtt integrations do).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
import logging

from homeassistant.config_entries import ConfigEntryState, OperationNotAllowed
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)


class PlatformLoader:
    """Forwards the entry to each platform once; unloads what was loaded."""

    def __init__(self, hass: HomeAssistant, entry: NatsConfigEntry) -> None:
        self._hass = hass
        self._entry = entry
        self._lock = asyncio.Lock()
        self.loaded: set[Platform] = set()
        # A device may announce while the entry is still being set up; its
        # platforms are forwarded once set-up has finished, as Home Assistant
        # requires of forwards made outside async_setup_entry.
        self._set_up = asyncio.Event()
        self._set_up_reached()
        entry.async_on_unload(entry.async_on_state_change(self._set_up_reached))

    def _set_up_reached(self) -> None:
        if self._entry.state is not ConfigEntryState.SETUP_IN_PROGRESS:
            self._set_up.set()

    async def async_ensure(self, names: Iterable[str]) -> None:
        """Set up the platforms not set up yet; concurrent callers wait for the same set-up."""
        wanted = {Platform(name) for name in names}
        if wanted <= self.loaded:
            return
        await self._set_up.wait()
        async with self._lock:
            if needed := wanted - self.loaded:
                try:
                    await self._hass.config_entries.async_forward_entry_setups(self._entry, needed)
                except OperationNotAllowed:
                    # The entry is being unloaded: its entities are going anyway.
                    _LOGGER.debug("Not setting up %s: the entry is unloading", sorted(needed))
                    return
                self.loaded |= needed

    async def async_set_up_now(self, names: Iterable[str]) -> None:
        """Set up platforms from within the entry's own set-up (restored entities), without waiting for it."""
        async with self._lock:
            if needed := {Platform(name) for name in names} - self.loaded:
                await self._hass.config_entries.async_forward_entry_setups(self._entry, needed)
                self.loaded |= needed

    async def async_unload(self) -> bool:
        """Unload every platform that was set up."""
        async with self._lock:
            unloaded = await self._hass.config_entries.async_unload_platforms(self._entry, self.loaded)
            if unloaded:
                self.loaded.clear()
            return unloaded
