"""The NATS clients the library and Home Assistant work with: nats-py's, or this project's own.

nats_home.client has nats-py's core API on a leaner transport (its module
docstring says why). Code that only publishes, subscribes and requests takes
either, so a device written against nats-py keeps working, and one that wants
the lower latency connects with nats_home.client.connect.
"""

from __future__ import annotations

import nats.aio.client
import nats.aio.msg
import nats.aio.subscription

from . import client

type NatsClient = nats.aio.client.Client | client.Client
type NatsMsg = nats.aio.msg.Msg | client.Msg
type NatsSubscription = nats.aio.subscription.Subscription | client.Subscription
