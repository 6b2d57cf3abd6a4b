// The climate platform's command code against tests/vectors/platforms/climate.json
// (test_platform_vectors.cpp): ClimateCommand reads the commands, and
// check_climate_command() refuses the apply cases, fed the entity's
// announcement as the firmware feeds it ClimateTraits.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "nats_platform_climate.h"
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

double number_or(const JsonValue &entity, const char *key, double fallback) {
  const JsonValue v = member(entity, key);
  return v.type == JsonType::NUMBER ? v.number : fallback;
}

bool list_has(const JsonValue &list, const char *word) {
  if (list.type != JsonType::ARRAY)
    return false;
  JsonIterator it(list);
  JsonValue item;
  while (it.next_element(item)) {
    if (item.equals(word))
      return true;
  }
  return false;
}

/// What an announcement says, with the spec's defaults.
class Announced final : public ClimateCapabilities {
 public:
  explicit Announced(const JsonValue &entity) : entity_(entity) {
    const JsonValue modes = member(entity, "hvac_modes");
    for (uint8_t i = 0; i < HVAC_MODE_COUNT; i++) {
      if (list_has(modes, HVAC_MODE_WORDS[i]))
        this->hvac_modes |= 1u << i;
    }
    const JsonValue single = member(entity, "supports_target_temperature");
    this->target_temperature = single.type != JsonType::BOOL || single.boolean;
    this->target_temperature_range = entity_flag(entity, "supports_target_temperature_range");
    this->target_humidity = entity_flag(entity, "supports_target_humidity");
    const bool fahrenheit = member(entity, "temperature_unit").equals("°F");
    this->min_temp = number_or(entity, "min_temp", fahrenheit ? 45 : 7);
    this->max_temp = number_or(entity, "max_temp", fahrenheit ? 95 : 35);
    this->min_humidity = number_or(entity, "min_humidity", 30);
    this->max_humidity = number_or(entity, "max_humidity", 99);
  }

  bool announces(ClimateList list, const char *value) const override {
    static constexpr const char *KEYS[] = {"fan_modes", "swing_modes", "swing_horizontal_modes", "preset_modes"};
    return list_has(member(this->entity_, KEYS[static_cast<uint8_t>(list)]), value);
  }

 protected:
  const JsonValue &entity_;
};

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  ClimateCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  if (cmd.has_hvac_mode) {
    w.key("hvac_mode");
    w.value(HVAC_MODE_WORDS[static_cast<uint8_t>(cmd.hvac_mode)]);
  }
  if (cmd.has_target_temperature) {
    w.key("target_temperature");
    w.value_number(cmd.target_temperature);
  }
  if (cmd.has_low) {
    w.key("target_temperature_low");
    w.value_number(cmd.target_temperature_low);
    w.key("target_temperature_high");
    w.value_number(cmd.target_temperature_high);
  }
  if (cmd.has_target_humidity) {
    w.key("target_humidity");
    w.value_number(cmd.target_humidity);
  }
  for (uint8_t i = 0; i < CLIMATE_LIST_COUNT; i++) {
    const auto list = static_cast<ClimateList>(i);
    if (cmd.has(list)) {
      w.key(CLIMATE_LIST_FIELDS[i]);
      w.value(cmd.mode(list));
    }
  }
  return true;
}

const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  static char error[MAX_ERROR_LEN + 1];
  ClimateCommand cmd;
  CommandEnvelope envelope;
  const char *form_error = nullptr;
  if (!read_command(command, len, cmd, envelope, form_error))
    return form_error;
  return check_climate_command(cmd, Announced(entity), error, sizeof(error)) ? nullptr : error;
}

const PlatformAdapter CLIMATE{"climate", read, refusal};
const RegisterAdapter registered{CLIMATE};

/// A thermostat of 10-30 °C with two fan modes and no presets.
class Thermostat final : public ClimateCapabilities {
 public:
  Thermostat() {
    this->hvac_modes = (1u << static_cast<uint8_t>(HvacMode::OFF)) | (1u << static_cast<uint8_t>(HvacMode::HEAT));
    this->min_temp = 10;
    this->max_temp = 30;
  }
  bool announces(ClimateList list, const char *value) const override {
    return list == ClimateList::FAN_MODE && (std::strcmp(value, "low") == 0 || std::strcmp(value, "high") == 0);
  }
};

std::string refusal_of(const char *raw) {
  ClimateCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  EXPECT_TRUE(read_command(raw, std::strlen(raw), cmd, envelope, error)) << error;
  char text[MAX_ERROR_LEN + 1];
  return check_climate_command(cmd, Thermostat(), text, sizeof(text)) ? "" : text;
}

}  // namespace

TEST(ClimateCommand, RefusalsUseTheSpecsTexts) {
  EXPECT_EQ(refusal_of(R"({"target_temperature":35})"), "target_temperature 35 out of range 10..30");
  EXPECT_EQ(refusal_of(R"({"target_temperature":9.5})"), "target_temperature 9.5 out of range 10..30");
  EXPECT_EQ(refusal_of(R"({"hvac_mode":"cool"})"), "hvac_mode 'cool' not announced");
  EXPECT_EQ(refusal_of(R"({"fan_mode":"Low"})"), "fan_mode 'Low' not announced");
  EXPECT_EQ(refusal_of(R"({"preset_mode":"away"})"), "preset_mode 'away' not announced");
  EXPECT_EQ(refusal_of(R"({"target_temperature_low":12,"target_temperature_high":20})"),
            "target temperature range not supported");
  EXPECT_EQ(refusal_of(R"({"target_humidity":50})"), "target_humidity not supported");
  EXPECT_EQ(refusal_of(R"({"hvac_mode":"heat","target_temperature":21.3,"fan_mode":"high"})"), "");
}

TEST(ClimateCommand, LongestModeFitsTheRefusal) {
  const std::string raw = R"({"preset_mode":")" + std::string(64, 'p') + R"("})";
  EXPECT_EQ(refusal_of(raw.c_str()), "preset_mode '" + std::string(64, 'p') + "' not announced");
}

TEST(ClimateCommand, RepeatedKeyTakesTheLast) {
  ClimateCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  const char raw[] = R"({"fan_mode":"low","fan_mode":"high","hvac_mode":"off","hvac_mode":"heat"})";
  ASSERT_TRUE(read_command(raw, sizeof(raw) - 1, cmd, envelope, error)) << error;
  EXPECT_STREQ(cmd.mode(ClimateList::FAN_MODE), "high");
  EXPECT_EQ(cmd.hvac_mode, HvacMode::HEAT);
}

}  // namespace esphome::nats::test
