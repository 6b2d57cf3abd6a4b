// Protocol rules against the shared vectors: command.json and subjects.json.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "nats_protocol.h"
#include "vectors.h"

using namespace esphome::nats;

namespace {

std::string describe(const Command &c) {
  std::string s = "state=" + std::to_string(static_cast<int>(c.state));
  if (c.has_brightness)
    s += " brightness=" + std::to_string(c.brightness);
  if (c.has_value)
    s += " value=" + std::to_string(c.value);
  if (c.has_option)
    s += std::string(" option=") + c.option;
  return s;
}

}  // namespace

TEST(CommandVectors, EveryCaseOfCommandJson) {
  ASSERT_GT(sizeof(COMMAND_CASES) / sizeof(COMMAND_CASES[0]), 10u);
  for (const auto &tc : COMMAND_CASES) {
    SCOPED_TRACE(tc.name);
    Platform platform;
    Command cmd;
    const char *error = nullptr;
    bool known = platform_from_name(tc.platform, std::strlen(tc.platform), platform);
    bool ok = known && parse_command(platform, tc.raw.data(), tc.raw.size(), cmd, error);
    if (!tc.valid) {
      EXPECT_FALSE(ok) << "accepted: " << describe(cmd);
      if (known) {
        ASSERT_NE(error, nullptr);
        EXPECT_GT(std::strlen(error), 0u);
        EXPECT_LE(std::strlen(error), MAX_ERROR_LEN);
      }
      continue;
    }
    ASSERT_TRUE(ok) << (error != nullptr ? error : "unknown platform");
    const ExpectCommand &e = tc.expect;
    EXPECT_EQ(cmd.has_version, e.has_version);
    if (e.has_version) {
      EXPECT_EQ(cmd.version, e.version);
    }
    if (e.state == nullptr) {
      EXPECT_EQ(cmd.state, OnOff::NONE);
    } else {
      EXPECT_EQ(cmd.state, std::strcmp(e.state, "ON") == 0 ? OnOff::ON : OnOff::OFF);
    }
    EXPECT_EQ(cmd.has_brightness, e.has_brightness);
    if (e.has_brightness) {
      EXPECT_EQ(cmd.brightness, e.brightness);
    }
    EXPECT_EQ(cmd.has_rgb, e.has_rgb);
    if (e.has_rgb) {
      EXPECT_EQ(cmd.rgb[0], e.rgb[0]);
      EXPECT_EQ(cmd.rgb[1], e.rgb[1]);
      EXPECT_EQ(cmd.rgb[2], e.rgb[2]);
    }
    EXPECT_EQ(cmd.has_color_temp_kelvin, e.has_kelvin);
    if (e.has_kelvin) {
      EXPECT_EQ(cmd.color_temp_kelvin, e.kelvin);
    }
    EXPECT_EQ(cmd.has_transition, e.has_transition);
    if (e.has_transition) {
      EXPECT_FLOAT_EQ(cmd.transition, static_cast<float>(e.transition));
    }
    EXPECT_EQ(cmd.press, e.press);
    EXPECT_EQ(cmd.has_value, e.has_value);
    if (e.has_value) {
      EXPECT_DOUBLE_EQ(cmd.value, e.value);
    }
    EXPECT_EQ(cmd.has_option, e.option != nullptr);
    if (e.option != nullptr) {
      EXPECT_STREQ(cmd.option, e.option);
    }
    EXPECT_EQ(cmd.has_expiry, e.clock != nullptr);
    if (e.clock != nullptr) {
      EXPECT_STREQ(cmd.stamp.clock, e.clock);
      EXPECT_EQ(cmd.stamp.clock_len, std::strlen(e.clock));
      EXPECT_EQ(cmd.stamp.sent, e.sent);
      EXPECT_EQ(static_cast<long long>(cmd.ttl), e.ttl);
    }
  }
}

TEST(TokenVectors, EveryCaseOfSubjectsJson) {
  for (const auto &tc : TOKEN_CASES) {
    SCOPED_TRACE(tc.token);
    EXPECT_EQ(is_valid_token(tc.token.data(), tc.token.size()), tc.valid);
  }
}

TEST(Tokens, SanitizedObjectIdsAreValidTokens) {
  const char *inputs[] = {"Living Room", "temp.sensor", "a*b>c", "", "ÄÖÜ", "x_-y",
                          "0123456789012345678901234567890123456789012345678901234567890123456789"};
  for (const char *in : inputs) {
    char out[MAX_TOKEN_LEN + 1];
    size_t n = sanitize_token(in, std::strlen(in), out, sizeof(out));
    SCOPED_TRACE(in);
    EXPECT_EQ(n, std::strlen(out));
    EXPECT_TRUE(is_valid_token(out, n)) << out;
  }
  char out[MAX_TOKEN_LEN + 1];
  sanitize_token("Living Room", 11, out, sizeof(out));
  EXPECT_STREQ(out, "living_room");
}

TEST(Prefix, Validation) {
  EXPECT_TRUE(is_valid_prefix("home", 4));
  EXPECT_TRUE(is_valid_prefix("Site-1.home_a", 13));
  EXPECT_FALSE(is_valid_prefix("", 0));
  EXPECT_FALSE(is_valid_prefix("home.", 5));
  EXPECT_FALSE(is_valid_prefix(".home", 5));
  EXPECT_FALSE(is_valid_prefix("a..b", 4));
  EXPECT_FALSE(is_valid_prefix("ho me", 5));
  EXPECT_FALSE(is_valid_prefix("home.*", 6));
  EXPECT_FALSE(is_valid_prefix("home.>", 6));
}

TEST(CommandSubject, Parses) {
  const char *s = "home.devices.kitchen.light.ceiling_1.command";
  Platform p;
  const char *entity;
  size_t len;
  ASSERT_TRUE(parse_command_subject(s, std::strlen(s), "home", "kitchen", p, entity, len));
  EXPECT_EQ(p, Platform::LIGHT);
  EXPECT_EQ(std::string(entity, len), "ceiling_1");
}

TEST(CommandSubject, Rejects) {
  const char *bad[] = {
      "home.devices.kitchen.light.ceiling.state",     "home.devices.other.light.ceiling.command",
      "away.devices.kitchen.light.ceiling.command",   "home.devices.kitchen.lamp.ceiling.command",
      "home.devices.kitchen.light..command",          "home.devices.kitchen.light.Ceiling.command",
      "home.devices.kitchen.light.ceiling.command.x", "home.devices.kitchen",
      "home.devices.kitchen.light.ceiling.commands",  "home.devicesXkitchen.light.ceiling.command",
  };
  for (const char *s : bad) {
    SCOPED_TRACE(s);
    Platform p;
    const char *entity;
    size_t len;
    EXPECT_FALSE(parse_command_subject(s, std::strlen(s), "home", "kitchen", p, entity, len));
  }
}

TEST(Commands, MultiTokenPrefixSubject) {
  const char *s = "site.home.devices.d.switch.s.command";
  Platform p;
  const char *entity;
  size_t len;
  EXPECT_TRUE(parse_command_subject(s, std::strlen(s), "site.home", "d", p, entity, len));
}

TEST(Commands, ErrorsNameTheProblem) {
  Command cmd;
  const char *error = nullptr;
  const char raw[] = R"({"state":"ON","brightness":300})";
  ASSERT_FALSE(parse_command(Platform::LIGHT, raw, sizeof(raw) - 1, cmd, error));
  EXPECT_NE(std::string(error).find("brightness"), std::string::npos);
  const char v2[] = R"({"v":2,"value":1})";
  ASSERT_FALSE(parse_command(Platform::NUMBER, v2, sizeof(v2) - 1, cmd, error));
  EXPECT_NE(std::string(error).find("version"), std::string::npos);
}

TEST(Commands, UnknownFieldsAreIgnored) {
  Command cmd;
  const char *error = nullptr;
  const char raw[] = R"({"state":"OFF","future":{"nested":[1,2,{"x":null}]},"brightness":3})";
  ASSERT_TRUE(parse_command(Platform::SWITCH, raw, sizeof(raw) - 1, cmd, error)) << error;
  EXPECT_EQ(cmd.state, OnOff::OFF);
  EXPECT_FALSE(cmd.has_brightness);  // not a switch field
}

TEST(Commands, OptionLongerThan64BytesIsRejected) {
  std::string raw = "{\"option\":\"" + std::string(65, 'o') + "\"}";
  Command cmd;
  const char *error = nullptr;
  EXPECT_FALSE(parse_command(Platform::SELECT, raw.data(), raw.size(), cmd, error));
  raw = "{\"option\":\"" + std::string(64, 'o') + "\"}";
  EXPECT_TRUE(parse_command(Platform::SELECT, raw.data(), raw.size(), cmd, error));
}

// Found by libFuzzer: "\u0000" decoded to an empty C string that passed as
// an option.
TEST(Commands, OptionWithEscapedNulIsRejected) {
  Command cmd;
  const char *error = nullptr;
  for (const char *raw : {R"({"option":"\u0000"})", R"({"option":"a\u0000b"})"}) {
    EXPECT_FALSE(parse_command(Platform::SELECT, raw, std::strlen(raw), cmd, error)) << raw;
    EXPECT_NE(error, nullptr);
  }
}

TEST(Commands, EscapedOptionIsDecoded) {
  const char raw[] = R"({"option":"\u00e9co \"x\""})";
  Command cmd;
  const char *error = nullptr;
  ASSERT_TRUE(parse_command(Platform::SELECT, raw, sizeof(raw) - 1, cmd, error));
  EXPECT_STREQ(cmd.option, "\xc3\xa9"
                           "co \"x\"");
}
