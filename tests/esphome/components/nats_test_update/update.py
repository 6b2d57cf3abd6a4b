"""update: - platform: nats_test_update (see __init__.py): versions and release details from the YAML."""

import esphome.codegen as cg
from esphome.components import update
import esphome.config_validation as cv

CODEOWNERS: list[str] = []

nats_test_update_ns = cg.esphome_ns.namespace("nats_test_update")
TestUpdate = nats_test_update_ns.class_("TestUpdate", update.UpdateEntity, cg.Component)

CONF_CURRENT_VERSION = "current_version"
CONF_LATEST_VERSION = "latest_version"
CONF_TITLE = "title"
CONF_SUMMARY = "summary"
CONF_RELEASE_URL = "release_url"

CONFIG_SCHEMA = update.update_schema(TestUpdate).extend(
    {
        cv.Required(CONF_CURRENT_VERSION): cv.string,
        cv.Required(CONF_LATEST_VERSION): cv.string,
        cv.Optional(CONF_TITLE, default=""): cv.string,
        cv.Optional(CONF_SUMMARY, default=""): cv.string,
        cv.Optional(CONF_RELEASE_URL, default=""): cv.string,
    }
)


async def to_code(config):
    var = await update.new_update(config)
    await cg.register_component(var, config)
    cg.add(
        var.set_release(
            config[CONF_CURRENT_VERSION],
            config[CONF_LATEST_VERSION],
            config[CONF_TITLE],
            config[CONF_SUMMARY],
            config[CONF_RELEASE_URL],
        )
    )
