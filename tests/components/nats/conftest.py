"""Home Assistant fixtures: a NATS config entry set up against the real server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN

from ...nats_server import NatsServer


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/nats."""


@pytest.fixture
def config_entry(nats_server: NatsServer) -> MockConfigEntry:
    """A config entry for the test server, prefix `home`, no authentication."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        unique_id=f"{nats_server.url}/home",
        data={CONF_SERVERS: [nats_server.url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"},
    )


@pytest.fixture
async def setup_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The config entry, loaded."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


async def wait_for(
    hass: HomeAssistant, predicate: Callable[[], Any], timeout: float = 5.0, what: str = ""
) -> None:
    """Wait until predicate() is true; messages arrive over a real socket."""
    async with asyncio.timeout(timeout):
        while True:
            await hass.async_block_till_done()
            if predicate():
                return
            await asyncio.sleep(0.02)


def state_of(hass: HomeAssistant, entity_id: str) -> Callable[[], str | None]:
    """Return a reader of an entity's current state value."""

    def _read() -> str | None:
        state = hass.states.get(entity_id)
        return state.state if state else None

    return _read


type Waiter = Callable[..., Awaitable[None]]
