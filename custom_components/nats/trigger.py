"""The `nats` trigger: an automation runs on every message on a subject (wildcards allowed).

Like MQTT's trigger: `trigger.subject`, `trigger.payload` (the text),
`trigger.payload_json` when the payload is JSON, `trigger.headers`, and
`trigger.reply` (where a request wants its answer: nats.publish can send it).

The subscription is made on the connection of the named entry, or of every
loaded NATS entry, and follows them: the client renews it after a reconnect;
it goes when its entry unloads and comes back when the entry loads again;
it is removed when the automation is turned off. A subject Home
Assistant's NATS user may not subscribe to is refused by the server
asynchronously: that refusal is logged as an error naming the subject.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import logging
from typing import Any, Final, cast, override

import probatio as vol

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.const import CONF_OPTIONS
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.automation import move_top_level_schema_fields_to_options
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.trigger import (
    Trigger,
    TriggerActionRunner,
    TriggerConfig,
    TriggerNotTriggeredReporter,
)
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.json import json_loads

import nats.errors

from .const import DOMAIN
from .hub import PENDING_BYTES_LIMIT, PENDING_MSGS_LIMIT
from .protocol.transport import NatsMsg, NatsSubscription
from .runtime import NatsConfigEntry
from .subject_rules import subject_problem

_LOGGER = logging.getLogger(__name__)

CONF_SUBJECT: Final = "subject"
CONF_CONFIG_ENTRY_ID: Final = "config_entry_id"
CONFIRM_TIMEOUT: Final = 2
"""Seconds to wait for the server to have a new subscription before the automation is reported on."""


def subscribe_subject(value: Any) -> str:
    """Validate a subject a trigger may subscribe to (wildcards allowed)."""
    subject = cv.string(value)
    if (problem := subject_problem(subject, wildcards=True)) is not None:
        raise vol.Invalid(f"invalid NATS subject {subject!r}: {problem}")
    return subject


_OPTIONS_SCHEMA_DICT: Final[dict[vol.Marker, Any]] = {
    vol.Required(CONF_SUBJECT): subscribe_subject,
    vol.Optional(CONF_CONFIG_ENTRY_ID): cv.string,
}
_SCHEMA: Final = vol.Schema({vol.Required(CONF_OPTIONS): _OPTIONS_SCHEMA_DICT})

type MessageHandler = Callable[[NatsConfigEntry, NatsMsg], None]


def message_variables(entry: NatsConfigEntry, msg: NatsMsg) -> dict[str, Any]:
    """Return a message's trigger variables; `payload_json` only when the payload is JSON."""
    text = msg.data.decode(errors="replace")
    variables: dict[str, Any] = {
        "subject": msg.subject,
        "payload": text,
        "headers": dict(msg.headers or {}),
        "reply": msg.reply or None,
        "config_entry_id": entry.entry_id,
    }
    with contextlib.suppress(ValueError):
        variables["payload_json"] = json_loads(text)
    return variables


@dataclass(slots=True)
class _EntrySubscription:
    """The subscription on one entry's connection, and its permissions watch."""

    subscription: NatsSubscription | None = None
    stops: list[Callable[[], None]] = field(default_factory=list)


class SubjectListener:
    """Keeps one subscription per matching loaded entry for as long as the trigger is attached."""

    def __init__(
        self, hass: HomeAssistant, subject: str, entry_id: str | None, handler: MessageHandler
    ) -> None:
        self._hass = hass
        self._subject = subject
        self._entry_id = entry_id
        self._handler = handler
        self._entries: dict[str, _EntrySubscription] = {}
        self._stopped = False
        self._stop_watching: Callable[[], None] | None = None

    def _matches(self, entry: ConfigEntry) -> bool:
        return entry.domain == DOMAIN and self._entry_id in (None, entry.entry_id)

    async def async_start(self) -> None:
        """Subscribe on every matching loaded entry and follow entries loading and unloading."""
        self._stop_watching = async_dispatcher_connect(
            self._hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._on_entry_changed
        )
        for entry in self._hass.config_entries.async_entries(DOMAIN):
            if entry.state is ConfigEntryState.LOADED and self._matches(entry):
                await self._async_subscribe(cast("NatsConfigEntry", entry))

    @callback
    def _on_entry_changed(self, _change: ConfigEntryChange, entry: ConfigEntry) -> None:
        if self._stopped or not self._matches(entry):
            return
        if entry.state is ConfigEntryState.LOADED:
            if entry.entry_id not in self._entries:
                self._hass.async_create_task(
                    self._async_subscribe(cast("NatsConfigEntry", entry)), eager_start=True
                )
        elif entry.entry_id in self._entries:
            self._drop(entry.entry_id)

    async def _async_subscribe(self, entry: NatsConfigEntry) -> None:
        hub = entry.runtime_data.hub
        client = hub.client
        if client is None or entry.entry_id in self._entries:
            return
        record = self._entries[entry.entry_id] = _EntrySubscription()
        subject = self._subject
        refused = f'subscription to "{subject.lower()}"'  # nats-py lower-cases the server's error

        def _on_violation(text: str) -> None:
            if refused in text:
                _LOGGER.error(
                    "The NATS server refused the nats trigger's subscription to %s on %s: "
                    "Home Assistant's NATS user may not subscribe to it (permissions violation); "
                    "allow the subject in that user's permissions or choose another",
                    subject,
                    entry.title,
                )

        record.stops.append(hub.client_errors.listen_violations(_on_violation))

        async def _on_message(msg: NatsMsg) -> None:
            self._handler(entry, msg)

        try:
            record.subscription = await client.subscribe(
                subject,
                cb=_on_message,
                pending_msgs_limit=PENDING_MSGS_LIMIT,
                pending_bytes_limit=PENDING_BYTES_LIMIT,
            )
            # Twice: the first PING may overtake the SUB still in nats-py's buffer.
            for _ in range(2):
                await client.flush(timeout=CONFIRM_TIMEOUT)
        except (nats.errors.Error, TimeoutError, OSError) as err:
            # Not connected now: nats-py sends the subscription when it reconnects.
            _LOGGER.debug("NatsSubscription of the nats trigger to %s not confirmed yet: %s", subject, err)
        if self._stopped or self._entries.get(entry.entry_id) is not record:
            self._end(record)  # the automation or the entry went meanwhile
            return
        _LOGGER.debug("nats trigger subscribed to %s on %s", subject, entry.title)

    def _drop(self, entry_id: str) -> None:
        if (record := self._entries.pop(entry_id, None)) is not None:
            self._end(record)

    def _end(self, record: _EntrySubscription) -> None:
        for stop in record.stops:
            stop()
        record.stops.clear()
        if (subscription := record.subscription) is not None:
            record.subscription = None
            self._hass.async_create_background_task(
                _async_unsubscribe(subscription),
                f"nats trigger unsubscribe {self._subject}",
                eager_start=True,
            )

    @callback
    def async_stop(self) -> None:
        """Remove every subscription (the automation is turned off or removed)."""
        self._stopped = True
        if self._stop_watching is not None:
            self._stop_watching()
        for entry_id in list(self._entries):
            self._drop(entry_id)


async def _async_unsubscribe(subscription: NatsSubscription) -> None:
    # A closed connection has already dropped it.
    with contextlib.suppress(nats.errors.Error, OSError):
        await subscription.unsubscribe()


class NatsMessageTrigger(Trigger):
    """Runs the automation for every message on a subject."""

    @override
    @classmethod
    async def async_validate_complete_config(
        cls, hass: HomeAssistant, complete_config: ConfigType
    ) -> ConfigType:
        """Accept the subject at the top level too (`subject: ...`), as MQTT's trigger takes its topic."""
        complete_config = move_top_level_schema_fields_to_options(complete_config, _OPTIONS_SCHEMA_DICT)
        return await super().async_validate_complete_config(hass, complete_config)

    @override
    @classmethod
    async def async_validate_config(cls, hass: HomeAssistant, config: ConfigType) -> ConfigType:
        """Validate the subject, and that a named entry is a NATS entry (loaded or not)."""
        config = cast("ConfigType", _SCHEMA(config))
        entry_id: str | None = config[CONF_OPTIONS].get(CONF_CONFIG_ENTRY_ID)
        if entry_id is not None:
            entry = hass.config_entries.async_get_entry(entry_id)
            if entry is None or entry.domain != DOMAIN:
                raise vol.Invalid(f"{entry_id} is not the id of a NATS entry", path=[CONF_CONFIG_ENTRY_ID])
        return config

    def __init__(self, hass: HomeAssistant, config: TriggerConfig) -> None:
        """Keep the trigger's options."""
        super().__init__(hass, config)
        assert config.options is not None
        self._subject: str = config.options[CONF_SUBJECT]
        self._entry_id: str | None = config.options.get(CONF_CONFIG_ENTRY_ID)

    @override
    async def async_attach_runner(
        self, run_action: TriggerActionRunner, did_not_trigger: TriggerNotTriggeredReporter | None = None
    ) -> CALLBACK_TYPE:
        """Subscribe and run the action for every message."""

        def _on_message(entry: NatsConfigEntry, msg: NatsMsg) -> None:
            run_action(message_variables(entry, msg), f"NATS message on {msg.subject}")

        listener = SubjectListener(self._hass, self._subject, self._entry_id, _on_message)
        await listener.async_start()
        return listener.async_stop


TRIGGERS: Final[dict[str, type[Trigger]]] = {"_": NatsMessageTrigger}
"""`_`: the trigger is `trigger: nats`, as `trigger: mqtt` is MQTT's."""


async def async_get_triggers(hass: HomeAssistant) -> dict[str, type[Trigger]]:
    """Return the integration's triggers."""
    return TRIGGERS
