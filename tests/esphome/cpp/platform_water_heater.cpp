// The water heater platform's command code against
// tests/vectors/platforms/water_heater.json (test_platform_vectors.cpp):
// WaterHeaterCommand reads the commands, and check_water_heater_command()
// refuses the apply cases, fed the entity's announcement as the firmware
// feeds it WaterHeaterTraits.

#include <gtest/gtest.h>

#include <cstring>

#include "nats_platform_water_heater.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

/// The entity's member key, or a value of type INVALID.
JsonValue member(const JsonValue &entity, const char *key) {
  JsonIterator it(entity);
  JsonValue k, v, found;
  while (it.next_member(k, v)) {
    if (k.equals(key))
      found = v;
  }
  return found;
}

/// What an announcement says, with the spec's defaults.
WaterHeaterCapabilities announced(const JsonValue &entity) {
  WaterHeaterCapabilities caps;
  const JsonValue modes = member(entity, "operation_modes");
  if (modes.type == JsonType::ARRAY) {
    JsonIterator it(modes);
    JsonValue item;
    while (it.next_element(item)) {
      for (uint8_t i = 0; i < WATER_HEATER_MODE_COUNT; i++) {
        if (item.equals(WATER_HEATER_MODE_WORDS[i]))
          caps.operation_modes |= 1u << i;
      }
    }
  }
  const JsonValue target = member(entity, "supports_target_temperature");
  caps.target_temperature = target.type != JsonType::BOOL || target.boolean;
  caps.away_mode = entity_flag(entity, "supports_away_mode");
  caps.on_off = entity_flag(entity, "supports_on_off");
  const bool fahrenheit = member(entity, "temperature_unit").equals("°F");
  const JsonValue lo = member(entity, "min_temp"), hi = member(entity, "max_temp");
  caps.min_temp = lo.type == JsonType::NUMBER ? lo.number : (fahrenheit ? 110 : 43);
  caps.max_temp = hi.type == JsonType::NUMBER ? hi.number : (fahrenheit ? 140 : 60);
  return caps;
}

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  WaterHeaterCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  if (cmd.has_operation_mode) {
    w.key("operation_mode");
    w.value(WATER_HEATER_MODE_WORDS[cmd.operation_mode]);
  }
  if (cmd.has_target_temperature) {
    w.key("target_temperature");
    w.value_number(cmd.target_temperature);
  }
  if (cmd.has_away_mode) {
    w.key("away_mode");
    w.value(cmd.away_mode);
  }
  if (cmd.power != OnOff::NONE) {
    w.key("power");
    w.value(cmd.power == OnOff::ON ? "ON" : "OFF");
  }
  return true;
}

const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  static char error[MAX_ERROR_LEN + 1];
  WaterHeaterCommand cmd;
  CommandEnvelope envelope;
  const char *form_error = nullptr;
  if (!read_command(command, len, cmd, envelope, form_error))
    return form_error;
  return check_water_heater_command(cmd, announced(entity), error, sizeof(error)) ? nullptr : error;
}

const PlatformAdapter WATER_HEATER{"water_heater", read, refusal};
const RegisterAdapter registered{WATER_HEATER};

}  // namespace

TEST(WaterHeaterCommand, RefusalsUseTheSpecsTexts) {
  WaterHeaterCapabilities caps;
  caps.operation_modes = 1u << 1;  // eco
  caps.min_temp = 30;
  caps.max_temp = 70.5;
  char error[MAX_ERROR_LEN + 1];
  for (const auto &[raw, expected] : {
           std::pair<const char *, const char *>{R"({"operation_mode":"gas"})", "operation_mode 'gas' not announced"},
           {R"({"target_temperature":71})", "target_temperature 71 out of range 30..70.5"},
           {R"({"away_mode":true})", "away_mode not supported"},
           {R"({"power":"OFF"})", "power not supported"},
           {R"({"operation_mode":"eco","power":"ON"})", "power not supported"},
       }) {
    WaterHeaterCommand cmd;
    CommandEnvelope envelope;
    const char *form_error = nullptr;
    ASSERT_TRUE(read_command(raw, std::strlen(raw), cmd, envelope, form_error)) << form_error;
    EXPECT_FALSE(check_water_heater_command(cmd, caps, error, sizeof(error))) << raw;
    EXPECT_STREQ(error, expected);
  }
}

}  // namespace esphome::nats::test
