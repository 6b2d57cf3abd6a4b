"""The firmware acknowledges a command with its state (protocol 1.7), against a real server.

A command marked `Nats-Home-Ack: state` is answered by one state message
whose Nats-Home-Ack header names the command's reply subject: no reply, and
no second copy of that state. A refusal, and a command without the header,
are answered by replies as before.
"""

from __future__ import annotations

import json

from nats.aio.client import Client
import pytest

from custom_components.nats.protocol.payloads import parse_reply

from ..nats_server import NatsServer
from .conftest import HostFirmwareFactory
from .recorder import Recorder
from .test_host_firmware import bus, client, command, start  # noqa: F401

pytestmark = pytest.mark.timeout(120)

ACK = "Nats-Home-Ack"


async def test_a_command_is_acknowledged_by_its_state_alone(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """One state message answers the command; the next command without the header gets a reply."""
    firmware, _ = await start(host_firmware, nats_server, bus)
    state_subject = firmware.subject("switch", "relay", "state")
    await bus.wait_for(state_subject)  # the state after the announcement
    inbox = Recorder()
    prefix = client.new_inbox()
    await client.subscribe(f"{prefix}.*", cb=inbox.handler)
    await client.flush()

    mark = bus.mark()
    await client.publish(
        firmware.subject("switch", "relay", "command"),
        b'{"state":"ON"}',
        reply=f"{prefix}.1",
        headers={ACK: "state"},
    )
    ack = await bus.wait_for(state_subject, since=mark)
    assert ack.headers == {ACK: f"{prefix}.1"}
    assert json.loads(ack.data) == {"state": "ON"}

    # Replies and states leave the firmware in the order it sent them: a reply
    # to the first command, or a second copy of its state, would come first.
    reply = await command(client, firmware, "switch", "relay", {"state": "OFF"})
    assert reply.ok
    await bus.wait_for(state_subject, lambda m: json.loads(m.data) == {"state": "OFF"}, since=mark)
    states = [json.loads(m.data) for m in bus.messages[mark:] if m.subject == state_subject]
    assert states == [{"state": "ON"}, {"state": "OFF"}]
    assert inbox.messages == []


async def test_a_refusal_is_still_a_reply(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """A command the firmware refuses is answered on the reply subject, with the reason."""
    firmware, _ = await start(host_firmware, nats_server, bus)
    msg = await client.request(
        firmware.subject("switch", "relay", "command"),
        b'{"state":"MAYBE"}',
        timeout=2,
        headers={ACK: "state"},
    )
    reply = parse_reply(msg.data)
    assert not reply.ok
    assert reply.error
