// The cover platform's command code against tests/vectors/platforms/cover.json
// (test_platform_vectors.cpp), and its reading of ESPHome's state.

#include <gtest/gtest.h>

#include <cmath>

#include "nats_platform_cover.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  CoverCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  static const char *const ACTIONS[] = {nullptr, "open", "close", "stop"};
  if (cmd.action != MoveAction::NONE) {
    w.key("action");
    w.value(ACTIONS[static_cast<int>(cmd.action)]);
  }
  if (cmd.has_position) {
    w.key("position");
    w.value(static_cast<int>(cmd.position));
  }
  if (cmd.has_tilt) {
    w.key("tilt");
    w.value(static_cast<int>(cmd.tilt));
  }
  return true;
}

const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  CoverCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!read_command(command, len, cmd, envelope, error))
    return error;
  return cmd.refusal(entity_flag(entity, "supports_position"), entity_flag(entity, "supports_tilt"),
                     entity_flag(entity, "supports_stop"));
}

const PlatformAdapter COVER{"cover", read, refusal};
const RegisterAdapter registered{COVER};

}  // namespace

TEST(CoverState, PercentRoundsToNearest) {
  EXPECT_EQ(to_percent(0.0f), 0);
  EXPECT_EQ(to_percent(1.0f), 100);
  EXPECT_EQ(to_percent(0.404f), 40);
  EXPECT_EQ(to_percent(0.406f), 41);
  EXPECT_EQ(to_percent(0.004f), 0);
  EXPECT_EQ(to_percent(0.996f), 100);
  EXPECT_EQ(to_percent(-0.2f), 0);
  EXPECT_EQ(to_percent(1.5f), 100);
  EXPECT_EQ(to_percent(NAN), -1);
}

TEST(CoverState, WordFromOperationAndPosition) {
  EXPECT_STREQ(motion_state(true, false, 0), "opening");
  EXPECT_STREQ(motion_state(false, true, 100), "closing");
  EXPECT_STREQ(motion_state(false, false, 0), "closed");
  EXPECT_STREQ(motion_state(false, false, 1), "open");
  EXPECT_STREQ(motion_state(false, false, 100), "open");
  // Unknown position (NaN) is not "closed".
  EXPECT_STREQ(motion_state(false, false, -1), "open");
}

}  // namespace esphome::nats::test
