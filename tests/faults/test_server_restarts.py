"""nats-server killed and restarted again and again while Home Assistant keeps sending commands.

Every command carries a distinct value, so its fate is known exactly:

* succeeded: the call returned and the device applied that value;
* failed clearly: the call raised HomeAssistantError (offline, timeout, not connected);
* skipped by Home Assistant: the entity was unavailable, so HA core did not
  call the integration at all (it logs "not currently available"); the loop
  then also drives the hub's command path directly, as a racing call would;
* silently lost: returned without error but never reached the device, or
  raised anything but HomeAssistantError. Must be 0.

After each restart the device's entities must be available again within two
heartbeat intervals. CI: 20 restarts; NATS_HOME_LONG=1: 100.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import contextlib
import random
import signal
import time

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT

from ..conftest import DeviceFactory
from ..fuzz.harness import Watch
from ..fuzz.strategies import LONG_RUN
from ..nats_fixtures import until
from ..nats_server import NatsServer

RESTARTS = 100 if LONG_RUN else 20
HEARTBEAT = 2
"""Seconds between the test device's heartbeats; recovery must take at most two of them."""
ENTITY = "number.faulty_dial"


def _available(hass: HomeAssistant) -> bool:
    state = hass.states.get(ENTITY)
    return state is not None and state.state != STATE_UNAVAILABLE


def _kill(server: NatsServer, rng: random.Random) -> str:
    """Stop the server abruptly (SIGKILL) or gracefully (SIGTERM, lame duck skipped)."""
    process = server.process
    assert process is not None
    how = rng.choice(["kill", "term"])
    process.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
    process.wait(timeout=10)
    server.process = None
    return how


@pytest.mark.timeout(900 if LONG_RUN else 120)
async def test_restarts_during_command_loop(
    hass: HomeAssistant,
    watch: Watch,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
) -> None:
    """No command is silently lost; entities recover within two heartbeat intervals."""
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 1.0})
    device = await device_factory(
        "faulty",
        [{"platform": "number", "id": "dial", "name": "Dial", "min": 0, "max": 10**6, "step": 1}],
        heartbeat_interval=HEARTBEAT,
    )
    hub = setup_entry.runtime_data.hub
    await until(lambda: _available(hass), 10)

    counts: Counter[str] = Counter()
    lost: list[str] = []
    stop = asyncio.Event()

    async def _command_loop() -> None:
        value = 0
        while not stop.is_set():
            value += 1
            available = _available(hass)
            try:
                if available:
                    await hass.services.async_call(
                        "number",
                        SERVICE_SET_VALUE,
                        {ATTR_ENTITY_ID: ENTITY, ATTR_VALUE: value},
                        blocking=True,
                    )
                else:
                    await hub.async_command("faulty", ("number", "dial"), {"value": value})
            except HomeAssistantError as err:
                counts["failed with HomeAssistantError"] += 1
                counts[f"  {err.translation_key or type(err).__name__}"] += 1
                if ("dial", {"value": value}) in device.commands:
                    counts["  of which reached the device anyway (reply lost)"] += 1
            except Exception as err:  # noqa: BLE001 - any other error is a finding
                lost.append(f"{value}: raised {err!r}")
            else:
                if ("dial", {"value": value}) in device.commands:
                    counts["succeeded" if available else "succeeded via the hub (entity unavailable)"] += 1
                elif available:
                    # HA core skips an entity that became unavailable after our check.
                    shown = hass.states.get(ENTITY)
                    if shown is not None and shown.state == STATE_UNAVAILABLE:
                        counts["skipped by Home Assistant (entity unavailable)"] += 1
                    else:
                        lost.append(f"{value}: returned without error, never reached the device")
                else:
                    lost.append(f"{value}: hub call returned without error, never reached the device")
            await asyncio.sleep(0.01)

    rng = random.Random(RESTARTS)  # noqa: S311 (reproducible timing, not security)
    loop_task = hass.async_create_background_task(_command_loop(), "fault command loop")
    recoveries: list[float] = []
    kinds: Counter[str] = Counter()
    started = time.monotonic()
    try:
        for _ in range(RESTARTS):
            await asyncio.sleep(rng.uniform(0.2, 0.8))
            kinds[_kill(nats_server, rng)] += 1
            await asyncio.sleep(rng.uniform(0.05, 1.5))
            await hass.async_add_executor_job(nats_server.start)
            up = time.monotonic()
            # Generous timeout; the recovery time is asserted against 2 intervals below.
            await until(
                lambda: hub.connected and device.nc.is_connected and _available(hass), 2 * HEARTBEAT + 5
            )
            recoveries.append(time.monotonic() - up)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(loop_task, timeout=5)

    total = sum(v for k, v in counts.items() if not k.startswith(" ")) + len(lost)
    print(  # noqa: T201
        f"\n{RESTARTS} restarts ({dict(kinds)}) in {time.monotonic() - started:.1f} s; {total} commands:\n"
        + "\n".join(f"  {name}: {count}" for name, count in sorted(counts.items()))
        + f"\n  silently lost: {len(lost)}"
        + f"\nrecovery after restart: max {max(recoveries):.2f} s, mean {sum(recoveries) / len(recoveries):.2f} s"
        f" (bound {2 * HEARTBEAT} s)"
    )
    assert lost == [], lost[:10]
    assert counts["succeeded"] > RESTARTS, counts
    assert max(recoveries) <= 2 * HEARTBEAT, recoveries
    # nats-py itself logs each dropped connection at ERROR; the integration must not.
    problems = [p for p in watch.problems() if not p.startswith("ERROR log: nats.")]
    assert problems == [], problems[:10]
    # The device saw every command exactly once: no duplicate delivery after reconnects.
    values = [command["value"] for _, command in device.commands]
    assert len(values) == len(set(values))


async def test_connection_errors_are_not_kept_forever(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """After the first connect, reconnect errors are reported, not accumulated."""
    hub = setup_entry.runtime_data.hub
    assert hub.client is not None
    record = hub.client._error_cb
    cells = [cell.cell_contents for cell in record.__closure__ or ()]
    seen = next(value for value in cells if isinstance(value, list))
    before = len(seen)
    for _ in range(3):
        nats_server.stop()
        await until(lambda: not hub.connected, 10)
        await asyncio.sleep(1.2)  # at least one failed reconnect attempt
        await hass.async_add_executor_job(nats_server.start)
        await until(lambda: hub.connected, 10)
    assert len(seen) == before, f"{len(seen) - before} errors kept: {seen[-3:]!r}"
