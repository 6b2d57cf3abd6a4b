// Protocol rules against the shared vectors: command.json and subjects.json.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "nats_command.h"
#include "nats_platform_button.h"
#include "nats_platform_light.h"
#include "nats_platform_number.h"
#include "nats_platform_select.h"
#include "nats_platform_switch.h"
#include "nats_protocol.h"
#include "vectors.h"

using namespace esphome::nats;

namespace {

/// What a parsed command holds, in the shape of the vectors' `expect`
/// (ExpectCommand): each platform fills the fields it has.
struct Parsed {
  bool ok{false};
  const char *error{nullptr};
  CommandEnvelope envelope;
  OnOff state{OnOff::NONE};
  bool has_brightness{false};
  int brightness{0};
  bool has_rgb{false};
  int rgb[3]{0, 0, 0};
  bool has_kelvin{false};
  int kelvin{0};
  bool has_transition{false};
  double transition{0};
  bool press{false};
  bool has_value{false};
  double value{0};
  bool has_option{false};
  std::string option;
};

/// Parses raw as a command of platform, as the firmware's platform would.
/// known is false for a platform that takes no commands (or does not exist).
Parsed parse(const std::string &platform, const std::string &raw, bool &known) {
  Parsed p;
  known = true;
  if (platform == "switch") {
    SwitchCommand c;
    p.ok = read_command(raw.data(), raw.size(), c, p.envelope, p.error);
    p.state = c.state;
  } else if (platform == "light") {
    LightCommand c;
    p.ok = read_command(raw.data(), raw.size(), c, p.envelope, p.error);
    p.state = c.state;
    p.has_brightness = c.has_brightness;
    p.brightness = c.brightness;
    p.has_rgb = c.has_rgb;
    std::copy(c.rgb, c.rgb + 3, p.rgb);
    p.has_kelvin = c.has_color_temp_kelvin;
    p.kelvin = c.color_temp_kelvin;
    p.has_transition = c.has_transition;
    p.transition = c.transition;
  } else if (platform == "button") {
    ButtonCommand c;
    p.ok = read_command(raw.data(), raw.size(), c, p.envelope, p.error);
    p.press = c.press;
  } else if (platform == "number") {
    NumberCommand c;
    p.ok = read_command(raw.data(), raw.size(), c, p.envelope, p.error);
    p.has_value = c.has_value;
    p.value = c.value;
  } else if (platform == "select") {
    SelectCommand c;
    p.ok = read_command(raw.data(), raw.size(), c, p.envelope, p.error);
    p.has_option = c.has_option;
    p.option = c.option;
  } else {
    known = false;
  }
  return p;
}

std::string describe(const Parsed &p) {
  std::string s = "state=" + std::to_string(static_cast<int>(p.state));
  if (p.has_brightness)
    s += " brightness=" + std::to_string(p.brightness);
  if (p.has_value)
    s += " value=" + std::to_string(p.value);
  if (p.has_option)
    s += " option=" + p.option;
  return s;
}

}  // namespace

TEST(CommandVectors, EveryCaseOfCommandJson) {
  ASSERT_GT(sizeof(COMMAND_CASES) / sizeof(COMMAND_CASES[0]), 10u);
  for (const auto &tc : COMMAND_CASES) {
    SCOPED_TRACE(tc.name);
    bool known = false;
    const Parsed cmd = parse(tc.platform, tc.raw, known);
    if (!tc.valid) {
      EXPECT_FALSE(cmd.ok) << "accepted: " << describe(cmd);
      if (known) {
        ASSERT_NE(cmd.error, nullptr);
        EXPECT_GT(std::strlen(cmd.error), 0u);
        EXPECT_LE(std::strlen(cmd.error), MAX_ERROR_LEN);
      }
      continue;
    }
    ASSERT_TRUE(known) << "no command type for " << tc.platform;
    ASSERT_TRUE(cmd.ok) << cmd.error;
    const ExpectCommand &e = tc.expect;
    EXPECT_EQ(cmd.envelope.has_version, e.has_version);
    if (e.has_version) {
      EXPECT_EQ(cmd.envelope.version, e.version);
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
    EXPECT_EQ(cmd.has_kelvin, e.has_kelvin);
    if (e.has_kelvin) {
      EXPECT_EQ(cmd.kelvin, e.kelvin);
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
      EXPECT_EQ(cmd.option, e.option);
    }
    EXPECT_EQ(cmd.envelope.has_expiry, e.clock != nullptr);
    if (e.clock != nullptr) {
      EXPECT_STREQ(cmd.envelope.stamp.clock, e.clock);
      EXPECT_EQ(cmd.envelope.stamp.clock_len, std::strlen(e.clock));
      EXPECT_EQ(cmd.envelope.stamp.sent, e.sent);
      EXPECT_EQ(static_cast<long long>(cmd.envelope.ttl), e.ttl);
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

TEST(Prefix, LengthIsBounded) {
  const std::string longest(MAX_PREFIX_LEN, 'p');
  EXPECT_TRUE(is_valid_prefix(longest.data(), longest.size()));
  const std::string too_long = longest + "p";
  EXPECT_FALSE(is_valid_prefix(too_long.data(), too_long.size()));
}

TEST(CommandSubject, Parses) {
  const char *s = "home.devices.kitchen.light.ceiling_1.command";
  const char *platform, *entity;
  size_t platform_len, len;
  ASSERT_TRUE(parse_command_subject(s, std::strlen(s), "home", "kitchen", platform, platform_len, entity, len));
  EXPECT_EQ(std::string(platform, platform_len), "light");
  EXPECT_EQ(std::string(entity, len), "ceiling_1");
}

TEST(CommandSubject, Rejects) {
  const char *bad[] = {
      "home.devices.kitchen.light.ceiling.state",     "home.devices.other.light.ceiling.command",
      "away.devices.kitchen.light.ceiling.command",   "home.devices.kitchen.Light.ceiling.command",
      "home.devices.kitchen.light..command",          "home.devices.kitchen.light.Ceiling.command",
      "home.devices.kitchen.light.ceiling.command.x", "home.devices.kitchen",
      "home.devices.kitchen.light.ceiling.commands",  "home.devicesXkitchen.light.ceiling.command",
      "home.devices.kitchen.li-ght.ceiling.command",  "home.devices.kitchen..ceiling.command",
  };
  for (const char *s : bad) {
    SCOPED_TRACE(s);
    const char *platform, *entity;
    size_t platform_len, len;
    EXPECT_FALSE(parse_command_subject(s, std::strlen(s), "home", "kitchen", platform, platform_len, entity, len));
  }
}

TEST(Commands, MultiTokenPrefixSubject) {
  const char *s = "site.home.devices.d.switch.s.command";
  const char *platform, *entity;
  size_t platform_len, len;
  EXPECT_TRUE(parse_command_subject(s, std::strlen(s), "site.home", "d", platform, platform_len, entity, len));
}

TEST(Commands, ErrorsNameTheProblem) {
  CommandEnvelope envelope;
  const char *error = nullptr;
  LightCommand light;
  const char raw[] = R"({"state":"ON","brightness":300})";
  ASSERT_FALSE(read_command(raw, sizeof(raw) - 1, light, envelope, error));
  EXPECT_NE(std::string(error).find("brightness"), std::string::npos);
  NumberCommand number;
  const char v2[] = R"({"v":2,"value":1})";
  ASSERT_FALSE(read_command(v2, sizeof(v2) - 1, number, envelope, error));
  EXPECT_NE(std::string(error).find("version"), std::string::npos);
}

TEST(Commands, UnknownFieldsAreIgnored) {
  CommandEnvelope envelope;
  const char *error = nullptr;
  SwitchCommand cmd;
  const char raw[] = R"({"state":"OFF","future":{"nested":[1,2,{"x":null}]},"brightness":3})";
  ASSERT_TRUE(read_command(raw, sizeof(raw) - 1, cmd, envelope, error)) << error;
  EXPECT_EQ(cmd.state, OnOff::OFF);  // brightness is not a switch field
}

TEST(Commands, OptionLongerThan64BytesIsRejected) {
  CommandEnvelope envelope;
  const char *error = nullptr;
  std::string raw = "{\"option\":\"" + std::string(65, 'o') + "\"}";
  SelectCommand cmd;
  EXPECT_FALSE(read_command(raw.data(), raw.size(), cmd, envelope, error));
  raw = "{\"option\":\"" + std::string(64, 'o') + "\"}";
  SelectCommand ok;
  EXPECT_TRUE(read_command(raw.data(), raw.size(), ok, envelope, error));
}

// Found by libFuzzer: "\u0000" decoded to an empty C string that passed as
// an option.
TEST(Commands, OptionWithEscapedNulIsRejected) {
  CommandEnvelope envelope;
  const char *error = nullptr;
  for (const char *raw : {R"({"option":"\u0000"})", R"({"option":"a\u0000b"})"}) {
    SelectCommand cmd;
    EXPECT_FALSE(read_command(raw, std::strlen(raw), cmd, envelope, error)) << raw;
    EXPECT_NE(error, nullptr);
  }
}

TEST(Commands, EscapedOptionIsDecoded) {
  CommandEnvelope envelope;
  const char *error = nullptr;
  const char raw[] = R"({"option":"\u00e9co \"x\""})";
  SelectCommand cmd;
  ASSERT_TRUE(read_command(raw, sizeof(raw) - 1, cmd, envelope, error));
  EXPECT_STREQ(cmd.option, "\xc3\xa9"
                           "co \"x\"");
}

TEST(StateAck, EveryCaseOfStateAckJson) {
  for (const auto &c : STATE_ACK_CASES) {
    SCOPED_TRACE(c.name);
    // The firmware answers by state only with a reply subject to name (nats_device.cpp).
    EXPECT_EQ(!c.reply.empty() && wants_state_ack(c.headers.data(), c.headers.size()), c.ack);
  }
}

TEST(StateAck, OnlyTheHeaderAskingForIt) {
  auto wants = [](const char *block) { return wants_state_ack(block, std::strlen(block)); };
  EXPECT_TRUE(wants("NATS/1.0\r\nNats-Home-Ack: state\r\n\r\n"));
  EXPECT_TRUE(wants("NATS/1.0\r\nNats-Trace-Dest: _INBOX.TRACE.x\r\nNats-Home-Ack:state \r\n\r\n"));
  EXPECT_FALSE(wants(""));
  EXPECT_FALSE(wants("NATS/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("NATS/1.0\r\nNats-Home-Ack: states\r\n\r\n"));
  EXPECT_FALSE(wants("NATS/1.0\r\nNats-Home-Ack: _INBOX.x.1\r\n\r\n"));
  EXPECT_FALSE(wants("NATS/1.0\r\nX-Nats-Home-Ack: state\r\n\r\n"));
  EXPECT_FALSE(wants("NATS/1.0\r\nOther: Nats-Home-Ack: state\r\n\r\n"));
  // Cut short: the block ends inside the value.
  const char *cut = "NATS/1.0\r\nNats-Home-Ack: stat";
  EXPECT_FALSE(wants_state_ack(cut, std::strlen(cut)));
}
