"""A media player for the firmware tests only: it stands in for a speaker.

ESPHome's real media players need I2S audio hardware (or a speaker
component), which the host platform does not have. This one has ESPHome's
MediaPlayer base and traits, does at once what it is asked, and logs each
call, so the tests can see what reached it. Never use it on a device.
"""

from esphome import codegen as cg
from esphome.components import media_player
import esphome.config_validation as cv
from esphome.const import CONF_ID

CODEOWNERS = ["@nats-home"]
AUTO_LOAD = ["media_player"]

CONF_SUPPORTS_PAUSE = "supports_pause"
CONF_SUPPORTS_TURN_OFF = "supports_turn_off"

nats_test_ns = cg.esphome_ns.namespace("nats_test_media_player")
NatsTestMediaPlayer = nats_test_ns.class_("NatsTestMediaPlayer", cg.Component, media_player.MediaPlayer)

CONFIG_SCHEMA = (
    media_player.media_player_schema(NatsTestMediaPlayer)
    .extend(
        {
            cv.Optional(CONF_SUPPORTS_PAUSE, default=True): cv.boolean,
            cv.Optional(CONF_SUPPORTS_TURN_OFF, default=True): cv.boolean,
        }
    )
    .extend(cv.COMPONENT_SCHEMA)
)


async def to_code(config):
    var = cg.new_Pvariable(config[CONF_ID])
    await cg.register_component(var, config)
    await media_player.register_media_player(var, config)
    cg.add(var.set_supports_pause(config[CONF_SUPPORTS_PAUSE]))
    cg.add(var.set_supports_turn_off(config[CONF_SUPPORTS_TURN_OFF]))
