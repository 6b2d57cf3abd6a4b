"""The device side of the protocol on nats-py: announce, heartbeat, state, commands.

Used by the device simulator, the demo and the tests' test device. A device
applies commands itself (a switch switches, a number checks its range, ...)
unless a command handler is given that decides otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
import logging
import random
import time
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from . import PROTOCOL_VERSION
from .errors import ProtocolError
from .expiry import EXPIRED_ERROR, CommandExpiry, without_stamp
from .payloads import decode_json, encode, parse_command
from .subjects import Subjects

_LOGGER = logging.getLogger(__name__)


class CommandRejectedError(Exception):
    """Raised by a command handler to reply {"ok": false, "error": <message>}."""


type CommandHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any] | None]]
"""Takes (entity id, command); returns the new state, or None to apply it as usual."""


class Device:
    """One device speaking protocol v1 over a connected nats-py client."""

    def __init__(
        self,
        nc: Client,
        device_id: str,
        name: str,
        entities: list[dict[str, Any]],
        *,
        prefix: str = "home",
        heartbeat_interval: int = 30,
        announce_jitter: float = 1.0,
        command_handler: CommandHandler | None = None,
        **info: Any,
    ) -> None:
        self.nc = nc
        self.subjects = Subjects(prefix)
        self.id = device_id
        self.name = name
        self.entities = {entity["id"]: dict(entity) for entity in entities}
        self.info = info
        self.heartbeat_interval = heartbeat_interval
        self.announce_jitter = announce_jitter
        self.command_handler = command_handler
        self.states: dict[str, dict[str, Any]] = {}
        self.commands: list[tuple[str, dict[str, Any]]] = []
        self.expired: list[tuple[str, dict[str, Any]]] = []
        self.expiry = CommandExpiry()
        self.presses: dict[str, int] = {}
        self._subscriptions: list[Subscription] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self._started = time.monotonic()
        self._announce_pending = False
        self._announce_replies: list[str] = []
        self.subjects.announce_for(device_id)  # validates the id early

    def announcement(self) -> dict[str, Any]:
        """Return the announcement payload."""
        return {
            "v": PROTOCOL_VERSION,
            "id": self.id,
            "name": self.name,
            **self.info,
            "heartbeat_interval": self.heartbeat_interval,
            "entities": list(self.entities.values()),
        }

    async def start(self) -> None:
        """Subscribe, announce, publish every known state and start heartbeats."""
        self._running = True
        self._announce_pending, self._announce_replies = False, []
        self._subscriptions = [
            await self.nc.subscribe(self.subjects.commands_of(self.id), cb=self._on_command),
            await self.nc.subscribe(self.subjects.discovery_request, cb=self._on_discovery),
            await self.nc.subscribe(self.subjects.ha_status, cb=self._on_ha_status),
        ]
        await self.announce()
        await self.heartbeat()
        self._spawn(self._heartbeat_loop())

    async def stop(self, *, clean: bool = True) -> None:
        """Stop; a clean stop tells listeners the device went offline."""
        # From here on nothing spawns: a message handled during the awaits below
        # would otherwise start a task that outlives the device.
        self._running = False
        for task in self._tasks:
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sub in self._subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subscriptions = []
        if clean and self.nc.is_connected:
            await self.heartbeat(online=False)
            await self.nc.flush()

    async def announce(self, *replies: str) -> None:
        """Publish the announcement (also to each reply subject) and every state after it."""
        payload = encode(self.announcement())
        await self.nc.publish(self.subjects.announce_for(self.id), payload)
        for reply in replies:
            await self.nc.publish(reply, payload)
        for entity_id, state in self.states.items():
            await self._publish_state(entity_id, state)

    async def heartbeat(self, *, online: bool = True) -> None:
        """Publish one heartbeat."""
        await self.nc.publish(
            self.subjects.status(self.id),
            encode(
                {
                    "v": PROTOCOL_VERSION,
                    "online": online,
                    "interval": self.heartbeat_interval,
                    "uptime": round(time.monotonic() - self._started),
                }
            ),
        )

    async def set_state(self, entity_id: str, state: Any, **attributes: Any) -> None:
        """Change an entity's state and publish it."""
        self.states[entity_id] = {"state": state, **attributes}
        await self._publish_state(entity_id, self.states[entity_id])

    async def set_entities(self, entities: list[dict[str, Any]]) -> None:
        """Replace the entity list and re-announce."""
        self.entities = {entity["id"]: dict(entity) for entity in entities}
        self.states = {k: v for k, v in self.states.items() if k in self.entities}
        await self.announce()

    async def _publish_state(self, entity_id: str, state: dict[str, Any]) -> None:
        platform = self.entities[entity_id]["platform"]
        await self.nc.publish(self.subjects.entity(self.id, platform, entity_id, "state"), encode(state))

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            if self.nc.is_connected:
                await self.heartbeat()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if not self._running:
            coro.close()
            return
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule_announce(self, reply: str | None) -> None:
        """Re-announce after a random delay; requests arriving meanwhile share it.

        Home Assistant sends `ha.status` online and a discovery request together;
        one announcement answers both (as the ESPHome component does).
        """
        if reply:
            self._announce_replies.append(reply)
        if not self._announce_pending:
            self._announce_pending = True
            self._spawn(self._announce_later())

    async def _announce_later(self) -> None:
        try:
            await asyncio.sleep(random.uniform(0, self.announce_jitter))  # noqa: S311
        finally:  # also when stop() cancels it: a later request must schedule again
            self._announce_pending = False
            replies, self._announce_replies = self._announce_replies, []
        await self.announce(*replies)

    async def _on_discovery(self, msg: Msg) -> None:
        with contextlib.suppress(ProtocolError):
            self.expiry.observe_message(decode_json(msg.data))
        self._schedule_announce(msg.reply or None)

    async def _on_ha_status(self, msg: Msg) -> None:
        with contextlib.suppress(ProtocolError):
            status = decode_json(msg.data)
            self.expiry.observe_message(status)
            if status.get("status") == "online":
                self._schedule_announce(None)

    async def _on_command(self, msg: Msg) -> None:
        parsed = self.subjects.parse_entity(msg.subject)
        entity = self.entities.get(parsed.entity_id) if parsed else None
        if parsed is None or entity is None or entity["platform"] != parsed.platform:
            await self._reply(msg, {"ok": False, "error": "unknown entity"})
            return
        try:
            stamped = parse_command(parsed.platform, msg.data)
            command = without_stamp(stamped)
            if self.expiry.is_expired(stamped):
                # The controller has already told its user the command failed.
                _LOGGER.warning("Device %s: refusing an expired command on %s", self.id, msg.subject)
                self.expired.append((parsed.entity_id, command))
                await self._reply(msg, {"ok": False, "error": EXPIRED_ERROR})
                return
            self.commands.append((parsed.entity_id, command))
            state = None
            if self.command_handler is not None:
                state = await self.command_handler(parsed.entity_id, command)
            if state is None:
                state = self._apply(entity, command)
        except (ProtocolError, CommandRejectedError) as err:
            await self._reply(msg, {"ok": False, "error": str(err)})
            return
        if state is not None:
            self.states[parsed.entity_id] = state
            await self._publish_state(parsed.entity_id, state)
        await self._reply(msg, {"ok": True, "state": state})

    async def _reply(self, msg: Msg, payload: dict[str, Any]) -> None:
        if msg.reply:
            await msg.respond(encode(payload))

    def _apply(self, entity: dict[str, Any], command: dict[str, Any]) -> dict[str, Any] | None:
        """Apply a command the way a simple real device would."""
        entity_id, platform = entity["id"], entity["platform"]
        current = self.states.get(entity_id, {"state": None})
        if platform == "button":
            self.presses[entity_id] = self.presses.get(entity_id, 0) + 1
            return None
        if platform == "switch":
            return {"state": command["state"]}
        if platform == "number":
            value = command["value"]
            low, high = entity.get("min", 0), entity.get("max", 100)
            if not low <= value <= high:
                msg = f"value {value} out of range {low}..{high}"
                raise CommandRejectedError(msg)
            return {"state": value}
        if platform == "select":
            if command["option"] not in entity["options"]:
                msg = f"unknown option {command['option']!r}"
                raise CommandRejectedError(msg)
            return {"state": command["option"]}
        if platform == "light":
            return self._apply_light(entity, current, command)
        msg = f"{platform} takes no commands"
        raise CommandRejectedError(msg)

    @staticmethod
    def _apply_light(
        entity: dict[str, Any], current: dict[str, Any], command: dict[str, Any]
    ) -> dict[str, Any]:
        state = {**current, "state": command["state"]}
        modes = entity["color_modes"]
        if "brightness" in command:
            if modes == ["onoff"]:
                msg = "light has no brightness"
                raise CommandRejectedError(msg)
            state["brightness"] = command["brightness"]
        if "rgb" in command:
            if "rgb" not in modes:
                msg = "light has no RGB colour"
                raise CommandRejectedError(msg)
            state["rgb"], state["color_mode"] = command["rgb"], "rgb"
        if "color_temp_kelvin" in command:
            if "color_temp" not in modes:
                msg = "light has no colour temperature"
                raise CommandRejectedError(msg)
            low, high = entity.get("min_kelvin", 2000), entity.get("max_kelvin", 6500)
            if not low <= command["color_temp_kelvin"] <= high:
                msg = f"colour temperature out of range {low}..{high}"
                raise CommandRejectedError(msg)
            state["color_temp_kelvin"], state["color_mode"] = command["color_temp_kelvin"], "color_temp"
        if command["state"] == "ON" and state.get("color_mode") is None:
            state["color_mode"] = modes[0]
        if command["state"] == "ON" and modes != ["onoff"] and not state.get("brightness"):
            state["brightness"] = 255
        return state
