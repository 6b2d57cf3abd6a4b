"""Home Assistant fixtures: a NATS config entry set up against the real server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN

from ...nats_server import NatsServer


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/nats."""


@pytest.fixture(params=[True, False], ids=["jetstream", "core-nats"])
def nats_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server, once with JetStream and once without: each Home Assistant test runs on both.

    With JetStream the integration keeps and restores devices; without it,
    everything else must work exactly the same (issue 11). A test of
    retention itself is marked `jetstream` and runs only with it.
    """
    if not request.param and request.node.get_closest_marker("jetstream"):
        pytest.skip("needs JetStream")
    server = NatsServer(tmp_path, jetstream=request.param)
    server.start()
    yield server
    server.stop()


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


def record_silences(
    hass: HomeAssistant, entry: MockConfigEntry, device_id: str, entity_id: str
) -> tuple[list[float], Callable[[], None]]:
    """Record how long the device had been silent each time the entity turns unavailable.

    Measured by the hub's clock at that moment: the test's own clock, waking late
    on a busy machine, would shorten the silence it sees. Returns the list that
    fills and the callable that stops recording.
    """
    liveness = entry.runtime_data.hub.devices[device_id].liveness
    silences: list[float] = []

    @callback
    def _on_state_changed(event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if (
            event.data["entity_id"] == entity_id
            and new_state is not None
            and new_state.state == STATE_UNAVAILABLE
        ):
            silences.append(hass.loop.time() - liveness.last_seen)

    return silences, hass.bus.async_listen(EVENT_STATE_CHANGED, _on_state_changed)
