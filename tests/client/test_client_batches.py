"""Batch callbacks (subscribe's batch_cb): a subscription's messages as they came off the wire, several at a time.

The state subscription of Home Assistant's hub takes its messages this way
(state_ingest.py). A real nats-server carries every message; a flush after
publishing is the barrier that proves everything sent has arrived.
"""

from __future__ import annotations

import nats.errors
import pytest

from nats_home.client import Client, RawMessage, decode_headers
from nats_home.client.rounds import BATCH_PER_ROUND, INLINE_PER_READ

from ..nats_fixtures import until
from ..nats_server import NatsServer
from .conftest import Connect
from .recorder import Recorder


class Batches:
    """A batch callback that keeps every batch it was given."""

    def __init__(self) -> None:
        self.batches: list[list[RawMessage]] = []

    def __call__(self, batch: list[RawMessage]) -> None:
        """Keep a copy of the batch (the client may reuse its list)."""
        self.batches.append(list(batch))

    @property
    def payloads(self) -> list[bytes]:
        """Every payload received, in order."""
        return [payload for batch in self.batches for _, _, _, payload in batch]


async def test_a_burst_arrives_complete_in_order_and_in_bounded_batches(client: Client) -> None:
    """5,000 messages in one go: every one, in order, in batches of at most a round's worth; some batched."""
    batches = Batches()
    await client.subscribe("states", batch_cb=batches)
    sent = [str(i).encode() for i in range(5_000)]
    for payload in sent:
        await client.publish("states", payload)
    await client.flush()
    await until(lambda: len(batches.payloads) == len(sent), 10)

    assert batches.payloads == sent
    sizes = [len(batch) for batch in batches.batches]
    assert max(sizes) <= max(BATCH_PER_ROUND, 1)
    assert max(sizes) > 1, "a burst read ahead of its callbacks is handed over in batches"
    assert {subject for batch in batches.batches for subject, *_ in batch} == {"states"}


async def test_messages_come_with_their_reply_and_headers(client: Client) -> None:
    """Each message of a batch keeps its subject, reply subject and header block."""
    batches = Batches()
    await client.subscribe("states.*", batch_cb=batches)
    await client.publish("states.one", b"plain")
    await client.publish("states.two", b"with", reply="answer.here", headers={"Ack": "inbox.7"})
    await client.flush()
    await until(lambda: len(batches.payloads) == 2, 5)

    first, second = (message for batch in batches.batches for message in batch)
    assert first == ("states.one", "", None, b"plain")
    subject, reply, header_block, payload = second
    assert (subject, reply, payload) == ("states.two", "answer.here", b"with")
    assert header_block is not None
    assert decode_headers(header_block) == {"Ack": "inbox.7"}


async def test_a_reads_messages_come_together(
    client: Client, client_factory: Connect, server: NatsServer
) -> None:
    """Messages that arrive in one read are one batch, not one call each (fewer than a read runs at once)."""
    sender = await client_factory(server.url)
    batches = Batches()
    await client.subscribe("states", batch_cb=batches)
    await client.flush()
    count = INLINE_PER_READ // 2
    for i in range(count):  # buffered by the sender, and written in one go by its flush
        await sender.publish("states", str(i).encode())
    await sender.flush()
    await until(lambda: len(batches.payloads) == count, 5)

    assert batches.payloads == [str(i).encode() for i in range(count)]
    assert len(batches.batches) < count, "every message of the read was handed over alone"


async def test_a_batch_comes_before_another_subscriptions_message_behind_it(
    client: Client, client_factory: Connect, server: NatsServer
) -> None:
    """A read's batch is handed over before a later message of another subscription runs: wire order.

    It is the order a command's confirmation needs: the device's state, then
    its reply (state_ingest.py applies the state before the reply is read).
    """
    sender = await client_factory(server.url)
    order: list[str] = []
    await client.subscribe("states", batch_cb=lambda batch: order.extend(p.decode() for *_, p in batch))
    await client.subscribe("replies", cb=lambda msg: order.append(msg.data.decode()))
    await client.flush()
    for _ in range(20):  # several reads' worth of tries; each must keep the order
        order.clear()
        await sender.publish("states", b"state 1")
        await sender.publish("states", b"state 2")
        await sender.publish("replies", b"reply")
        await sender.publish("states", b"state 3")
        await sender.flush()
        await until(lambda: len(order) == 4, 5)
        assert order == ["state 1", "state 2", "reply", "state 3"]


async def test_an_error_in_a_batch_callback_reaches_error_cb_and_the_subscription_goes_on(
    server: NatsServer, client_factory: Connect
) -> None:
    """A batch callback that raises loses its batch, not the subscription; error_cb gets the exception."""
    errors = Recorder()
    client = await client_factory(server.url, error_cb=errors.error_cb)
    batches = Batches()

    def fragile(batch: list[RawMessage]) -> None:
        if any(payload == b"boom" for *_, payload in batch):
            raise ValueError("batch callback failed on purpose")
        batches(batch)

    await client.subscribe("fragile", batch_cb=fragile)
    await client.publish("fragile", b"boom")
    await client.flush()
    await errors.wait_for(lambda: errors.errors)
    await client.publish("fragile", b"after")
    await client.flush()
    await until(lambda: batches.payloads == [b"after"], 5)
    assert [str(err) for err in errors.errors_of(ValueError)] == ["batch callback failed on purpose"]


async def test_a_batched_burst_does_not_hold_up_another_subscription(
    client: Client, client_factory: Connect, server: NatsServer
) -> None:
    """A message behind a 5,000-message burst on a batch subscription is handled before the burst ends."""
    sender = await client_factory(server.url)
    handled: list[int] = []
    seen_at: list[int] = []

    def on_burst(batch: list[RawMessage]) -> None:
        handled.extend(int(payload) for *_, payload in batch)

    await client.subscribe("burst", batch_cb=on_burst)
    await client.subscribe("other", cb=lambda msg: seen_at.append(len(handled)))
    await client.flush()
    for i in range(5_000):
        await sender.publish("burst", str(i).encode())
    await sender.publish("other", b"behind the burst")
    await sender.flush()
    await until(lambda: len(handled) == 5_000 and seen_at, 10)

    assert handled == list(range(5_000))
    assert seen_at[0] < 5_000, "the other subscription's message waited for the whole burst"


async def test_a_batch_subscription_past_its_pending_limit_is_a_slow_consumer(
    server: NatsServer, client_factory: Connect
) -> None:
    """Messages read ahead past pending_msgs_limit are dropped and reported; the ones kept stay in order."""
    errors = Recorder()
    client = await client_factory(server.url, error_cb=errors.error_cb)
    sender = await client_factory(server.url)
    batches = Batches()
    sub = await client.subscribe("flood", batch_cb=batches, pending_msgs_limit=10)
    await client.flush()
    # Larger than one read's inline share, so most of it must wait in the backlog.
    sent = [str(i).encode() for i in range(INLINE_PER_READ * 50)]
    for payload in sent:
        await sender.publish("flood", payload)
    await sender.flush()
    await until(
        lambda: len(batches.payloads) + len(errors.errors_of(nats.errors.SlowConsumerError)) == len(sent), 10
    )

    received = batches.payloads
    assert errors.errors_of(nats.errors.SlowConsumerError), "a backlog past its limit drops messages"
    assert received == sorted(received, key=int), "the messages kept stay in order"
    assert sub.pending_msgs == 0


async def test_cb_and_batch_cb_together_are_refused(client: Client) -> None:
    """A subscription hands its messages to one callback: asking for both is a mistake, said at once."""
    with pytest.raises(ValueError, match="cb or batch_cb"):
        await client.subscribe("both", cb=lambda msg: None, batch_cb=Batches())
