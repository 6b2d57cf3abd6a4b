"""Home Assistant fixtures: a NATS config entry set up against the real server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback

from custom_components.nats.const import (
    AUTH_OPERATOR,
    CONF_AUTH_METHOD,
    CONF_CREDENTIAL_LIFETIME,
    CONF_OPERATOR_BUNDLE,
    CONF_PREFIX,
    CONF_SERVERS,
    DOMAIN,
)
from nats_home.credentials_file import DeviceCredentials
from nats_home.device import Device
from nats_home.operator import HomeSetup, UserCredentials
from nats_home.permissions import device_inbox_prefix

from ...nats_fixtures import until
from ...nats_operator import operator_server
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
    try:
        async with asyncio.timeout(timeout):
            while True:
                await hass.async_block_till_done()
                if predicate():
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise TimeoutError(f"waited {timeout:g} s for {what or 'a condition'}") from None


async def open_options_settings(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Open the entry's options and choose Settings in their menu; return the settings form."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(result["flow_id"], {"next_step_id": "settings"})


class ManualClock:
    """A clock moved by hand (set `now`), for code that takes a `now` callable."""

    def __init__(self, now: float = 1000.0) -> None:
        """Start at `now` seconds."""
        self.now = now

    def __call__(self) -> float:
        """Return the time."""
        return self.now


def state_of(hass: HomeAssistant, entity_id: str) -> Callable[[], str | None]:
    """Return a reader of an entity's current state value."""

    def _read() -> str | None:
        state = hass.states.get(entity_id)
        return state.state if state else None

    return _read


async def remove_device_in_ui(
    hass: HomeAssistant, ws_client: WebSocketGenerator, entry_id: str, device_id: str
) -> bool:
    """Delete a device from the entry as its device page does; return whether Home Assistant allowed it.

    device_id is the device registry's id. The `config` component must be set up.
    """
    ws = await ws_client(hass)
    await ws.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "device_id": device_id,
            "config_entry_id": entry_id,
        }
    )
    return bool((await ws.receive_json())["success"])


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


# Operator (JWT) mode: a home whose server trusts its operator, an entry holding its bundle,
# and devices connected with credentials Home Assistant minted.


@pytest.fixture
def operator_home(tmp_path: Path) -> Iterator[tuple[NatsServer, HomeSetup]]:
    """nats-server with JetStream in operator mode for a fresh home (prefix `home`)."""
    server, setup = operator_server(tmp_path)
    yield server, setup
    server.stop()


@pytest.fixture
def credential_lifetime() -> int:
    """Seconds device credentials are minted for; a test parametrizes it to see renewals."""
    return 3600


@pytest.fixture
def operator_entry(operator_home: tuple[NatsServer, HomeSetup], credential_lifetime: int) -> MockConfigEntry:
    """A config entry in operator mode holding the home's bundle."""
    server, setup = operator_home
    return MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        unique_id=f"{server.url}/home",
        data={
            CONF_SERVERS: [server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: AUTH_OPERATOR,
            CONF_OPERATOR_BUNDLE: setup.bundle.to_json(),
        },
        options={CONF_CREDENTIAL_LIFETIME: credential_lifetime},
    )


@pytest.fixture
async def operator_setup(hass: HomeAssistant, operator_entry: MockConfigEntry) -> MockConfigEntry:
    """The operator-mode entry, loaded."""
    operator_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(operator_entry.entry_id)
    await hass.async_block_till_done()
    return operator_entry


@dataclass(slots=True)
class DeviceLink:
    """A device's connection and what the server told it (errors, disconnects, closing)."""

    errors: list[str] = field(default_factory=list)
    disconnects: int = 0
    closed: bool = False

    async def on_error(self, err: Exception) -> None:
        """nats-py's error callback."""
        self.errors.append(str(err))

    async def on_disconnected(self) -> None:
        """nats-py's disconnected callback."""
        self.disconnects += 1

    async def on_closed(self) -> None:
        """nats-py's closed callback."""
        self.closed = True


type DeviceStarter = Callable[..., Awaitable[tuple[Device, DeviceLink]]]


@pytest.fixture
async def start_device(
    operator_home: tuple[NatsServer, HomeSetup],
) -> AsyncIterator[DeviceStarter]:
    """Start library devices connected with their minted credentials; stopped at teardown.

    With `renewals` the device takes renewed JWTs (the library's DeviceCredentials);
    without, nothing listens on its credentials subject (firmware without renewal).
    """
    server, _ = operator_home
    started: list[Device] = []

    async def _start(
        device_id: str,
        creds: UserCredentials,
        *,
        renewals: bool = True,
        entities: list[dict[str, Any]] | None = None,
    ) -> tuple[Device, DeviceLink]:
        link = DeviceLink()
        held = DeviceCredentials(creds)
        client = await nats.connect(
            server.url,
            inbox_prefix=device_inbox_prefix(device_id),
            error_cb=link.on_error,
            disconnected_cb=link.on_disconnected,
            closed_cb=link.on_closed,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.2,
            **held.connect_options(),
        )
        device = Device(
            client,
            device_id,
            device_id.title(),
            entities or [{"platform": "sensor", "id": "temperature", "name": "Temperature", "unit": "°C"}],
            announce_jitter=0,
            credentials=held if renewals else None,
        )
        started.append(device)
        await device.start()
        return device, link

    yield _start
    for device in started:
        with contextlib.suppress(Exception):
            await device.stop(clean=False)
        # A device that renewed its credentials reconnects (device.py); nats-py's
        # close() in the middle of that reconnect raises CancelledError.
        with contextlib.suppress(TimeoutError):
            await until(lambda nc=device.nc: not nc.is_reconnecting, 5)
        await device.nc.close()
