"""JetStream retention: the streams that keep a home's announcements and last states.

Devices publish on core NATS; the server keeps the last message of each
announce, state and heartbeat subject in two streams per home, so a
restarted Home Assistant can know every device before any speaks again
(docs/integration.md, "Retained devices and states"). The integration
creates them when missing and, when a stream of that name exists with a
different configuration, explains the difference instead of changing a
configuration the user may have chosen; only a stream it created itself
(its description says so) is changed, and only in its number of replicas,
which the integration's options choose. Each difference left is also a
repair issue, gone once a set-up finds none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import logging
import re
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from nats.aio.client import Client
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
import nats.js.errors

from .const import DEFAULT_REPLICAS, DOMAIN
from .protocol.subjects import Subjects

_LOGGER = logging.getLogger(__name__)

_NO_JETSTREAM: Final = (
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.errors.TimeoutError,
)
OURS: Final = "NATS Home:"
"""How the description of every stream the integration creates begins."""
ISSUE_PREFIX: Final = "stream_mismatch_"


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What ensuring the streams found: whether JetStream is there, and each mismatch."""

    available: bool
    mismatches: dict[str, list[str]]
    """Stream name -> the differences from what the integration needs."""

    @callback
    def async_update_issues(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Raise a repair issue for each mismatched stream; delete those of streams now right.

        The issues go with the entry's unload too: the next set-up raises
        again what is still wrong.
        """
        async_update_stream_issues(hass, entry, self.mismatches)
        entry.async_on_unload(lambda: async_update_stream_issues(hass, entry, {}))


def stream_names(subjects: Subjects) -> tuple[str, str]:
    """Return the names of a home's announcement stream and state stream.

    Stream names cannot hold '.', so a prefix `flat.2` becomes `FLAT_2`.
    """
    home = re.sub(r"[^A-Za-z0-9_-]", "_", subjects.prefix).upper()
    return f"NATS_HOME_{home}_DEVICES", f"NATS_HOME_{home}_STATES"


def stream_configs(subjects: Subjects, replicas: int = DEFAULT_REPLICAS) -> list[StreamConfig]:
    """Return the two streams a home needs: the last message per subject, on file."""
    devices, states = stream_names(subjects)
    common: dict[str, Any] = {
        "max_msgs_per_subject": 1,
        "storage": StorageType.FILE,
        "num_replicas": replicas,
        "discard": DiscardPolicy.OLD,
        "allow_direct": True,  # read back with direct gets, by any server holding the stream
    }
    return [
        StreamConfig(
            name=devices,
            description=f"{OURS} the last announcement of every device",
            subjects=[subjects.announce_any],
            **common,
        ),
        StreamConfig(
            name=states,
            description=f"{OURS} the last state of every entity and the last heartbeat of every device",
            subjects=[subjects.state_any, subjects.status_any],
            **common,
        ),
    ]


def differences(wanted: StreamConfig, found: StreamConfig) -> list[str]:
    """Return what of the integration's needs a found stream does not meet."""
    problems = []
    if sorted(found.subjects or []) != sorted(wanted.subjects or []):
        problems.append(f"subjects {found.subjects} instead of {wanted.subjects}")
    if found.max_msgs_per_subject != wanted.max_msgs_per_subject:
        problems.append(f"max_msgs_per_subject {found.max_msgs_per_subject} instead of 1")
    if found.storage != wanted.storage:
        problems.append(f"{found.storage} storage instead of file")
    if found.num_replicas != wanted.num_replicas:
        problems.append(f"{found.num_replicas} replicas instead of {wanted.num_replicas}")
    if not found.allow_direct:
        problems.append("direct get not allowed")
    return problems


async def async_ensure_streams(
    client: Client, subjects: Subjects, replicas: int = DEFAULT_REPLICAS
) -> RetentionResult:
    """Create the home's streams if missing; report how existing ones differ.

    Without JetStream (server or account), the home works as without
    retention; that is said once in the log.
    """
    js = client.jetstream(timeout=5)
    mismatches: dict[str, list[str]] = {}
    for wanted in stream_configs(subjects, replicas):
        name = wanted.name or ""
        try:
            found = (await js.stream_info(name)).config
        except nats.js.errors.NotFoundError:
            await _async_create(js, wanted, mismatches)
            continue
        except _NO_JETSTREAM:
            _LOGGER.info(
                "JetStream is not enabled on the NATS server or for this account: devices and "
                "their last states are not retained, so after a restart Home Assistant knows a "
                "device again only once it announces itself"
            )
            return RetentionResult(available=False, mismatches={})
        if (problems := differences(wanted, found)) and _only_replicas_of_ours(wanted, found):
            problems = await async_change_replicas(js, wanted, found)
        if problems:
            mismatches[name] = problems
            _LOGGER.warning(
                "JetStream stream %s exists with a configuration NATS Home does not change: %s. "
                "Retention may be incomplete until it is fixed or deleted (it is then recreated)",
                name,
                "; ".join(problems),
            )
    return RetentionResult(available=True, mismatches=mismatches)


def _only_replicas_of_ours(wanted: StreamConfig, found: StreamConfig) -> bool:
    """Return whether the integration created the stream and it differs only in replicas."""
    return (found.description or "").startswith(OURS) and not differences(
        wanted, replace(found, num_replicas=wanted.num_replicas)
    )


async def async_change_replicas(js: JetStreamContext, wanted: StreamConfig, found: StreamConfig) -> list[str]:
    """Give a stream of the integration the replicas the options ask; return the mismatch if refused."""
    name = wanted.name or ""
    try:
        await js.update_stream(replace(found, num_replicas=wanted.num_replicas))
    except (nats.js.errors.APIError, nats.errors.TimeoutError) as err:
        reason = getattr(err, "description", None) or str(err) or type(err).__name__
        _LOGGER.warning(
            "JetStream stream %s has %s replicas and the integration's options ask for %s, but the "
            "server refused the change: %s. A stream needs at least as many JetStream servers in "
            "the cluster as replicas: set Replicas in the options to what the cluster has",
            name,
            found.num_replicas,
            wanted.num_replicas,
            reason,
        )
        return [
            f"{found.num_replicas} replicas instead of {wanted.num_replicas} "
            f"(the server refused the change: {reason})"
        ]
    _LOGGER.info(
        "Changed JetStream stream %s from %s to %s replicas, as the integration's options ask",
        name,
        found.num_replicas,
        wanted.num_replicas,
    )
    return []


async def _async_create(js: JetStreamContext, wanted: StreamConfig, mismatches: dict[str, list[str]]) -> None:
    """Create a stream; a refusal (overlapping subjects, limits, permissions) is explained, not raised."""
    name = wanted.name or ""
    try:
        await js.add_stream(wanted)
    except nats.js.errors.APIError as err:
        mismatches[name] = [f"cannot be created: {err.description}"]
        _LOGGER.warning(
            "JetStream refused to create stream %s for %s: %s (another stream capturing these "
            "subjects, the account's limits or missing permissions); devices are not retained",
            name,
            ", ".join(wanted.subjects or []),
            err.description,
        )
        return
    _LOGGER.info("Created JetStream stream %s for %s", name, ", ".join(wanted.subjects or []))


async def async_purge_device(client: Client, subjects: Subjects, device_id: str) -> None:
    """Purge everything a home's streams keep of one device, so a removed device stays removed.

    Unlike a retained MQTT announcement, nothing brings it back on the next
    start; the device returns only if it announces itself again.
    """
    js = client.jetstream(timeout=5)
    devices, states = stream_names(subjects)
    for stream, subject in (
        (devices, subjects.announce_for(device_id)),
        (states, f"{subjects.devices_prefix}{device_id}.>"),
    ):
        try:
            await js.purge_stream(stream, subject=subject)
        except nats.js.errors.NotFoundError:
            continue  # the stream was deleted: nothing of the device is kept there
        except (nats.errors.Error, nats.js.errors.Error) as err:
            _LOGGER.warning(
                "Device %s: could not purge %s from JetStream stream %s (%s); it may come back "
                "on the next start until it is purged",
                device_id,
                subject,
                stream,
                err,
            )


@callback
def async_update_stream_issues(
    hass: HomeAssistant, entry: ConfigEntry, mismatches: dict[str, list[str]]
) -> None:
    """Make the entry's stream repair issues those of `mismatches`: one per stream, none when right."""
    prefix = f"{ISSUE_PREFIX}{entry.entry_id}_"
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix) and issue_id[len(prefix) :] not in mismatches:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
    for stream, problems in mismatches.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"{prefix}{stream}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="stream_mismatch",
            translation_placeholders={
                "stream": stream,
                "entry": entry.title,
                "differences": "; ".join(problems),
            },
        )
