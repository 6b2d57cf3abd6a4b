"""Hypothesis-generated hostile input against the running integration (real nats-server, real HA).

Each test starts one Home Assistant and one server, draws its cases up front
with hypothesis' engine (`strategies.generate`, seeded; the seed is in every
failure message, NATS_HOME_FUZZ_SEED=<seed> replays it), publishes them in
batches, lets the hub handle each batch (`harness.drain`) and then checks:

* nothing escaped a handler, no loop exception, no ERROR log (`Watch`);
* the registries hold exactly what the protocol layer (the oracle) accepted:
  no device or entity from invalid input;
* states, availability and command outcomes are what the oracle predicts;
* everything Home Assistant holds is still JSON-serialisable;
* Home Assistant still serves a well-behaved device (a command round trip
  and a state change).

CI size: 2,100 cases in all; NATS_HOME_LONG=1: 10,500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
import json
import logging
from typing import Any

from hypothesis import strategies as st
import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from custom_components.nats.const import DOMAIN
from custom_components.nats.hub import NatsHub
from custom_components.nats.identity import unique_id
from custom_components.nats.protocol.errors import ProtocolError
from custom_components.nats.protocol.payloads import (
    encode,
    parse_announcement,
    parse_heartbeat,
    parse_reply,
    parse_state,
    state_from_mapping,
)
from custom_components.nats.protocol.platform import EntityInfo
from custom_components.nats.protocol.platforms.light import LightState
from nats_home.device import Device

from ..conftest import DeviceFactory
from ..nats_server import NatsServer
from .harness import Watch, drain, registry_snapshot, unserializable
from .strategies import (
    LONG_RUN,
    encoded,
    fuzz_seed,
    generate,
    json_value,
    mutated,
    odd_text,
    protocol_text,
    valid_announcement,
    valid_heartbeat,
    valid_light_state,
    valid_reply,
)

SCALE = 5 if LONG_RUN else 1
BATCH = 100
pytestmark = pytest.mark.timeout(600 if LONG_RUN else 120)

GOOD = [
    {"platform": "switch", "id": "relay", "name": "Relay"},
    {"platform": "sensor", "id": "level", "name": "Level", "unit": "%"},
]

# The fuzz target of the state and reply tests: one entity of every kind.
TARGET = [
    {"platform": "sensor", "id": "temp", "name": "Temp", "unit": "°C", "state_class": "measurement"},
    {"platform": "sensor", "id": "text", "name": "Text"},
    {"platform": "sensor", "id": "stamp", "name": "Stamp", "device_class": "timestamp"},
    {"platform": "sensor", "id": "day", "name": "Day", "device_class": "date"},
    {"platform": "binary_sensor", "id": "motion", "name": "Motion"},
    {"platform": "switch", "id": "relay", "name": "Relay"},
    {"platform": "light", "id": "lamp", "name": "Lamp", "color_modes": ["onoff"]},
    {"platform": "light", "id": "dimmer", "name": "Dimmer", "color_modes": ["brightness"]},
    {"platform": "light", "id": "strip", "name": "Strip", "color_modes": ["color_temp", "rgb"]},
    {"platform": "number", "id": "target", "name": "Target", "min": -50, "max": 50, "step": 0.5},
    {"platform": "select", "id": "mode", "name": "Mode", "options": ["eco", "comfort", "日本語", "x" * 64]},
    {"platform": "button", "id": "bell", "name": "Bell"},
]

# Exceptions of open, reported bugs that the oracle may raise: such cases are
# counted as "known bug" and not sent, so a suite keeps guarding everything
# else until the fix. Empty: the bugs found so far are fixed (test_regressions.py).
KNOWN_BUG_EXCEPTIONS: tuple[type[BaseException], ...] = ()


def _oracle[T](parse: Any, raw: bytes) -> tuple[str, T | None]:
    """Classify a case with the protocol layer: ('valid', model), ('invalid', None) or ('known bug', None)."""
    try:
        return "valid", parse()
    except ProtocolError:
        return "invalid", None
    except KNOWN_BUG_EXCEPTIONS:
        return "known bug", None


@dataclass
class Arena:
    """One Home Assistant with the NATS entry, a well-behaved device and a raw publisher."""

    hass: HomeAssistant
    entry: MockConfigEntry
    hub: NatsHub
    good: Device
    pub: Client
    watch: Watch
    seed: int
    server: NatsServer
    rounds: int = 0

    async def publish_all(self, cases: list[tuple[str, bytes]]) -> None:
        """Publish (subject, payload) cases in order, then wait until the hub has handled them."""
        for subject, payload in cases:
            await self.pub.publish(subject, payload)
        await drain(self.hass, self.watch, self.pub)

    async def assert_healthy(self, what: str) -> None:
        """No problem seen, everything serialisable and the good device still served."""
        context = f"{what} (seed {self.seed})"
        self.watch.assert_clean(context)
        assert unserializable(self.hass, self.entry.entry_id) == [], context
        self.rounds += 1
        service = SERVICE_TURN_ON if self.rounds % 2 else SERVICE_TURN_OFF
        await self.hass.services.async_call(
            "switch", service, {ATTR_ENTITY_ID: "switch.good_relay"}, blocking=True
        )
        expected = "ON" if service == SERVICE_TURN_ON else "OFF"
        assert self.good.commands[-1] == ("relay", {"state": expected}), context
        assert self.hass.states.get("switch.good_relay").state == expected.lower(), context
        await self.good.set_state("level", self.rounds)
        await drain(self.hass, self.watch, self.good.nc)
        assert self.hass.states.get("sensor.good_level").state == str(self.rounds), context
        self.watch.forget_logs()


@pytest.fixture
async def arena(
    hass: HomeAssistant,
    watch: Watch,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
) -> AsyncIterator[Arena]:
    """The arena, with the good device's entities in Home Assistant."""
    good = await device_factory("good", GOOD, heartbeat_interval=600)
    pub = await nats.connect(nats_server.url, max_reconnect_attempts=0)
    try:
        hub = setup_entry.runtime_data.hub
        await drain(hass, watch, good.nc)
        assert hass.states.get("switch.good_relay") is not None
        seed = fuzz_seed()
        print(f"fuzz seed {seed} (replay with NATS_HOME_FUZZ_SEED={seed})")  # noqa: T201
        yield Arena(hass, setup_entry, hub, good, pub, watch, seed, nats_server)
    finally:
        await pub.close()


def _batches[T](cases: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(cases), BATCH):
        yield cases[start : start + BATCH]


# Announcements


ANNOUNCE_IDS = ("fa", "fb", "fc")
"""Valid announcements reuse a few ids, so devices are re-announced, changed and shrunk."""

weird_token = st.one_of(
    st.sampled_from(["", "UPPER", "a" * 65, "é", "a\x00b", "-", "_", "0", "a" * 64, "fz\x7f"]),
    st.text(
        st.characters(exclude_categories=["Cc", "Cs", "Zs", "Zl", "Zp"], exclude_characters=".*>"),
        min_size=1,
        max_size=70,
    ),
)


@st.composite
def announce_case(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """(subject token, '' = bare subject; subject; payload) of a mostly hostile announcement."""
    kind = draw(st.sampled_from(["valid", "mutated", "mutated", "mutated", "raw", "bare", "wrong_subject"]))
    ident = draw(st.sampled_from(ANNOUNCE_IDS))
    base = valid_announcement(device_id=ident)
    if kind == "valid":
        return ident, f"home.discovery.announce.{ident}", encode(draw(base))
    if kind == "bare":
        bare = valid_announcement(device_id="fbare")
        payload = draw(st.one_of(bare, mutated(bare)))
        return "", "home.discovery.announce", encode(payload) if isinstance(payload, dict) else b"[]"
    if kind == "wrong_subject":
        token = draw(weird_token)
        if not token:  # the bare subject is another subscription: no order with the per-device one
            return "", "home.discovery.announce", draw(encoded(valid_announcement("fbare")))
        return token, f"home.discovery.announce.{token}", draw(encoded(st.one_of(base, mutated(base))))
    if kind == "raw":
        return ident, f"home.discovery.announce.{ident}", draw(encoded(json_value))
    return ident, f"home.discovery.announce.{ident}", draw(encoded(mutated(base)))


async def test_fuzz_announcements(arena: Arena) -> None:
    """Hostile announcements create nothing; valid ones create exactly what they announce."""
    hass, entry = arena.hass, arena.entry
    cases = generate(announce_case(), 500 * SCALE, arena.seed)
    assert len(cases) >= 450 * SCALE, len(cases)
    allowed_devices = {"good"}
    allowed_entities = {f"good:{e['platform']}:{e['id']}" for e in GOOD}
    last: dict[str, set[str]] = {}
    counts = {"valid": 0, "invalid": 0, "known bug": 0}
    for batch in _batches(cases):
        to_send = []
        for token, subject, raw in batch:
            verdict, device = _oracle(lambda raw=raw, token=token: parse_announcement(raw, token), raw)
            counts[verdict] += 1
            if verdict == "known bug":
                continue
            to_send.append((subject, raw))
            if device is not None:
                allowed_devices.add(device.id)
                uids = {f"{device.id}:{e.platform}:{e.id}" for e in device.entities}
                allowed_entities |= uids
                last[device.id] = uids
        await arena.publish_all(to_send)
        arena.watch.assert_clean(f"announcements (seed {arena.seed})")
        devices, entities = registry_snapshot(hass, entry.entry_id)
        assert devices <= allowed_devices, f"devices from invalid input (seed {arena.seed})"
        assert entities <= allowed_entities, f"entities from invalid input (seed {arena.seed})"
        for device_id, uids in last.items():
            mine = {uid for uid in entities if uid.startswith(f"{device_id}:")}
            assert mine == uids, (
                f"{device_id}: registry {mine} != last announcement {uids} (seed {arena.seed})"
            )
        await arena.assert_healthy("announcements")
    print(f"announcement cases: {counts}")  # noqa: T201
    assert counts["valid"] >= 20 * SCALE
    assert counts["invalid"] >= 250 * SCALE


# States


def _render(description: EntityInfo, value: object) -> str:
    """The Home Assistant state string the oracle's value should produce."""
    platform = description.platform
    if platform == "light":
        assert isinstance(value, LightState)
        return STATE_UNKNOWN if value.state is None else value.state.lower()
    if value is None:
        return STATE_UNKNOWN
    if platform in ("switch", "binary_sensor"):
        return str(value).lower()
    return str(value)


def _matches(description: EntityInfo, value: object, shown: str) -> bool:
    expected = _render(description, value)
    if shown == expected:
        return True
    if isinstance(value, (int, float)) and shown not in (STATE_UNKNOWN, STATE_UNAVAILABLE):
        # Decimal, not float: HA shows the largest double rounded up past it ("1.79769313486232e+308").
        return abs(Decimal(shown) - Decimal(value)) <= max(
            abs(Decimal(value)) * Decimal("1e-6"), Decimal("1e-12")
        )
    if description.device_class in ("timestamp", "date") and isinstance(value, str):
        return shown != STATE_UNAVAILABLE  # parsed by HA; unknown when unparsable
    return False


def _state_payloads(description: dict[str, Any]) -> st.SearchStrategy[Any]:
    platform = description["platform"]
    if platform == "light":
        return st.one_of(valid_light_state, mutated(valid_light_state))
    good_values: st.SearchStrategy[Any]
    if platform in ("switch", "binary_sensor"):
        good_values = st.sampled_from(["ON", "OFF", None])
    elif platform == "select":
        good_values = st.sampled_from([*description["options"], None])
    elif platform == "number" or "unit" in description:
        good_values = st.one_of(st.none(), st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6))
    elif description.get("device_class") == "timestamp":
        good_values = st.sampled_from(["2026-11-25T08:00:00+00:00", "2026-11-25T08:00:00", "yesterday"])
    elif description.get("device_class") == "date":
        good_values = st.sampled_from(["2026-11-25", "2026-13-01", "soon"])
    else:
        good_values = st.one_of(st.none(), protocol_text(max_size=255), odd_text)
    good_state = st.builds(lambda v: {"state": v}, good_values)
    return st.one_of(
        good_state,
        good_state,
        st.builds(lambda v: {"state": v}, json_value),
        mutated(st.builds(lambda v: {"state": v}, good_values)),
    )


@st.composite
def state_case(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """(target entity id or '', subject, payload)."""
    kind = draw(st.sampled_from(["target"] * 8 + ["unannounced", "wrong_platform"]))
    entity = draw(st.sampled_from(TARGET))
    if kind == "unannounced":
        device = draw(st.sampled_from(["ghost", "good", "fz"]))
        token = draw(st.sampled_from(["nosuch", "fz", "good"]))
        subject = f"home.devices.{device}.{entity['platform']}.{token}.state"
        return "", subject, draw(encoded(_state_payloads(entity)))
    if kind == "wrong_platform":
        other = draw(
            st.sampled_from([p for p in ("sensor", "switch", "light", "number") if p != entity["platform"]])
        )
        return "", f"home.devices.fz.{other}.{entity['id']}.state", draw(encoded(_state_payloads(entity)))
    return (
        entity["id"],
        f"home.devices.fz.{entity['platform']}.{entity['id']}.state",
        draw(encoded(_state_payloads(entity))),
    )


async def test_fuzz_states(arena: Arena, device_factory: DeviceFactory) -> None:
    """Hostile states change nothing; each entity shows the last valid state; each bad one is logged."""
    hass, hub = arena.hass, arena.hub
    target = await device_factory("fz", TARGET, heartbeat_interval=3600)
    await drain(hass, arena.watch, target.nc)
    registry = er.async_get(hass)
    entity_ids = {
        e["id"]: registry.async_get_entity_id(
            e["platform"], DOMAIN, unique_id(arena.entry.entry_id, "fz", e["platform"], e["id"])
        )
        for e in TARGET
    }
    assert all(entity_ids.values()), entity_ids
    descriptions = {d.id: d for d in hub.devices["fz"].announcement.entities}
    before_devices, before_entities = registry_snapshot(hass, arena.entry.entry_id)

    cases = generate(state_case(), 700 * SCALE, arena.seed)
    assert len(cases) >= 600 * SCALE, len(cases)
    # Repeats of a warning within a minute are logged at debug (log_limiter.py).
    arena.watch.caplog.set_level(logging.DEBUG, logger="custom_components.nats.hub")
    expected: dict[str, object] = {}
    counts = {"valid": 0, "invalid": 0, "known bug": 0, "ignored": 0}
    for batch in _batches(cases):
        to_send = []
        rejected_subjects: list[str] = []
        for target, subject, raw in batch:
            if not target or (target == "bell"):
                counts["ignored"] += 1
                to_send.append((subject, raw))
                if target == "bell":
                    verdict, _ = _oracle(lambda raw=raw: parse_state(descriptions["bell"], raw), raw)
                    if verdict == "known bug":
                        to_send.pop()
                    elif verdict == "invalid":
                        rejected_subjects.append(subject)
                continue
            verdict, value = _oracle(
                lambda raw=raw, target=target: parse_state(descriptions[target], raw), raw
            )
            counts[verdict] += 1
            if verdict == "known bug":
                continue
            to_send.append((subject, raw))
            if verdict == "valid":
                expected[target] = value
            else:
                rejected_subjects.append(subject)
        arena.watch.forget_logs()
        handled_before = arena.watch.handled
        await arena.publish_all(to_send)
        handled = arena.watch.handled - handled_before
        warnings = [
            record.getMessage()
            for record in arena.watch.caplog.records
            if record.name == "custom_components.nats.hub"
            and record.levelno in (logging.WARNING, logging.DEBUG)
            and record.getMessage().startswith("Ignoring state on ")
        ]
        assert len(warnings) == len(rejected_subjects), (
            f"one log line per rejected state (seed {arena.seed}); sent {len(to_send)}, handled {handled}, "
            f"client errors {arena.watch.client_errors[-3:]}"
        )
        for target, value in expected.items():
            shown = hass.states.get(entity_ids[target]).state
            assert _matches(descriptions[target], value, shown), (
                f"{target}: shows {shown!r}, last valid state {value!r} (seed {arena.seed})"
            )
        assert registry_snapshot(hass, arena.entry.entry_id) == (before_devices, before_entities)
        await arena.assert_healthy("states")
    print(f"state cases: {counts}")  # noqa: T201
    assert counts["valid"] >= 25 * SCALE
    assert counts["invalid"] >= 200 * SCALE


# Heartbeats


@st.composite
def heartbeat_case(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """(device id the hub may track or '', subject, payload)."""
    kind = draw(st.sampled_from(["fz"] * 6 + ["unannounced", "weird"]))
    payload = draw(encoded(st.one_of(valid_heartbeat, mutated(valid_heartbeat), json_value)))
    if kind == "fz":
        return "fz", "home.devices.fz.status", payload
    if kind == "unannounced":
        return "", "home.devices.ghost.status", draw(encoded(valid_heartbeat))
    token = draw(weird_token) or "x"
    return "", f"home.devices.{token}.status", payload


async def test_fuzz_heartbeats(arena: Arena, device_factory: DeviceFactory) -> None:
    """Availability follows the last valid heartbeat; others change nothing, track nobody."""
    hass, hub = arena.hass, arena.hub
    target = await device_factory("fz", TARGET[:2], heartbeat_interval=3600)
    await drain(hass, arena.watch, target.nc)
    cases = generate(heartbeat_case(), 300 * SCALE, arena.seed)
    assert len(cases) >= 250 * SCALE, len(cases)
    counts = {"valid": 0, "invalid": 0, "known bug": 0, "ignored": 0}
    last_online: bool | None = None
    last_interval = 3600
    history: list[str] = []
    for batch in _batches(cases):
        to_send = []
        for device, subject, raw in batch:
            if device != "fz":
                counts["ignored"] += 1
                to_send.append((subject, raw))
                continue
            verdict, heartbeat = _oracle(lambda raw=raw: parse_heartbeat(raw), raw)
            counts[verdict] += 1
            if verdict == "known bug":
                continue
            to_send.append((subject, raw))
            if heartbeat is not None:
                history.append(f"{heartbeat.online}/{heartbeat.interval}")
            if heartbeat is not None:
                last_online = heartbeat.online
                if heartbeat.online:
                    last_interval = heartbeat.interval
        await arena.publish_all(to_send)
        assert set(hub.devices) == {"good", "fz"}, f"seed {arena.seed}"
        liveness = hub.devices["fz"].liveness
        assert liveness.window == last_interval * 2.5, f"seed {arena.seed}"
        if last_online is False:
            assert not liveness.available, f"seed {arena.seed}, last valid heartbeats {history[-5:]}"
        elif last_online is True and hass.loop.time() - liveness.last_seen < liveness.window:
            assert liveness.available, f"seed {arena.seed}"
        shown = hass.states.get("sensor.fz_temp").state
        assert (shown == STATE_UNAVAILABLE) == (not liveness.available), f"seed {arena.seed}"
        await arena.assert_healthy("heartbeats")
    print(f"heartbeat cases: {counts}")  # noqa: T201
    # Minimums sit well below what random seeds give (30-50 valid): they only
    # catch a generator that stopped producing the kind of case at all.
    assert counts["valid"] >= 10 * SCALE
    assert counts["invalid"] >= 60 * SCALE


# Command replies

REPLY_TARGETS = {
    "relay": ("switch", SERVICE_TURN_ON, "switch.fz_relay", {}),
    "strip": ("light", SERVICE_TURN_ON, "light.fz_strip", {"brightness": 10}),
    "mode": ("select", "select_option", "select.fz_mode", {"option": "eco"}),
    "target": ("number", "set_value", "number.fz_target", {"value": 1}),
    "bell": ("button", "press", "button.fz_bell", {}),
}

reply_case = st.tuples(
    st.sampled_from(sorted(REPLY_TARGETS)),
    encoded(
        st.one_of(
            valid_reply,
            mutated(valid_reply),
            st.fixed_dictionaries({"ok": st.just(True), "state": st.one_of(valid_light_state, json_value)}),
            json_value,
        )
    ),
)


async def test_fuzz_command_replies(arena: Arena, nats_server: NatsServer) -> None:
    """Every reply gives success or a HomeAssistantError exactly as the oracle predicts."""
    device = await nats.connect(nats_server.url)
    try:
        await _run_reply_cases(arena, device)
    finally:
        await device.close()


async def _run_reply_cases(arena: Arena, device: Client) -> None:
    hass, hub = arena.hass, arena.hub
    replies: list[bytes] = []

    async def _respond(msg: Msg) -> None:
        await msg.respond(replies.pop(0))

    await device.subscribe("home.devices.fz.*.*.command", cb=_respond)
    await device.publish(
        "home.discovery.announce.fz", encode({"v": 1, "id": "fz", "name": "Fz", "entities": TARGET})
    )
    await device.publish("home.devices.fz.status", encode({"v": 1, "online": True, "interval": 3600}))
    await drain(hass, arena.watch, device)
    descriptions = {d.id: d for d in hub.devices["fz"].announcement.entities}

    cases = generate(reply_case, 300 * SCALE, arena.seed)
    assert len(cases) >= 250 * SCALE, len(cases)
    counts = {"ok": 0, "ok with state": 0, "error": 0, "known bug": 0}
    for index, (target, raw) in enumerate(cases):
        platform, service, entity_id, data = REPLY_TARGETS[target]
        verdict, reply = _oracle(lambda raw=raw: parse_reply(raw), raw)
        applied: object = None
        has_state = False
        if reply is not None and reply.ok and reply.state is not None:
            state_verdict, applied = _oracle(
                lambda state=reply.state, target=target: state_from_mapping(descriptions[target], state), b""
            )
            has_state = state_verdict == "valid" and target != "bell"
            if state_verdict == "known bug":
                verdict = "known bug"
        if verdict == "known bug":
            counts["known bug"] += 1
            continue
        before = hass.states.get(entity_id).state
        replies.append(raw)
        try:
            await hass.services.async_call(
                platform, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
            )
        except HomeAssistantError as err:
            failure: HomeAssistantError | None = err
        else:
            failure = None
        if failure is not None:
            assert reply is None or not reply.ok, (
                f"case {index}: {raw[:200]!r} failed: {failure} (seed {arena.seed})"
            )
            counts["error"] += 1
            if platform != "button":  # a button's state is the time of its last press, failed or not
                assert hass.states.get(entity_id).state == before, f"case {index} (seed {arena.seed})"
        else:
            assert reply is not None, (
                f"case {index}: invalid reply {raw[:200]!r} succeeded (seed {arena.seed})"
            )
            assert reply.ok, f"case {index}: refusal {raw[:200]!r} succeeded (seed {arena.seed})"
            counts["ok with state" if has_state else "ok"] += 1
            if has_state:
                shown = hass.states.get(entity_id).state
                assert _matches(descriptions[target], applied, shown), (
                    f"case {index}: shows {shown!r} after reply state {applied!r} (seed {arena.seed})"
                )
        assert not replies
        if index % BATCH == BATCH - 1:
            await arena.assert_healthy("replies")
    await arena.assert_healthy("replies")
    print(f"reply cases: {counts}")  # noqa: T201
    assert counts["error"] >= 50 * SCALE
    assert counts["ok"] + counts["ok with state"] >= 15 * SCALE


# Subjects

_ok_payloads = {
    "announce": lambda token: encode(
        {"v": 1, "id": token, "name": "X", "entities": [{"platform": "switch", "id": "s"}]}
    ),
    "status": lambda _token: encode({"v": 1, "online": True, "interval": 5}),
    "state": lambda _token: encode({"state": "ON"}),
}


@st.composite
def subject_case(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid payload on a subject with odd tokens, depth or platform."""
    token = draw(weird_token) or "x"
    other = draw(st.one_of(weird_token, st.sampled_from(["s", "switch", "state", "status"]))) or "y"
    shape = draw(st.sampled_from(["announce", "status", "state", "state", "deep", "short"]))
    if shape == "announce":
        return f"home.discovery.announce.{token}", _ok_payloads["announce"](token)
    if shape == "status":
        return f"home.devices.{token}.status", _ok_payloads["status"](token)
    if shape == "state":
        platform = draw(st.sampled_from(["switch", "Switch", "sensor", "event", other]))
        entity = draw(st.sampled_from([token, "s", other]))
        topic = draw(st.sampled_from(["state", "command", "event", other]))
        device = draw(st.sampled_from([token, "sub", other]))
        return f"home.devices.{device}.{platform}.{entity}.{topic}", _ok_payloads["state"](token)
    if shape == "deep":
        return f"home.devices.{token}.switch.s.state.{other}", _ok_payloads["state"](token)
    return f"home.devices.{token}.state", _ok_payloads["state"](token)


async def test_fuzz_subjects(arena: Arena, device_factory: DeviceFactory) -> None:
    """Valid payloads on subjects with invalid tokens or shapes create and change nothing."""
    hass = arena.hass
    sub = await device_factory("sub", [{"platform": "switch", "id": "s"}], heartbeat_interval=3600)
    await sub.set_state("s", "OFF")
    await drain(hass, arena.watch, sub.nc)
    before = registry_snapshot(hass, arena.entry.entry_id)
    cases = generate(subject_case(), 300 * SCALE, arena.seed)
    assert len(cases) >= 250 * SCALE, len(cases)
    valid_tokens = set()
    for batch in _batches(cases):
        to_send = []
        for subject, raw in batch:
            parts = subject.split(".")
            if parts[:3] == ["home", "discovery", "announce"] and len(parts) == 4:
                _, device = _oracle(lambda raw=raw, token=parts[3]: parse_announcement(raw, token), raw)
                if device is not None:
                    valid_tokens.add(device.id)
            if subject == "home.devices.sub.switch.s.state" or (
                subject.startswith("home.devices.sub.") and subject.endswith(".command")
            ):
                continue  # a valid state of, or a command to, the valid entity: not hostile
            to_send.append((subject, raw))
        await arena.publish_all(to_send)
        devices, entities = registry_snapshot(hass, arena.entry.entry_id)
        assert devices - before[0] <= valid_tokens, f"seed {arena.seed}"
        assert {uid.split(":")[0] for uid in entities - before[1]} <= valid_tokens, f"seed {arena.seed}"
        assert hass.states.get("switch.sub_s").state == STATE_OFF, f"seed {arena.seed}"
        await arena.assert_healthy("subjects")
    assert all(len(token) <= 64 and token == token.lower() for token in valid_tokens)
    assert hass.states.get("switch.sub_s").state != STATE_ON
    print(f"subject cases: {len(cases)}, valid device tokens among them: {len(valid_tokens)}")  # noqa: T201
    json.dumps(sorted(valid_tokens))
