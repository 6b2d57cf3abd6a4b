"""NATS client for ESPHome: the device side of NATS Home protocol v1 (docs/protocol.md)."""

import re

from esphome import automation
import esphome.codegen as cg
from esphome.components import socket
import esphome.config_validation as cv
from esphome.const import (
    CONF_DEVICE_ID,
    CONF_DISCOVERY,
    CONF_ID,
    CONF_KEEPALIVE,
    CONF_ON_MESSAGE,
    CONF_PASSWORD,
    CONF_PAYLOAD,
    CONF_PORT,
    CONF_RX_BUFFER_SIZE,
    CONF_SERVERS,
    CONF_TRIGGER_ID,
    CONF_TX_BUFFER_SIZE,
    CONF_USERNAME,
)
from esphome.core import CORE

from .auth_config import (
    CONF_CREDENTIALS,
    CONF_JWT,
    CONF_NKEY_SEED,
    credentials,
    credentials_file,
    nkey_seed,
    user_jwt,
)
from .log_config import LOG_SCHEMA, final_validate_log, log_to_code
from .tls_config import TLS_SCHEMA, TLS_SCHEME, tls_to_code, validate_tls

CODEOWNERS = ["@nats-home"]
DEPENDENCIES = ["network"]
AUTO_LOAD = ["socket"]

# Keys esphome.const does not have.
CONF_HOST = "host"
CONF_TOKEN = "token"
CONF_PREFIX = "prefix"
CONF_HEARTBEAT_INTERVAL = "heartbeat_interval"
CONF_RECONNECT_INTERVAL = "reconnect_interval"
CONF_RECONNECT_MAX_INTERVAL = "reconnect_max_interval"
CONF_SUBJECT = "subject"
CONF_MAX_PAYLOAD_SIZE = "max_payload_size"
CONF_CONFIG_STORE = "config_store"

DEFAULT_PORT = 4222
# The longest prefix whose command subjects still fit the 255 characters the
# firmware allows (MAX_PREFIX_LEN in nats_protocol.h, with a 64-character
# device id, platform word and entity id).
MAX_PREFIX_LEN = 64
# The reserved `name` setting of the configuration store takes at most this
# many characters (NAME_SETTING_MAX_CHARS in nats_config.h); its default is
# the friendly name.
MAX_NAME_SETTING_LEN = 64

nats_ns = cg.esphome_ns.namespace("nats")
NatsClient = nats_ns.class_("NatsClient", cg.Component)
NatsMessageTrigger = nats_ns.class_(
    "NatsMessageTrigger", automation.Trigger.template(cg.std_string, cg.std_string)
)
NatsPublishAction = nats_ns.class_("NatsPublishAction", automation.Action, cg.Parented.template(NatsClient))

TOKEN_RE = re.compile(r"^[a-z0-9_-]{1,64}$")
PREFIX_RE = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
SUBJECT_TOKEN_RE = re.compile(r"^[^\s.*>]+$")


def _token_error(value: str, what: str) -> str:
    bad = sorted({c for c in value if not re.match(r"[a-z0-9_-]", c)})
    detail = f" (not allowed: {' '.join(repr(c) for c in bad)})" if bad else ""
    return (
        f"{what} {value!r} is not a valid NATS Home id: use 1-64 lowercase letters, "
        f"digits, '_' or '-'{detail}. Dots, spaces, '*' and '>' would change which "
        f"subjects the device uses."
    )


def device_id(value):
    """Validate an explicit device id against the protocol's token rule."""
    value = cv.string_strict(value)
    if not TOKEN_RE.match(value):
        raise cv.Invalid(_token_error(value, "device_id"))
    return value


def prefix(value):
    """Validate a subject prefix: dot-separated tokens, short enough for every subject."""
    value = cv.string_strict(value)
    if not PREFIX_RE.match(value):
        raise cv.Invalid(
            f"prefix {value!r} must be one or more dot-separated tokens of "
            "letters, digits, '_' or '-' (for example 'home' or 'site1.home')"
        )
    if len(value) > MAX_PREFIX_LEN:
        raise cv.Invalid(
            f"prefix {value!r} is {len(value)} characters long; at most {MAX_PREFIX_LEN} fit, so that "
            "every subject the device uses stays within NATS Home's 255 characters"
        )
    return value


def _subject(value, wildcards: bool):
    value = cv.string_strict(value)
    tokens = value.split(".")
    for i, token in enumerate(tokens):
        if wildcards and token == "*":
            continue
        if wildcards and token == ">" and i == len(tokens) - 1:
            continue
        if not SUBJECT_TOKEN_RE.match(token):
            kind = "subscribe" if wildcards else "publish"
            raise cv.Invalid(
                f"{value!r} is not a valid NATS {kind} subject: tokens must be non-empty, "
                "without whitespace"
                + ("; '*' and '>' only as whole tokens, '>' last" if wildcards else "; no wildcards")
            )
    if len(value) > 255:
        raise cv.Invalid("subjects are limited to 255 characters")
    return value


def subscribe_subject(value):
    """Validate a subject to subscribe to (wildcards allowed)."""
    return _subject(value, True)


def publish_subject(value):
    """Validate a subject to publish on (no wildcards)."""
    return _subject(value, False)


def server(value):
    """host, host:port, nats://host:port or tls://host:port."""
    if isinstance(value, dict):
        return SERVER_SCHEMA(value)
    value = cv.string_strict(value)
    scheme, _, rest = value.rpartition("://")
    if scheme not in ("", "nats", "tls"):
        raise cv.Invalid("only nats:// and tls:// servers are supported (no websocket on the device)")
    host, _, port = rest.partition(":")
    config = {CONF_HOST: host}
    if port:
        config[CONF_PORT] = port
    config = SERVER_SCHEMA(config)
    if scheme == "tls":
        config[TLS_SCHEME] = True  # validate_tls() checks it has certificate_authority
    return config


SERVER_SCHEMA = cv.Schema(
    {
        cv.Required(CONF_HOST): socket.ipv4_host,
        cv.Optional(CONF_PORT, default=DEFAULT_PORT): cv.port,
    }
)


def _default_device_id(config):
    if CONF_DEVICE_ID in config:
        return config
    name = CORE.name
    if not TOKEN_RE.match(name):
        raise cv.Invalid(
            _token_error(name, "The node name") + " Set device_id: in the nats: block.",
            path=[CONF_DEVICE_ID],
        )
    config[CONF_DEVICE_ID] = name
    return config


def _servers(config):
    if CONF_HOST in config:
        config[CONF_SERVERS] = [
            {
                CONF_HOST: config.pop(CONF_HOST),
                CONF_PORT: config.pop(CONF_PORT, DEFAULT_PORT),
            }
        ]
    elif CONF_PORT in config:
        raise cv.Invalid("port: goes with host:; in servers: write host:port")
    if not config.get(CONF_SERVERS):
        raise cv.Invalid("set host: (one server) or servers: (a list to fail over between)")
    return config


def _config_store(config):
    """Turn config_store on with discovery: its settings are declared in the announcement."""
    if CONF_CONFIG_STORE not in config:
        config[CONF_CONFIG_STORE] = config[CONF_DISCOVERY]
    elif config[CONF_CONFIG_STORE] and not config[CONF_DISCOVERY]:
        raise cv.Invalid(
            "config_store needs discovery: the settings are declared in the announcement",
            path=[CONF_CONFIG_STORE],
        )
    name = CORE.friendly_name or CORE.name
    if config[CONF_CONFIG_STORE] and len(name) > MAX_NAME_SETTING_LEN:
        raise cv.Invalid(
            f"the friendly name is {len(name)} characters long; the configuration store's name setting "
            f"takes at most {MAX_NAME_SETTING_LEN}: shorten it or set config_store: false",
            path=[CONF_CONFIG_STORE],
        )
    return config


def _backoff(config):
    if config[CONF_RECONNECT_MAX_INTERVAL] < config[CONF_RECONNECT_INTERVAL]:
        raise cv.Invalid(
            "reconnect_max_interval must not be shorter than reconnect_interval",
            path=[CONF_RECONNECT_MAX_INTERVAL],
        )
    return config


CONFIG_SCHEMA = cv.All(
    cv.Schema(
        {
            cv.GenerateID(): cv.declare_id(NatsClient),
            cv.Exclusive(CONF_HOST, "server"): socket.ipv4_host,
            cv.Optional(CONF_PORT): cv.port,
            cv.Exclusive(CONF_SERVERS, "server"): cv.All(cv.ensure_list(server), cv.Length(min=1, max=8)),
            cv.Inclusive(CONF_USERNAME, "credentials"): cv.string_strict,
            cv.Inclusive(CONF_PASSWORD, "credentials"): cv.string_strict,
            cv.Optional(CONF_TOKEN): cv.string_strict,
            cv.Exclusive(CONF_NKEY_SEED, "nkey"): nkey_seed,
            cv.Optional(CONF_JWT): user_jwt,
            cv.Exclusive(CONF_CREDENTIALS, "nkey"): credentials_file,
            **TLS_SCHEMA,
            **LOG_SCHEMA,
            cv.Optional(CONF_DEVICE_ID): device_id,
            cv.Optional(CONF_PREFIX, default="home"): prefix,
            cv.Optional(CONF_HEARTBEAT_INTERVAL, default="60s"): cv.All(
                cv.positive_time_period_seconds,
                cv.Range(min=cv.TimePeriod(seconds=1), max=cv.TimePeriod(seconds=3600)),
            ),
            cv.Optional(CONF_KEEPALIVE, default="30s"): cv.All(
                cv.positive_time_period_milliseconds,
                cv.Range(min=cv.TimePeriod(seconds=1)),
            ),
            cv.Optional(CONF_RECONNECT_INTERVAL, default="1s"): cv.All(
                cv.positive_time_period_milliseconds,
                cv.Range(min=cv.TimePeriod(milliseconds=100)),
            ),
            cv.Optional(CONF_RECONNECT_MAX_INTERVAL, default="30s"): cv.positive_time_period_milliseconds,
            cv.Optional(CONF_DISCOVERY, default=True): cv.boolean,
            # Default: the same as discovery.
            cv.Optional(CONF_CONFIG_STORE): cv.boolean,
            # Incoming traffic is small (commands, discovery requests); the
            # announcement is streamed, so neither buffer bounds its size.
            cv.SplitDefault(CONF_RX_BUFFER_SIZE, esp8266=1024, esp32=2048, host=4096): cv.int_range(
                min=256, max=65536
            ),
            cv.SplitDefault(CONF_TX_BUFFER_SIZE, esp8266=1024, esp32=2048, host=4096): cv.int_range(
                min=1024, max=65536
            ),
            cv.Optional(CONF_MAX_PAYLOAD_SIZE): cv.invalid(
                "max_payload_size was split into rx_buffer_size (largest incoming message) and "
                "tx_buffer_size (send buffer); announcements no longer need to fit either"
            ),
            cv.Optional(CONF_ON_MESSAGE): automation.validate_automation(
                {
                    cv.GenerateID(CONF_TRIGGER_ID): cv.declare_id(NatsMessageTrigger),
                    cv.Required(CONF_SUBJECT): subscribe_subject,
                }
            ),
        }
    ).extend(cv.COMPONENT_SCHEMA),
    cv.has_at_most_one_key(CONF_USERNAME, CONF_TOKEN, CONF_NKEY_SEED, CONF_CREDENTIALS),
    credentials,
    _servers,
    validate_tls,
    _default_device_id,
    _backoff,
    _config_store,
    cv.require_esphome_version(2026, 10, 0),
    socket.consume_sockets(1, "nats"),
)
FINAL_VALIDATE_SCHEMA = final_validate_log


async def to_code(config):
    """Generate the client and its automations."""
    var = cg.new_Pvariable(config[CONF_ID])
    await cg.register_component(var, config)
    cg.add_define("USE_NATS")
    socket.require_ipv4_resolve()
    # Entity state changes reach the client as controller callbacks, the way
    # they reach the native API and the web server.
    CORE.register_controller(var)

    for srv in config[CONF_SERVERS]:
        cg.add(var.add_server(srv[CONF_HOST], srv[CONF_PORT]))
    if CONF_USERNAME in config:
        cg.add(var.set_username(config[CONF_USERNAME]))
        cg.add(var.set_password(config[CONF_PASSWORD]))
    if CONF_TOKEN in config:
        cg.add(var.set_token(config[CONF_TOKEN]))
    # A host build always has them: its environment can supply credentials.
    if CONF_NKEY_SEED in config or CORE.is_host:
        cg.add_define("USE_NATS_NKEY")
    if CONF_JWT in config or CORE.is_host:
        cg.add_define("USE_NATS_JWT")
    if CONF_NKEY_SEED in config:
        cg.add(var.set_nkey_seed(config[CONF_NKEY_SEED]))
    if CONF_JWT in config:
        cg.add(var.set_jwt(config[CONF_JWT]))
    tls_to_code(var, config)
    cg.add(var.set_device_id(config[CONF_DEVICE_ID]))
    cg.add(var.set_device_name(CORE.friendly_name or CORE.name))
    cg.add(var.set_prefix(config[CONF_PREFIX]))
    cg.add(var.set_heartbeat_interval(config[CONF_HEARTBEAT_INTERVAL].total_seconds * 1000))
    cg.add(var.set_keepalive(config[CONF_KEEPALIVE]))
    cg.add(var.set_reconnect_interval(config[CONF_RECONNECT_INTERVAL], config[CONF_RECONNECT_MAX_INTERVAL]))
    cg.add(var.set_discovery(config[CONF_DISCOVERY]))
    if config[CONF_CONFIG_STORE]:
        cg.add_define("USE_NATS_CONFIG_STORE")
    # SplitDefault names the tested targets; others get the ESP32 sizes.
    cg.add(var.set_buffer_sizes(config.get(CONF_RX_BUFFER_SIZE, 2048), config.get(CONF_TX_BUFFER_SIZE, 2048)))
    await log_to_code(var, config)

    for conf in config.get(CONF_ON_MESSAGE, []):
        trigger = cg.new_Pvariable(conf[CONF_TRIGGER_ID], conf[CONF_SUBJECT])
        cg.add(var.add_trigger(trigger))
        await automation.build_automation(
            trigger, [(cg.std_string, "subject"), (cg.std_string, "payload")], conf
        )


NATS_PUBLISH_ACTION_SCHEMA = cv.Schema(
    {
        cv.GenerateID(): cv.use_id(NatsClient),
        cv.Required(CONF_SUBJECT): cv.templatable(publish_subject),
        cv.Required(CONF_PAYLOAD): cv.templatable(cv.string),
    }
)


@automation.register_action("nats.publish", NatsPublishAction, NATS_PUBLISH_ACTION_SCHEMA, synchronous=True)
async def nats_publish_to_code(config, action_id, template_arg, args):
    """Generate a nats.publish action."""
    var = cg.new_Pvariable(action_id, template_arg)
    await cg.register_parented(var, config[CONF_ID])
    subject = await cg.templatable(config[CONF_SUBJECT], args, cg.std_string)
    cg.add(var.set_subject(subject))
    payload = await cg.templatable(config[CONF_PAYLOAD], args, cg.std_string)
    cg.add(var.set_payload(payload))
    return var
