"""The nats.publish and nats.request actions against a real nats-server and nats-py peers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.script import Script

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from nats_home.authz import UserEntry, render, users

from ...nats_fixtures import server_has_everything
from ...nats_server import NatsServer
from .conftest import wait_for


async def _connect(url: str, clients: list[Client], **kwargs: Any) -> Client:
    client = await nats.connect(url, **kwargs)
    clients.append(client)
    return client


async def _subscriber(url: str, clients: list[Client], subject: str) -> tuple[Client, list[Msg]]:
    """A nats-py client recording what arrives on subject, subscribed before it returns."""
    client = await _connect(url, clients)
    received: list[Msg] = []

    async def _record(msg: Msg) -> None:
        received.append(msg)

    await client.subscribe(subject, cb=_record)
    await server_has_everything(client)
    return client, received


async def _responder(url: str, clients: list[Client], subject: str, answer: Any) -> list[Msg]:
    """A nats-py client answering requests on subject with answer(msg) -> (payload, headers)."""
    client = await _connect(url, clients)
    requests: list[Msg] = []

    async def _answer(msg: Msg) -> None:
        requests.append(msg)
        data, headers = answer(msg)
        await msg.respond(data) if headers is None else await client.publish(msg.reply, data, headers=headers)

    await client.subscribe(subject, cb=_answer)
    await server_has_everything(client)
    return requests


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, return_response=response)


async def test_publish_text_json_and_headers(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    _, received = await _subscriber(nats_server.url, clients, "garden.>")

    await _call(hass, "publish", {"subject": "garden.sprinkler.start", "payload": "now"})
    await _call(
        hass,
        "publish",
        {
            "subject": "garden.sprinkler.plan",
            "payload": {"minutes": 10, "zones": [1, 2]},
            "headers": {"source": "ha"},
        },
    )
    await _call(hass, "publish", {"subject": "garden.ping"})
    await wait_for(hass, lambda: len(received) == 3)

    assert (received[0].subject, received[0].data) == ("garden.sprinkler.start", b"now")
    assert json.loads(received[1].data) == {"minutes": 10, "zones": [1, 2]}
    assert received[1].headers == {"source": "ha"}
    assert received[2].data == b""


async def test_publish_renders_templates_in_a_script(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    """A template in the payload renders as in any action; one rendering a mapping is sent as JSON."""
    _, received = await _subscriber(nats_server.url, clients, "garden.>")
    hass.states.async_set("sensor.rain", "3.5")
    sequence = cv.SCRIPT_SCHEMA(
        [
            {
                "action": "nats.publish",
                "data": {"subject": "garden.rain", "payload": "rain {{ states('sensor.rain') }} mm"},
            },
            {
                "action": "nats.publish",
                "data": {
                    "subject": "garden.rain.json",
                    "payload": "{{ {'mm': states('sensor.rain') | float} }}",
                },
            },
        ]
    )
    await Script(hass, sequence, "test", DOMAIN).async_run(context=Context())
    await wait_for(hass, lambda: len(received) == 2)

    assert received[0].data == b"rain 3.5 mm"
    assert json.loads(received[1].data) == {"mm": 3.5}


async def test_request_returns_the_reply(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    requests = await _responder(
        nats_server.url,
        clients,
        "garden.weather.forecast",
        lambda msg: (
            json.dumps({"days": json.loads(msg.data)["days"], "rain": True}).encode(),
            {"unit": "mm"},
        ),
    )
    await _responder(nats_server.url, clients, "garden.hello", lambda msg: (b"hello " + msg.data, None))

    response = await _call(
        hass,
        "request",
        {"subject": "garden.weather.forecast", "payload": {"days": 2}, "headers": {"from": "ha"}},
        response=True,
    )
    assert response == {
        "payload": '{"days": 2, "rain": true}',
        "json": {"days": 2, "rain": True},
        "headers": {"unit": "mm"},
    }
    assert requests[0].headers == {"from": "ha"}

    text = await _call(hass, "request", {"subject": "garden.hello", "payload": "there"}, response=True)
    assert text == {"payload": "hello there", "headers": {}}  # not JSON: no `json`

    # Called without asking for the response (a script step that only needs the answer to come).
    assert await _call(hass, "request", {"subject": "garden.hello", "payload": "again"}) is None
    assert [msg.data for msg in requests] == [b'{"days":2}']


async def test_request_errors(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "request", {"subject": "garden.nobody"}, response=True)
    assert err.value.translation_key == "action_no_responders"
    assert err.value.translation_placeholders == {"subject": "garden.nobody"}

    silent = await _connect(nats_server.url, clients)

    async def _ignore(msg: Msg) -> None:
        pass

    await silent.subscribe("garden.silent", cb=_ignore)
    await server_has_everything(silent)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "request", {"subject": "garden.silent", "timeout": 0.3}, response=True)
    assert err.value.translation_key == "action_timeout"
    assert err.value.translation_placeholders == {"subject": "garden.silent", "timeout": "0.3"}


async def test_payload_larger_than_the_server_takes(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """nats-server takes 1 MiB by default; nats-py refuses more before sending."""
    big = "x" * (2 * 1024 * 1024)
    for service in ("publish", "request"):
        with pytest.raises(HomeAssistantError) as err:
            await _call(
                hass, service, {"subject": "garden.big", "payload": big}, response=service == "request"
            )
        assert err.value.translation_key == "action_payload_too_large"
        assert err.value.translation_placeholders == {"subject": "garden.big", "size": str(len(big))}


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("garden.*", "wildcards"),
        ("garden.>", "wildcards"),
        ("garden..x", "empty token"),
        ("a b", "whitespace"),
    ],
)
async def test_invalid_subjects_are_refused(
    hass: HomeAssistant, setup_entry: MockConfigEntry, subject: str, problem: str
) -> None:
    for service in ("publish", "request"):
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, service, {"subject": subject}, response=service == "request")
        assert err.value.translation_key == "action_invalid_subject"
        assert problem in err.value.translation_placeholders["problem"]


async def test_not_connected(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    hub = setup_entry.runtime_data.hub
    nats_server.stop()
    try:
        await wait_for(hass, lambda: not hub.connected)
        for service in ("publish", "request"):
            with pytest.raises(HomeAssistantError) as err:
                await _call(hass, service, {"subject": "garden.x"}, response=service == "request")
            assert err.value.translation_key == "action_not_connected"
            assert err.value.translation_placeholders == {"subject": "garden.x", "entry": "NATS (home)"}
    finally:
        nats_server.start()


async def test_entry_must_be_named_when_several_are_loaded(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    other = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (cabin)",
        unique_id=f"{nats_server.url}/cabin",
        data={CONF_SERVERS: [nats_server.url], CONF_PREFIX: "cabin", CONF_AUTH_METHOD: "none"},
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    _, received = await _subscriber(nats_server.url, clients, "garden.>")

    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "publish", {"subject": "garden.x"})
    assert err.value.translation_key == "entry_required"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "publish", {"subject": "garden.x", "config_entry_id": "nope"})
    assert err.value.translation_key == "entry_not_loaded"

    await _call(
        hass, "publish", {"subject": "garden.x", "payload": "cabin", "config_entry_id": other.entry_id}
    )
    await wait_for(hass, lambda: len(received) == 1)
    assert received[0].data == b"cabin"


# A server running the generated authorization: Home Assistant's user may not publish to `garden.>`.


@pytest.fixture
def authz_users() -> list[UserEntry]:
    """Home Assistant's generated user, with a fresh password."""
    return users("home", [])


@pytest.fixture
def authz_server(tmp_path: Path, authz_users: list[UserEntry]) -> Iterator[NatsServer]:
    """nats-server without JetStream running exactly the generated configuration, plus a user allowed everything."""
    (tmp_path / "auth.conf").write_text(render(authz_users, "home"))
    server = NatsServer(tmp_path, "include auth.conf", jetstream=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def authz_entry(
    hass: HomeAssistant, authz_server: NatsServer, authz_users: list[UserEntry]
) -> MockConfigEntry:
    """An entry connected with Home Assistant's generated user, loaded."""
    creds = authz_users[0].credentials
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        data={
            CONF_SERVERS: [authz_server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: "userpass",
            CONF_USERNAME: creds.user,
            CONF_PASSWORD: creds.password,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_permission_violation(hass: HomeAssistant, authz_entry: MockConfigEntry) -> None:
    for service, extra in (("publish", {}), ("request", {"timeout": 30})):
        with pytest.raises(HomeAssistantError) as err:
            await _call(hass, service, {"subject": "garden.secret", **extra}, response=service == "request")
        assert err.value.translation_key == "action_permission_denied"
        assert err.value.translation_placeholders == {"subject": "garden.secret"}
    # The connection stays up: an allowed subject still works.
    await _call(hass, "publish", {"subject": "home.ha.status", "payload": "online"})
    await asyncio.sleep(0)
    assert authz_entry.runtime_data.hub.connected
