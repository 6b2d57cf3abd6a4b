"""The log: option of the nats: block: the device's own log lines on P.devices.<id>.log.

Off unless given. The firmware side is nats_log.{h,cpp}; the payload is in
docs/protocol.md, "Device logs".
"""

import re

import esphome.codegen as cg
from esphome.components import logger
import esphome.config_validation as cv
from esphome.const import CONF_ID, CONF_LEVEL, CONF_LOGGER
import esphome.final_validate as fv

CONF_LOG = "log"
CONF_RATE = "rate"

# The most lines a device may send per second, and the burst at most (the
# firmware's token bucket holds up to the lines of one period).
MAX_RATE_PER_SECOND = 50
MAX_BURST = 100
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|min|minute)\s*$")
_PERIOD_MS = {"s": 1000, "sec": 1000, "second": 1000, "min": 60000, "minute": 60000}

nats_ns = cg.esphome_ns.namespace("nats")
NatsLog = nats_ns.class_("NatsLog", cg.Component)


def rate(value):
    """'10/s' or '30/min': at most that many lines in that period, then lines are dropped and counted."""
    text = cv.string_strict(value)
    match = _RATE_RE.match(text)
    if match is None:
        raise cv.Invalid(f"rate {text!r} must be a number of lines per second or minute, like 10/s or 30/min")
    lines, period_ms = int(match.group(1)), _PERIOD_MS[match.group(2)]
    if lines < 1:
        raise cv.Invalid("rate must allow at least one line")
    if lines > MAX_BURST or lines * 1000 / period_ms > MAX_RATE_PER_SECOND:
        raise cv.Invalid(
            f"rate {text!r} is too high: at most {MAX_RATE_PER_SECOND} lines per second and {MAX_BURST} per "
            "period, so that logging cannot flood the device's connection"
        )
    return {"lines": lines, "period_ms": period_ms}


def _level(value):
    try:
        return logger.is_log_level(value)
    except cv.Invalid as err:
        raise cv.Invalid(
            f"log level {value!r} is not one of {', '.join(logger.LOG_LEVELS)} (the logger's levels)"
        ) from err


LOG_SCHEMA = {
    cv.Optional(CONF_LOG): cv.Schema(
        {
            cv.GenerateID(): cv.declare_id(NatsLog),
            cv.Optional(CONF_LEVEL, default="WARN"): _level,
            cv.Optional(CONF_RATE, default="5/s"): rate,
        }
    ),
}


def final_validate_log(config):
    """Check that a logger exists and logs at least as much as the nats: log: level publishes."""
    if CONF_LOG not in config:
        return config
    logger_config = fv.full_config.get().get(CONF_LOGGER)
    if logger_config is None:
        raise cv.Invalid("log: publishes the logger's lines: add a logger: block", path=[CONF_LOG])
    wanted, logged = config[CONF_LOG][CONF_LEVEL], logger_config[CONF_LEVEL]
    order = list(logger.LOG_LEVELS)
    if order.index(wanted) > order.index(logged):
        raise cv.Invalid(
            f"log: level {wanted} is more verbose than the logger's level {logged}: lines below {logged} are "
            f"never logged, so never published. Lower log: level or raise logger: level",
            path=[CONF_LOG, CONF_LEVEL],
        )
    return config


async def log_to_code(client, config):
    """Create the log publisher when log: is given."""
    if CONF_LOG not in config:
        return
    conf = config[CONF_LOG]
    cg.add_define("USE_NATS_LOG")
    logger.request_log_listener()
    var = cg.new_Pvariable(conf[CONF_ID], client)
    await cg.register_component(var, conf)
    cg.add(var.set_level(logger.LOG_LEVELS[conf[CONF_LEVEL]]))
    cg.add(var.set_rate(conf[CONF_RATE]["lines"], conf[CONF_RATE]["period_ms"]))
