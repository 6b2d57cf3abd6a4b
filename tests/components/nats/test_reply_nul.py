"""Replies holding U+0000 are invalid (docs/protocol.md, Transport), not rejections."""

from __future__ import annotations

from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .conftest import wait_for


@pytest.mark.parametrize(
    "reply",
    [
        b'{"ok":false,"error":"bad\\u0000"}',
        b'{"ok":true,"note":"\\u0000"}',
    ],
)
async def test_reply_with_nul_is_invalid(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: Any, reply: bytes
) -> None:
    """U+0000 anywhere in a reply fails the call with "invalid reply", not "rejected"."""
    client = await nats.connect(nats_server.url)
    try:
        await _call_and_check(hass, client, reply)
    finally:
        await client.close()


async def _call_and_check(hass: HomeAssistant, client: Any, reply: bytes) -> None:
    async def answer(msg: Any) -> None:
        await msg.respond(reply)

    await client.subscribe("home.devices.odd.*.*.command", cb=answer)
    await client.publish(
        "home.discovery.announce.odd",
        b'{"v":1,"id":"odd","name":"Odd","entities":[{"platform":"switch","id":"relay"}]}',
    )
    await client.flush()
    await wait_for(hass, lambda: hass.states.get("switch.odd_relay") is not None)
    with pytest.raises(
        HomeAssistantError, match="Device Odd sent an invalid reply: U\\+0000 is not allowed in strings"
    ):
        await hass.services.async_call(
            "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.odd_relay"}, blocking=True
        )
