"""The device side of the protocol on nats-py: announce, heartbeat, state, commands, settings.

Used by the device simulator, the demo and the tests' test device. A device
applies commands itself (a switch switches, a number checks its range, ...)
unless a command handler is given that decides otherwise. Declared settings
are read from the home's configuration bucket and followed live
(`DeviceSettings`, which the device owns).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
import logging
import random
import time
from typing import Any, Final

import nats.errors

from . import PROTOCOL_VERSION
from .acknowledgement import ACK_HEADER, wants_state_ack
from .config_settings import HEARTBEAT_INTERVAL, NAME, ConfigSetting, ConfigValue
from .credentials_file import DeviceCredentials
from .device_settings import DeviceSettings
from .errors import CommandRejectedError, ProtocolError
from .expiry import EXPIRED_ERROR, CommandExpiry, without_stamp
from .payloads import decode_json, describe_entity, encode, parse_command
from .platform import EntityInfo
from .platforms import PLATFORMS
from .subjects import Subjects
from .transport import NatsClient, NatsMsg, NatsSubscription

_LOGGER = logging.getLogger(__name__)
MAX_ERROR: Final = 255
KEPT_COMMANDS: Final = 1000
"""Commands (and expired ones) a device keeps for inspection: a long-running device must not grow."""

__all__ = ["CommandHandler", "CommandRejectedError", "ConfigHandler", "Device", "DeviceCredentials"]


type CommandHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any] | None]]
"""Takes (entity id, command); returns the new state, or None to apply it as usual."""

type ConfigHandler = Callable[[str, ConfigValue], Awaitable[None]]
"""Takes (setting id, value) whenever a device-defined setting gets a new value."""


class Device:
    """One device speaking protocol v1 over a connected nats-py client."""

    def __init__(
        self,
        nc: NatsClient,
        device_id: str,
        name: str,
        entities: list[dict[str, Any]],
        *,
        prefix: str = "home",
        heartbeat_interval: int = 30,
        announce_jitter: float = 1.0,
        command_handler: CommandHandler | None = None,
        config: list[dict[str, Any]] | None = None,
        on_config: ConfigHandler | None = None,
        credentials: DeviceCredentials | None = None,
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
        """The last KEPT_COMMANDS commands carried out (or handed to the command handler), oldest first."""
        self.expired: list[tuple[str, dict[str, Any]]] = []
        """The last KEPT_COMMANDS commands refused as expired, oldest first."""
        self.expiry = CommandExpiry()
        self.presses: dict[str, int] = {}
        """Stateless commands (button presses) carried out, per entity."""
        self._infos = _describe(entities)
        self._subscriptions: list[NatsSubscription] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self._started = time.monotonic()
        self._announce_pending = False
        self._announce_replies: list[str] = []
        self.subjects.announce_for(device_id)  # validates the id early
        self._settings = DeviceSettings(
            nc,
            device_id,
            prefix,
            config or [],
            {NAME: name, HEARTBEAT_INTERVAL: heartbeat_interval},
            changed=self._setting_changed,
            spawn=self._spawn,
        )
        self.on_config = on_config
        self.credentials = credentials
        """The device's own user in operator mode: renewed JWTs sent to it are kept there."""
        if HEARTBEAT_INTERVAL in self.config_values:
            self.heartbeat_interval = int(self.config_values[HEARTBEAT_INTERVAL])
        if NAME in self.config_values:
            self.name = str(self.config_values[NAME])
        self._heartbeat_task: asyncio.Task[None] | None = None

    @property
    def settings(self) -> dict[str, ConfigSetting]:
        """The declared settings, by id."""
        return self._settings.settings

    @property
    def config_values(self) -> dict[str, ConfigValue]:
        """The value each declared setting has now: the stored one, or its default."""
        return self._settings.values

    def announcement(self) -> dict[str, Any]:
        """Return the announcement payload."""
        return {
            "v": PROTOCOL_VERSION,
            "id": self.id,
            "name": self.name,
            **self.info,
            "heartbeat_interval": self.heartbeat_interval,
            "entities": list(self.entities.values()),
            **({"config": self._settings.declared} if self._settings.declared else {}),
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
        if self.credentials is not None:
            self._subscriptions.append(
                await self.nc.subscribe(self.subjects.credentials(self.id), cb=self._on_credentials)
            )
        if (settings := await self._settings.start()) is not None:
            self._subscriptions.append(settings)
        await self.announce()
        await self.heartbeat()
        self._heartbeat_task = self._spawn(self._heartbeat_loop())

    async def stop(self, *, clean: bool = True) -> None:
        """Stop; a clean stop tells listeners the device went offline."""
        # From here on nothing spawns: a message handled during the awaits below
        # would otherwise start a task that outlives the device.
        self._running = False
        self._heartbeat_task = None
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

    async def fire_event(self, entity_id: str, event_type: str, **attributes: Any) -> None:
        """Publish an event of an entity, with attributes if any are given.

        Events are never kept or re-published (unlike states after an
        announcement): only who listens at that moment hears it.
        """
        platform = self.entities[entity_id]["platform"]
        payload: dict[str, Any] = {"event_type": event_type}
        if attributes:
            payload["attributes"] = attributes
        await self.nc.publish(self.subjects.entity(self.id, platform, entity_id, "event"), encode(payload))

    async def set_entities(self, entities: list[dict[str, Any]]) -> None:
        """Replace the entity list and re-announce."""
        self._infos = _describe(entities)
        self.entities = {entity["id"]: dict(entity) for entity in entities}
        self.states = {k: v for k, v in self.states.items() if k in self.entities}
        await self.announce()

    async def _publish_state(
        self, entity_id: str, state: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        platform = self.entities[entity_id]["platform"]
        subject = self.subjects.entity(self.id, platform, entity_id, "state")
        await self.nc.publish(subject, encode(state), headers=headers)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            if self.nc.is_connected:
                await self.heartbeat()

    # Settings (docs/protocol.md, Device configuration)

    async def read_config(self) -> None:
        """Read every declared setting's stored value again (done at start and after reconnects)."""
        await self._settings.read()

    async def _setting_changed(self, setting_id: str, value: ConfigValue) -> None:
        """Apply a setting's new value: the reserved ones here, the device's own through on_config."""
        if setting_id == HEARTBEAT_INTERVAL:
            await self._change_heartbeat_interval(int(value))
        elif setting_id == NAME:
            self.name = str(value)
            if self._heartbeat_task is not None:  # announced already: tell everyone the new name
                await self.announce()
        elif self.on_config is not None:
            await self.on_config(setting_id, value)

    async def _change_heartbeat_interval(self, seconds: int) -> None:
        self.heartbeat_interval = seconds
        if self._heartbeat_task is None:  # not started yet: the first heartbeat carries it
            return
        # From the next heartbeat on, and one at once saying so; the announcement
        # states it too (docs/protocol.md, Heartbeat: which interval counts).
        self._heartbeat_task.cancel()
        await self.heartbeat()
        self._heartbeat_task = self._spawn(self._heartbeat_loop())
        await self.announce()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
        if not self._running:
            coro.close()
            return None
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

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

    async def _on_discovery(self, msg: NatsMsg) -> None:
        with contextlib.suppress(ProtocolError):
            self.expiry.observe_message(decode_json(msg.data))
        self._schedule_announce(msg.reply or None)

    async def _on_ha_status(self, msg: NatsMsg) -> None:
        with contextlib.suppress(ProtocolError):
            status = decode_json(msg.data)
            self.expiry.observe_message(status)
            if status.get("status") == "online":
                self._schedule_announce(None)

    async def _on_command(self, msg: NatsMsg) -> None:
        parsed = self.subjects.parse_entity(msg.subject)
        entity = self.entities.get(parsed.entity_id) if parsed else None
        if parsed is None or entity is None or entity["platform"] != parsed.platform:
            await self._reply(msg, {"ok": False, "error": "unknown entity"})
            return
        if PLATFORMS[parsed.platform].command_schema is None:
            # The spec's refusal for entities without commands ("event takes no commands").
            await self._reply(msg, {"ok": False, "error": f"{parsed.platform} takes no commands"})
            return
        try:
            stamped = parse_command(parsed.platform, msg.data)
            command = without_stamp(stamped)
            if self.expiry.is_expired(stamped):
                # The controller has already told its user the command failed.
                _LOGGER.warning("Device %s: refusing an expired command on %s", self.id, msg.subject)
                _keep(self.expired, (parsed.entity_id, command))
                await self._reply(msg, {"ok": False, "error": EXPIRED_ERROR})
                return
            _keep(self.commands, (parsed.entity_id, command))
            state = None
            if self.command_handler is not None:
                state = await self.command_handler(parsed.entity_id, command)
            if state is None:
                state = self._apply(parsed.entity_id, parsed.platform, command)
        except (ProtocolError, CommandRejectedError) as err:
            # A reply's error holds at most 255 characters (docs/protocol.md, Replies);
            # a validation message quoting a large command would exceed it.
            await self._reply(msg, {"ok": False, "error": str(err)[:MAX_ERROR]})
            return
        if state is None:
            await self._reply(msg, {"ok": True, "state": None})
            return
        self.states[parsed.entity_id] = state
        if wants_state_ack(msg.headers, msg.reply):
            # The state is the acknowledgement (protocol 1.7): one message, not two.
            await self._publish_state(parsed.entity_id, state, {ACK_HEADER: msg.reply})
            return
        await self._publish_state(parsed.entity_id, state)
        await self._reply(msg, {"ok": True, "state": state})

    async def _on_credentials(self, msg: NatsMsg) -> None:
        """Keep a renewed JWT (docs/protocol.md, Credentials) and reconnect with it."""
        assert self.credentials is not None  # subscribed only with credentials
        try:
            claims = self.credentials.accept(msg.data)
        except ProtocolError as err:
            _LOGGER.warning("Device %s: refusing the credentials sent on %s: %s", self.id, msg.subject, err)
            await self._reply(msg, {"ok": False, "error": str(err)[:MAX_ERROR]})
            return
        _LOGGER.info("Device %s: keeping renewed credentials (expiring at %s)", self.id, claims.get("exp"))
        await self._reply(msg, {"ok": True})
        # nats-py (unlike the Go client) closes a client for good when the server
        # ends its connection because the JWT expired; so the device does not
        # wait for that but reconnects now, with the JWT it just kept. The reply
        # must reach the server first, as no answer is allowed after a reconnect:
        # nats-py writes a flush's PING ahead of queued messages, hence two.
        with contextlib.suppress(nats.errors.Error):
            await self.nc.flush()
            await self.nc.flush()
        await self.nc.force_reconnect()

    async def _reply(self, msg: NatsMsg, payload: dict[str, Any]) -> None:
        if msg.reply:
            # Not msg.respond(), which copies the request's headers: a traced command's
            # Nats-Trace-Dest would make the server drop the reply, as a device may not
            # publish to Home Assistant's trace subject (docs/protocol.md, Message tracing).
            await self.nc.publish(msg.reply, encode(payload))

    def _apply(self, entity_id: str, platform: str, command: dict[str, Any]) -> dict[str, Any] | None:
        """Apply a command the way a simple real device would (the platform module knows how)."""
        state = PLATFORMS[platform].apply(self._info(entity_id), self.states.get(entity_id), command)
        if state is None:  # a stateless command, such as a button press
            self.presses[entity_id] = self.presses.get(entity_id, 0) + 1
        return state

    def _info(self, entity_id: str) -> EntityInfo:
        """Return the typed description of an entity as the device holds it now.

        The entity's dict may have been changed in place since it was announced
        (a device that can do less than it said); it is described again then.
        """
        entity = self.entities[entity_id]
        described, info = self._infos[entity_id]
        if entity != described:
            try:
                info = describe_entity(entity)
            except ProtocolError as err:
                msg = f"entity {entity_id} is described wrongly: {err}"
                raise CommandRejectedError(msg) from None
            self._infos[entity_id] = (dict(entity), info)
        return info


def _describe(entities: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], EntityInfo]]:
    """Validate a device's own entities as Home Assistant will, so a mistake shows at once.

    Raises ProtocolError naming the entity: Home Assistant would refuse the
    whole announcement (and only log why).
    """
    infos: dict[str, tuple[dict[str, Any], EntityInfo]] = {}
    for entity in entities:
        try:
            info = describe_entity(entity)
        except ProtocolError as err:
            msg = f"entity {entity.get('id')!r}: {err}"
            raise ProtocolError(msg) from None
        if info.id in infos:
            msg = f"entity id {info.id!r} is used twice"
            raise ProtocolError(msg)
        infos[info.id] = (dict(entity), info)
    return infos


def _keep(kept: list[tuple[str, dict[str, Any]]], command: tuple[str, dict[str, Any]]) -> None:
    """Append a command, dropping the oldest beyond KEPT_COMMANDS."""
    kept.append(command)
    if len(kept) > KEPT_COMMANDS:
        del kept[0]
