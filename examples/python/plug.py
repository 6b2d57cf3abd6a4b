"""A smart plug written with the NATS Home device library: a relay and its power draw.

Run it against a nats-server Home Assistant's NATS integration uses:

    python plug.py --server nats://127.0.0.1:4222

The plug appears in Home Assistant as "Desk plug" with a switch and a
power sensor; turning the switch on or off reaches `switch_relay` below,
and its answer is what Home Assistant shows. Its name and a child lock are
settings, changed on the device's page in Home Assistant.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
from typing import Any

from nats_home import client
from nats_home.config_settings import ConfigValue
from nats_home.device import CommandRejectedError, Device
from nats_home.permissions import device_inbox_prefix

ENTITIES = [
    {"platform": "switch", "id": "relay", "name": "Relay", "device_class": "outlet"},
    {
        "platform": "sensor",
        "id": "power",
        "name": "Power",
        "device_class": "power",
        "unit": "W",
        "state_class": "measurement",
        "precision": 1,
    },
]

SETTINGS = [
    {"id": "name", "name": "Name", "type": "text"},  # the library renames the device itself
    {"id": "child_lock", "name": "Child lock", "type": "switch", "default": False},
]


class Plug:
    """The hardware side: here a simulated relay and power meter."""

    def __init__(self) -> None:
        self.on = False
        self.child_lock = False

    async def switch_relay(self, entity_id: str, command: dict[str, Any]) -> dict[str, Any] | None:
        """Carry out a command; the returned state is confirmed to Home Assistant.

        Returning None lets the library apply the command itself (a switch just
        switches); raising CommandRejectedError refuses it with that message.
        """
        if entity_id != "relay":
            return None
        if self.child_lock:
            raise CommandRejectedError("the child lock is on")
        self.on = command["state"] == "ON"
        return {"state": "ON" if self.on else "OFF"}

    async def on_config(self, setting_id: str, value: ConfigValue) -> None:
        """Apply a setting changed in Home Assistant (or stored while the plug was off)."""
        if setting_id == "child_lock":
            self.child_lock = bool(value)

    def power(self) -> float:
        """Read the power meter."""
        return round(random.uniform(40, 60), 1) if self.on else 0.0  # noqa: S311


DEVICE_ID = "desk-plug"


async def run(server: str, prefix: str, user: str | None = None, password: str | None = None) -> None:
    """Connect, announce, report power every few seconds until stopped."""
    # nats_home's own client: nats-py's API at about half the latency (nats.connect works too).
    nc = await client.connect(
        server,
        name=DEVICE_ID,
        max_reconnect_attempts=-1,
        user=user,
        password=password,
        # Replies to the plug's own requests arrive below _INBOX.desk-plug, the
        # only inbox per-device permissions let it read (docs/security.md).
        inbox_prefix=device_inbox_prefix(DEVICE_ID),
    )
    plug = Plug()
    device = Device(
        nc,
        DEVICE_ID,
        "Desk plug",
        ENTITIES,
        prefix=prefix,
        command_handler=plug.switch_relay,
        config=SETTINGS,
        on_config=plug.on_config,
        manufacturer="Example",
        model="Plug 1",
    )
    await device.start()
    await device.set_state("relay", "OFF")
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    while not stop.is_set():
        await device.set_state("power", plug.power())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=5)
    await device.stop()  # tells Home Assistant the plug went offline
    await nc.close()


def main() -> None:
    """Parse the command line and run the plug."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="nats://127.0.0.1:4222")
    parser.add_argument("--prefix", default="home", help="the subject prefix of the home")
    parser.add_argument("--user", help="the plug's NATS user (per-device permissions: nats-home-authz)")
    parser.add_argument("--password", help="its password")
    args = parser.parse_args()
    asyncio.run(run(args.server, args.prefix, args.user, args.password))


if __name__ == "__main__":
    main()
