// Command expiry (docs/protocol.md, "Command expiry"): the device's rule
// against the shared scenarios of expiry.json, and the stamp fields read from
// the payloads the firmware receives.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "nats_expiry.h"
#include "nats_json.h"
#include "nats_platform_button.h"
#include "nats_platform_select.h"
#include "nats_platform_switch.h"
#include "nats_protocol.h"
#include "vectors.h"

using namespace esphome::nats;

namespace {

// A step reaches the rule the way the firmware reads it: a command through
// read_command, any other controller message through parse_clock_stamp.
std::string command_payload(const ExpiryStep &step) {
  return std::string(R"({"state":"ON","clock":")") + step.clock + R"(","sent":)" + std::to_string(step.sent) +
         R"(,"ttl":)" + std::to_string(step.ttl) + "}";
}

std::string status_payload(const ExpiryStep &step) {
  return std::string(R"({"v":1,"status":"online","clock":")") + step.clock + R"(","sent":)" +
         std::to_string(step.sent) + "}";
}

bool stamp_of(const std::string &payload, ClockStamp &stamp) {
  JsonValue root;
  return json_parse_object(payload.data(), payload.size(), root) && parse_clock_stamp(root, stamp);
}

ClockStamp stamp(const char *clock, int64_t sent) {
  ClockStamp s;
  s.clock_len = std::strlen(clock);
  std::memcpy(s.clock, clock, s.clock_len + 1);
  s.sent = sent;
  return s;
}

}  // namespace

TEST(ExpiryVectors, EveryScenarioOfExpiryJson) {
  ASSERT_GE(sizeof(EXPIRY_SCENARIOS) / sizeof(EXPIRY_SCENARIOS[0]), 8u);
  for (const auto &scenario : EXPIRY_SCENARIOS) {
    SCOPED_TRACE(scenario.name);
    CommandExpiry expiry;
    for (size_t i = 0; i < scenario.steps.size(); i++) {
      const ExpiryStep &step = scenario.steps[i];
      SCOPED_TRACE("step " + std::to_string(i));
      if (step.verdict == Verdict::NONE) {
        ClockStamp s;
        ASSERT_TRUE(stamp_of(status_payload(step), s));
        EXPECT_EQ(expiry.observe(s, step.now), step.late);
        continue;
      }
      const std::string raw = command_payload(step);
      SwitchCommand fields;
      CommandEnvelope cmd;
      const char *error = nullptr;
      ASSERT_TRUE(read_command(raw.data(), raw.size(), fields, cmd, error)) << error;
      int64_t late = -12345;
      const bool expired = expiry.is_expired(cmd, step.now, late);
      EXPECT_EQ(late, step.late);
      EXPECT_EQ(expired, step.verdict == Verdict::REFUSE);
    }
  }
}

TEST(Expiry, UnstampedCommandNeverExpires) {
  CommandExpiry expiry;
  expiry.observe(stamp("c", 0), 0);
  const char raw[] = R"({"state":"ON"})";
  SwitchCommand fields;
  CommandEnvelope cmd;
  const char *error = nullptr;
  ASSERT_TRUE(read_command(raw, sizeof(raw) - 1, fields, cmd, error));
  EXPECT_FALSE(cmd.has_expiry);
  int64_t late = -1;
  EXPECT_FALSE(expiry.is_expired(cmd, 1000000, late));
  EXPECT_EQ(late, 0);
}

// The allowance is floored like Python's //: a device clock read before the
// last message (it cannot go backwards, but the rule must not depend on it)
// rounds the allowance down, where C++ / would round it up to 0.
TEST(Expiry, AllowanceIsFlooredForNegativeIntervals) {
  CommandExpiry expiry;
  expiry.observe(stamp("c", 0), 10000);
  // now - at = -1: floor(-1 / 5000) = -1, so bound = 9999 and late = 0
  // (truncation would give bound 10000 and late -1).
  EXPECT_EQ(expiry.observe(stamp("c", 0), 9999), 0);
}

TEST(Expiry, AllowanceIsOneMsPer5000) {
  for (int64_t elapsed : {4999, 5000, 9999, 10000}) {
    CommandExpiry expiry;
    expiry.observe(stamp("c", 0), 10000);
    EXPECT_EQ(expiry.observe(stamp("c", 0), 10000 + elapsed), elapsed - elapsed / 5000) << elapsed;
  }
}

TEST(Expiry, FourClocksKeptLeastRecentlyHeardForgotten) {
  CommandExpiry expiry;
  for (const char *clock : {"a", "b", "c", "d"})
    EXPECT_EQ(expiry.observe(stamp(clock, 0), 0), 0);
  // Hearing "a" again makes "b" the least recently heard ...
  EXPECT_EQ(expiry.observe(stamp("a", 0), 1000), 1000);
  EXPECT_EQ(expiry.observe(stamp("e", 0), 1000), 0);
  // ... so "b" is forgotten (unknown again: late 0) while "a", "c" and "d" are known.
  EXPECT_EQ(expiry.observe(stamp("c", 0), 2000), 2000);
  EXPECT_EQ(expiry.observe(stamp("d", 0), 2000), 2000);
  EXPECT_EQ(expiry.observe(stamp("a", 0), 3000), 3000);
  EXPECT_EQ(expiry.observe(stamp("b", 0), 9000), 0);
  // Now "e" was the least recently heard, and has been replaced by "b".
  EXPECT_EQ(expiry.observe(stamp("e", 0), 9000), 0);
}

TEST(Expiry, ClocksDifferingOnlyInLengthAreDistinct) {
  CommandExpiry expiry;
  expiry.observe(stamp("ab", 0), 0);
  EXPECT_EQ(expiry.observe(stamp("a", 0), 5000), 0);
  EXPECT_EQ(expiry.observe(stamp("ab", 0), 5000), 4999);
}

TEST(Expiry, LargestSentAndLongDeviceUptime) {
  CommandExpiry expiry;
  const int64_t day = 24LL * 3600 * 1000;
  // 100 years of device uptime and a controller clock at 2^53: no overflow.
  const int64_t now = 36500 * day;
  expiry.observe(stamp("c", MAX_SENT - day), now - day);
  EXPECT_EQ(expiry.observe(stamp("c", MAX_SENT), now), -(day / 5000));
}

TEST(ClockStamps, ReadFromControllerMessages) {
  ClockStamp s;
  ASSERT_TRUE(stamp_of(R"({"v":1,"clock":"3f9a1c2e","sent":123456})", s));
  EXPECT_STREQ(s.clock, "3f9a1c2e");
  EXPECT_EQ(s.clock_len, 8u);
  EXPECT_EQ(s.sent, 123456);
  ASSERT_TRUE(stamp_of(R"({"sent":9007199254740992,"status":"offline","clock":"c"})", s));
  EXPECT_EQ(s.sent, MAX_SENT);
  // Escapes are decoded before the token check, as a JSON parser would.
  ASSERT_TRUE(stamp_of(R"({"clock":"\u0061b","sent":0})", s));
  EXPECT_STREQ(s.clock, "ab");
}

TEST(ClockStamps, IncompleteOrInvalidStampsTeachNothing) {
  ClockStamp s;
  const char *bad[] = {
      R"({"v":1})",
      R"({"v":1,"status":"online"})",
      R"({"clock":"c"})",
      R"({"sent":5})",
      R"({"clock":"C","sent":5})",
      R"({"clock":"a.b","sent":5})",
      R"({"clock":"","sent":5})",
      R"({"clock":5,"sent":5})",
      R"({"clock":"c","sent":-1})",
      R"({"clock":"c","sent":5.5})",
      R"({"clock":"c","sent":5.0})",
      R"({"clock":"c","sent":5e0})",
      R"({"clock":"c","sent":"5"})",
      R"({"clock":"c","sent":9007199254740993})",
      R"({"clock":"c","sent":99999999999999999999999})",
  };
  for (const char *raw : bad)
    EXPECT_FALSE(stamp_of(raw, s)) << raw;
  const std::string long_clock = R"({"clock":")" + std::string(65, 'a') + R"(","sent":1})";
  EXPECT_FALSE(stamp_of(long_clock, s));
  const std::string longest = R"({"clock":")" + std::string(64, 'a') + R"(","sent":1})";
  EXPECT_TRUE(stamp_of(longest, s));
}

TEST(Commands, ExpiryFieldsAreCheckedExactly) {
  CommandEnvelope cmd;
  const char *error = nullptr;
  SwitchCommand switch_fields;
  const char *bad[] = {
      R"({"state":"ON","clock":"c","sent":9007199254740993,"ttl":1500})",
      R"({"state":"ON","clock":"c","sent":5.0,"ttl":1500})",
      R"({"state":"ON","clock":"c","sent":5,"ttl":1e3})",
      R"({"state":"ON","clock":"c","sent":5,"ttl":-1})",
      R"({"state":"ON","clock":"c","sent":5,"ttl":"1500"})",
      R"({"state":"ON","clock":null,"sent":5,"ttl":1500})",
  };
  for (const char *raw : bad) {
    EXPECT_FALSE(read_command(raw, std::strlen(raw), switch_fields, cmd, error)) << raw;
    ASSERT_NE(error, nullptr);
    EXPECT_LE(std::strlen(error), MAX_ERROR_LEN);
  }
  const char minus_zero[] = R"({"action":"press","clock":"c","sent":-0,"ttl":1})";
  ButtonCommand button_fields;
  ASSERT_TRUE(read_command(minus_zero, sizeof(minus_zero) - 1, button_fields, cmd, error)) << error;
  EXPECT_EQ(cmd.stamp.sent, 0);
  EXPECT_EQ(cmd.ttl, 1u);
  const char partial[] = R"({"option":"eco","ttl":1500})";
  SelectCommand select_fields;
  ASSERT_FALSE(read_command(partial, sizeof(partial) - 1, select_fields, cmd, error));
  EXPECT_NE(std::string(error).find("together"), std::string::npos);
}
