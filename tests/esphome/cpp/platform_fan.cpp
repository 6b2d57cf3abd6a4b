// The fan platform's command code against tests/vectors/platforms/fan.json
// (test_platform_vectors.cpp): FanCommand reads the commands,
// check_fan_command() refuses the apply cases, and the speed conversions
// give the percentages the spec's ideal device reports.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "nats_platform_fan.h"
#include "platform_adapter.h"
#include "vectors.h"

namespace esphome::nats::test {

namespace {

JsonValue member(const JsonValue &object, const char *key) {
  JsonIterator it(object);
  JsonValue k, v, found;
  while (it.next_member(k, v)) {
    if (k.equals(key))
      found = v;
  }
  return found;
}

class Announced final : public FanCapabilities {
 public:
  explicit Announced(const JsonValue &entity) : entity_(entity) {
    const JsonValue count = member(entity, "speed_count");
    this->speed_count = count.type == JsonType::NUMBER ? static_cast<int>(count.number) : 0;
    this->oscillation = entity_flag(entity, "supports_oscillation");
    this->direction = entity_flag(entity, "supports_direction");
  }
  bool announces_preset(const char *value) const override {
    const JsonValue presets = member(this->entity_, "preset_modes");
    if (presets.type != JsonType::ARRAY)
      return false;
    JsonIterator it(presets);
    JsonValue item;
    while (it.next_element(item)) {
      if (item.equals(value))
        return true;
    }
    return false;
  }

 protected:
  const JsonValue &entity_;
};

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  FanCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  if (cmd.state != OnOff::NONE) {
    w.key("state");
    w.value(cmd.state == OnOff::ON ? "ON" : "OFF");
  }
  if (cmd.has_percentage) {
    w.key("percentage");
    w.value(static_cast<int>(cmd.percentage));
  }
  if (cmd.has_oscillating) {
    w.key("oscillating");
    w.value(cmd.oscillating);
  }
  if (cmd.direction != FanDirection::NONE) {
    w.key("direction");
    w.value(cmd.direction == FanDirection::FORWARD ? "forward" : "reverse");
  }
  if (cmd.has_preset_mode) {
    w.key("preset_mode");
    w.value(cmd.preset_mode);
  }
  return true;
}

const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  static char error[MAX_ERROR_LEN + 1];
  FanCommand cmd;
  CommandEnvelope envelope;
  const char *form_error = nullptr;
  if (!read_command(command, len, cmd, envelope, form_error))
    return form_error;
  return check_fan_command(cmd, Announced(entity), error, sizeof(error)) ? nullptr : error;
}

const PlatformAdapter FAN{"fan", read, refusal};
const RegisterAdapter registered{FAN};

}  // namespace

// The firmware sets speed fan_speed(p) and reports fan_percentage(speed):
// every apply case with a percentage must come back as the vectors say.
TEST(FanSpeed, ApplyCasesComeBackWithTheVectorsPercentage) {
  size_t checked = 0;
  for (const auto &tc : PLATFORM_APPLY_CASES) {
    if (std::strcmp(tc.platform, "fan") != 0 || tc.error != nullptr)
      continue;
    SCOPED_TRACE(tc.name);
    JsonValue entity, command, result;
    ASSERT_TRUE(json_parse_object(tc.entity.data(), tc.entity.size(), entity));
    ASSERT_TRUE(json_parse_object(tc.command.data(), tc.command.size(), command));
    ASSERT_TRUE(json_parse_object(tc.result.data(), tc.result.size(), result));
    const JsonValue percentage = member(command, "percentage");
    if (percentage.type != JsonType::NUMBER)
      continue;
    const int count = static_cast<int>(member(entity, "speed_count").number);
    const int speed = fan_speed(static_cast<int>(percentage.number), count);
    EXPECT_GE(speed, 1);
    EXPECT_LE(speed, count);
    EXPECT_EQ(fan_percentage(speed, count), static_cast<int>(member(result, "percentage").number));
    checked++;
  }
  EXPECT_GE(checked, 8u);
}

TEST(FanSpeed, EveryPercentageOfEveryCount) {
  for (int count = 1; count <= 300; count++) {
    for (int p = 1; p <= 100; p++) {
      const int speed = fan_speed(p, count);
      ASSERT_GE(speed, 1) << count << " " << p;
      ASSERT_LE(speed, count) << count << " " << p;
      const int reported = fan_percentage(speed, count);
      // Rounded up, then down: never below what was asked, and a speed's
      // own percentage comes back unchanged.
      ASSERT_GE(reported, p) << count << " " << p;
      ASSERT_EQ(fan_speed(reported, count), speed) << count << " " << p;
      if (count >= 100) {
        ASSERT_EQ(reported, p) << count;
      }
    }
  }
  EXPECT_EQ(fan_percentage(0, 3), 0);
  EXPECT_EQ(fan_percentage(5, 3), 100);  // a speed beyond the count (a restored state)
}

TEST(FanCommand, RefusalsUseTheSpecsTexts) {
  struct NoPresets final : FanCapabilities {
    bool announces_preset(const char *) const override { return false; }
  } caps;
  caps.speed_count = 3;
  char error[MAX_ERROR_LEN + 1];
  for (const auto &[raw, expected] : {
           std::pair<const char *, const char *>{R"({"oscillating":true})", "oscillating not supported"},
           {R"({"direction":"reverse"})", "direction not supported"},
           {R"({"preset_mode":"turbo"})", "preset_mode 'turbo' not announced"},
           {R"({"percentage":100,"oscillating":true})", "oscillating not supported"},
       }) {
    FanCommand cmd;
    CommandEnvelope envelope;
    const char *form_error = nullptr;
    ASSERT_TRUE(read_command(raw, std::strlen(raw), cmd, envelope, form_error)) << form_error;
    EXPECT_FALSE(check_fan_command(cmd, caps, error, sizeof(error))) << raw;
    EXPECT_STREQ(error, expected);
  }
}

}  // namespace esphome::nats::test
