"""A NATS client of this project's own, for the hot paths: nats-py's core API on asyncio.Protocol.

See client.py for why; docs/benchmarks.md for what it saves.
"""

from .client import Client, connect
from .msg import Msg
from .servers import SCHEMES
from .subscription import BatchCallback, RawMessage, Subscription
from .wire import decode_headers

__all__ = [
    "SCHEMES",
    "BatchCallback",
    "Client",
    "Msg",
    "RawMessage",
    "Subscription",
    "connect",
    "decode_headers",
]
