"""Write pacing: many entities flooding at once are written a few times a second each, never late."""

from __future__ import annotations

import asyncio

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, EVENT_STATE_CHANGED, SERVICE_TURN_OFF, STATE_OFF
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback

from custom_components.nats import write_pacer
from custom_components.nats.write_pacer import MAX_WRITE_INTERVAL, MIN_WRITE_INTERVAL, WritePacer

from ...conftest import DeviceFactory
from ...nats_fixtures import until
from ...nats_server import NatsServer
from .conftest import ManualClock, wait_for


def test_interval_follows_how_many_entities_write() -> None:
    """The interval is the shortest while few write, grows with the writers, and is capped."""
    clock = ManualClock()
    pacer = WritePacer(clock)
    assert pacer.interval == MIN_WRITE_INTERVAL

    windows = [-1] * 5000
    for entity in range(300):  # 300 entities, each writing many times in one second
        for _ in range(5):
            windows[entity] = pacer.wrote(windows[entity])
    clock.now += 1.0
    windows[0] = pacer.wrote(windows[0])  # the next write closes the window
    assert pacer.interval == pytest.approx(300 / write_pacer.WRITE_BUDGET)

    for entity in range(5000):
        windows[entity] = pacer.wrote(windows[entity])
    clock.now += 1.0
    pacer.wrote(windows[0])
    assert pacer.interval == MAX_WRITE_INTERVAL

    clock.now += 10.0  # a quiet spell: one write after it
    pacer.wrote(windows[0])
    assert pacer.interval == MIN_WRITE_INTERVAL


def test_interval_grows_within_the_first_second_of_a_flood() -> None:
    """A flood is paced from its start: the interval grows as writers are counted, not a second later."""
    clock = ManualClock()
    pacer = WritePacer(clock)
    for _ in range(100):  # as many entities as the shortest interval allows: unchanged
        pacer.wrote(-1)
    assert pacer.interval == MIN_WRITE_INTERVAL
    clock.now += 0.05
    for _ in range(100, 1000):
        pacer.wrote(-1)
    assert pacer.interval == pytest.approx(1000 / write_pacer.WRITE_BUDGET)
    for _ in range(1000, 3000):
        pacer.wrote(-1)
    assert pacer.interval == MAX_WRITE_INTERVAL
    clock.now += 1.0  # a second with one writer ends: the interval shrinks
    pacer.wrote(-1)
    clock.now += 1.0
    pacer.wrote(-1)
    assert pacer.interval == MIN_WRITE_INTERVAL


async def test_many_flooding_entities_are_paced_and_end_on_their_last_state(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """40 sensors sending 40 states/s each for 3 s: 2-3 writes/s each, every last state shown.

    The budget is lowered to 80 writes/s, so 40 writers stretch the interval to
    0.5 s (the cap), as 1,000 would at the real budget.
    """
    monkeypatch.setattr(write_pacer, "WRITE_BUDGET", 80)
    count = 40
    entities = [
        {"platform": "sensor", "id": f"s{i}", "name": f"S{i}", "state_class": "measurement"}
        for i in range(count)
    ]
    await device_factory("meter", entities, heartbeat_interval=600)
    await wait_for(hass, lambda: hass.states.get(f"sensor.meter_s{count - 1}") is not None)
    pacer = setup_entry.runtime_data.hub.write_pacer
    paced: list[float] = []
    """When each write happened once the interval had grown."""

    @callback
    def _count(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"].startswith("sensor.meter_s") and pacer.interval > MIN_WRITE_INTERVAL:
            paced.append(hass.loop.time())

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, _count)
    flooder = await nats.connect(nats_server.url)
    rounds = 120
    try:
        for value in range(rounds):
            for i in range(count):
                await flooder.publish(f"home.devices.meter.sensor.s{i}.state", b'{"state":%d}' % value)
            await flooder.flush()
            await asyncio.sleep(0.025)
        await until(
            lambda: all(hass.states.get(f"sensor.meter_s{i}").state == str(rounds - 1) for i in range(count)),
            10,
        )
    finally:
        unsubscribe()
        await flooder.close()
    assert setup_entry.runtime_data.hub.counters.states_applied >= rounds * count
    # After a second of 40 writers the interval grows towards 0.5 s: from then on each
    # entity is written two or three times a second (plus its last, trailing write)
    # where 50 ms allowed 20; at most 4 a second is asserted, to leave a loaded machine room.
    assert paced, "the write interval never grew"
    span = paced[-1] - paced[0]
    assert span > 1.0
    assert len(paced) <= count * (span * 4 + 1), (len(paced), span)


async def test_a_confirmed_state_replaces_the_state_waiting_for_its_write(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """During a paced burst the latest state waits for its write; a command's confirmed state wins over it.

    The interval is set to 5 s, so the second state certainly waits; the
    command then confirms OFF, and ON (older) must not be what is written.
    """
    device = await device_factory("plug", [{"platform": "switch", "id": "relay"}], heartbeat_interval=600)
    await wait_for(hass, lambda: hass.states.get("switch.plug_relay") is not None)
    hub = setup_entry.runtime_data.hub
    hub.write_pacer.interval = 5.0
    await device.set_state("relay", "OFF")
    await wait_for(hass, lambda: hass.states.get("switch.plug_relay").state == STATE_OFF)
    applied = hub.counters.states_applied
    await device.set_state("relay", "ON")  # within the interval: it waits for the trailing write
    await wait_for(hass, lambda: hub.counters.states_applied > applied)
    assert hass.states.get("switch.plug_relay").state == STATE_OFF

    await hass.services.async_call(
        "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: "switch.plug_relay"}, blocking=True
    )

    assert hass.states.get("switch.plug_relay").state == STATE_OFF
