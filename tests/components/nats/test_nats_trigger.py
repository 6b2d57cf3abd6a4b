"""The `nats` automation trigger against a real nats-server: subjects, wildcards, payloads, lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
import logging
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from homeassistant.components import automation
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from nats_home.authz import UserEntry, render, users

from ...nats_fixtures import server_has_everything
from ...nats_server import NatsServer
from .conftest import wait_for

AUTOMATION = "automation.garden"
RECORD = {
    "action": "test.record",
    "data": {
        "subject": "{{ trigger.subject }}",
        "payload": "{{ trigger.payload }}",
        "payload_is_text": "{{ trigger.payload is string }}",
        "json": "{{ trigger.payload_json if trigger.payload_json is defined else 'not json' }}",
        "headers": "{{ trigger.headers }}",
        "reply": "{{ trigger.reply }}",
        "entry": "{{ trigger.config_entry_id }}",
        "platform": "{{ trigger.platform }}",
        "description": "{{ trigger.description }}",
    },
}


async def _automation(hass: HomeAssistant, trigger: dict[str, Any]) -> list[ServiceCall]:
    calls = async_mock_service(hass, "test", "record")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {automation.DOMAIN: {"id": "garden", "alias": "garden", "triggers": [trigger], "actions": [RECORD]}},
    )
    await hass.async_block_till_done()
    assert hass.states.get(AUTOMATION).state == "on"
    return calls


async def _publisher(url: str, clients: list[Client]) -> Client:
    client = await nats.connect(url, reconnect_time_wait=0.2, max_reconnect_attempts=-1)
    clients.append(client)
    return client


async def _publish(client: Client, subject: str, data: bytes, headers: dict[str, str] | None = None) -> None:
    await client.publish(subject, data, headers=headers)
    await server_has_everything(client)


def _subscribed(server: NatsServer, subject: str) -> bool:
    """Whether Home Assistant's connection holds a subscription to subject on the server."""
    return any(
        subject in (connection.get("subscriptions_list") or [])
        for connection in server.connections()
        if str(connection.get("name", "")).startswith("Home Assistant")
    )


async def test_fires_with_subject_payload_and_json(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    calls = await _automation(hass, {"trigger": "nats", "subject": "garden.*.temperature"})
    publisher = await _publisher(nats_server.url, clients)

    await _publish(publisher, "garden.shed.humidity", b"80")  # does not match: never fires
    await _publish(publisher, "garden.shed.temperature", b'{"value": 21.5}', {"unit": "C"})
    await _publish(publisher, "garden.pond.temperature", b"cold")
    await wait_for(hass, lambda: len(calls) == 2)

    first, second = (call.data for call in calls)
    assert first["subject"] == "garden.shed.temperature"
    assert first["payload_is_text"] is True  # the text; its JSON is payload_json
    assert first["json"] == {"value": 21.5}
    assert first["headers"] == {"unit": "C"}
    assert first["platform"] == "nats"
    assert first["description"] == "NATS message on garden.shed.temperature"
    assert (second["subject"], second["payload"], second["json"]) == (
        "garden.pond.temperature",
        "cold",
        "not json",
    )


async def test_full_wildcard_options_form_and_reply(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    """`>` matches the rest; the new-style `options:` form works; a request's reply subject is given."""
    calls = await _automation(
        hass, {"trigger": "nats", "options": {"subject": "garden.>", "config_entry_id": setup_entry.entry_id}}
    )
    publisher = await _publisher(nats_server.url, clients)

    await _publish(publisher, "garden", b"not below")  # `>` needs at least one more token
    await _publish(publisher, "garden.a.b.c", b"deep")
    await publisher.publish("garden.ask", b"question", reply="answers.here")
    await server_has_everything(publisher)
    await wait_for(hass, lambda: len(calls) == 2)

    assert [(call.data["subject"], call.data["payload"]) for call in calls] == [
        ("garden.a.b.c", "deep"),
        ("garden.ask", "question"),
    ]
    assert calls[1].data["reply"] == "answers.here"


async def test_entries_the_trigger_listens_on(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    """Without config_entry_id every loaded entry's connection delivers; with it, only that entry's."""
    cabin = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (cabin)",
        unique_id=f"{nats_server.url}/cabin",
        data={CONF_SERVERS: [nats_server.url], CONF_PREFIX: "cabin", CONF_AUTH_METHOD: "none"},
    )
    cabin.add_to_hass(hass)
    assert await hass.config_entries.async_setup(cabin.entry_id)
    calls = async_mock_service(hass, "test", "record")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "id": "any",
                    "triggers": [{"trigger": "nats", "subject": "shared.any"}],
                    "actions": [RECORD],
                },
                {
                    "id": "cabin",
                    "triggers": [
                        {"trigger": "nats", "subject": "shared.cabin", "config_entry_id": cabin.entry_id}
                    ],
                    "actions": [RECORD],
                },
            ]
        },
    )
    await hass.async_block_till_done()
    publisher = await _publisher(nats_server.url, clients)

    await _publish(publisher, "shared.cabin", b"1")
    await _publish(publisher, "shared.any", b"2")
    await wait_for(hass, lambda: len(calls) == 3)

    assert sorted((call.data["subject"], call.data["entry"]) for call in calls) == sorted(
        [
            ("shared.cabin", cabin.entry_id),
            ("shared.any", cabin.entry_id),
            ("shared.any", setup_entry.entry_id),
        ]
    )


@pytest.mark.parametrize(
    ("trigger", "error"),
    [
        ({"subject": "garden.>.x"}, "invalid NATS subject 'garden.>.x': > may only be the last token"),
        ({"subject": "garden..x"}, "invalid NATS subject 'garden..x': it has an empty token"),
        ({"subject": "garden.x", "config_entry_id": "nope"}, "nope is not the id of a NATS entry"),
    ],
)
async def test_invalid_trigger_is_a_configuration_error(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    trigger: dict[str, str],
    error: str,
) -> None:
    async_mock_service(hass, "test", "record")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "id": "garden",
                "alias": "garden",
                "triggers": [{"trigger": "nats", **trigger}],
                "actions": [RECORD],
            }
        },
    )
    await hass.async_block_till_done()
    assert error in caplog.text
    assert hass.states.get(AUTOMATION).state == "unavailable"


async def test_subscription_follows_the_automation_and_the_entry(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, clients: list[Client]
) -> None:
    """Turning the automation off unsubscribes, on subscribes again; unloading the entry too; it survives a reconnect."""
    calls = await _automation(hass, {"trigger": "nats", "subject": "garden.bell"})
    publisher = await _publisher(nats_server.url, clients)
    assert _subscribed(nats_server, "garden.bell")

    await hass.services.async_call(
        automation.DOMAIN, SERVICE_TURN_OFF, {"entity_id": AUTOMATION}, blocking=True
    )
    await wait_for(hass, lambda: not _subscribed(nats_server, "garden.bell"))
    await hass.services.async_call(
        automation.DOMAIN, SERVICE_TURN_ON, {"entity_id": AUTOMATION}, blocking=True
    )
    assert _subscribed(nats_server, "garden.bell")

    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    await wait_for(hass, lambda: not _subscribed(nats_server, "garden.bell"))
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await wait_for(hass, lambda: _subscribed(nats_server, "garden.bell"))

    hub = setup_entry.runtime_data.hub
    nats_server.stop()
    await wait_for(hass, lambda: not hub.connected)
    nats_server.start()
    await wait_for(hass, lambda: hub.connected and publisher.is_connected, timeout=10)
    await wait_for(hass, lambda: _subscribed(nats_server, "garden.bell"))

    await _publish(publisher, "garden.bell", b"ring")
    await wait_for(hass, lambda: len(calls) == 1)
    assert calls[0].data["payload"] == "ring"


# A server running the generated authorization: Home Assistant's user may not subscribe to `garden.>`.


@pytest.fixture
def authz_users() -> list[UserEntry]:
    """Home Assistant's generated user, with a fresh password."""
    return users("home", [])


@pytest.fixture
def authz_server(tmp_path: Path, authz_users: list[UserEntry]) -> Iterator[NatsServer]:
    """nats-server without JetStream running exactly the generated configuration."""
    (tmp_path / "auth.conf").write_text(render(authz_users, "home"))
    server = NatsServer(tmp_path, "include auth.conf", jetstream=False)
    server.start()
    yield server
    server.stop()


async def test_refused_subscription_is_logged_with_its_subject(
    hass: HomeAssistant,
    authz_server: NatsServer,
    authz_users: list[UserEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
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
    with caplog.at_level(logging.ERROR):
        await _automation(hass, {"trigger": "nats", "subject": "garden.>"})
    assert "refused the nats trigger's subscription to garden.> on NATS (home)" in caplog.text
    assert entry.runtime_data.hub.connected  # the refusal does not cost the connection
