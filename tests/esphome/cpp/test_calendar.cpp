// The firmware's own rules beyond the vectors: epoch seconds of a date-time
// (what ESPHome's DateTimeCall receives), ESPHome's year range, and text
// lengths counted in characters.

#include <gtest/gtest.h>

#include <cstring>

#include "nats_platform_datetime.h"
#include "nats_platform_text.h"

using namespace esphome::nats;

namespace {

template<typename Command> bool read_value(Command &cmd, const char *payload) {
  CommandEnvelope envelope;
  const char *error = nullptr;
  return read_command(payload, std::strlen(payload), cmd, envelope, error);
}

}  // namespace

TEST(Calendar, EpochSecondsHonourTheOffset) {
  DateTimeCommand utc, east, west, epoch, late;
  ASSERT_TRUE(read_value(utc, R"({"value": "2026-01-02T03:04:05Z"})"));
  ASSERT_TRUE(read_value(east, R"({"value": "2026-01-02T04:04:05+01:00"})"));
  ASSERT_TRUE(read_value(west, R"({"value": "2026-01-01T21:34:05-05:30"})"));
  ASSERT_TRUE(read_value(epoch, R"({"value": "1970-01-01T00:00:00Z"})"));
  ASSERT_TRUE(read_value(late, R"({"value": "2400-02-29T23:59:59Z"})"));
  EXPECT_EQ(utc.epoch_seconds(), 1767323045);
  EXPECT_EQ(east.epoch_seconds(), 1767323045);
  EXPECT_EQ(west.epoch_seconds(), 1767323045);
  EXPECT_EQ(epoch.epoch_seconds(), 0);
  EXPECT_EQ(late.epoch_seconds(), 13574649599);
}

TEST(Calendar, EsphomeYearRange) {
  char buf[MAX_ERROR_LEN + 1];
  EXPECT_EQ(year_refusal(1970, buf, sizeof(buf)), nullptr);
  EXPECT_EQ(year_refusal(3000, buf, sizeof(buf)), nullptr);
  EXPECT_STREQ(year_refusal(1969, buf, sizeof(buf)), "year 1969 out of range 1970..3000");
  EXPECT_STREQ(year_refusal(3001, buf, sizeof(buf)), "year 3001 out of range 1970..3000");
}

TEST(Calendar, LongerValuesAreInvalid) {
  DateTimeCommand cmd;
  EXPECT_FALSE(read_value(cmd, R"({"value": "2026-01-02T03:04:05+01:000"})"));
  DateCommand date;
  EXPECT_FALSE(read_value(date, R"({"value": "2026-01-022"})"));
}

TEST(Text, LengthInCharacters) {
  TextCommand cmd;
  ASSERT_TRUE(read_value(cmd, R"({"value": "gr\u00fc\u00dfe"})"));
  EXPECT_EQ(cmd.bytes, 7u);
  EXPECT_EQ(cmd.chars, 5u);
  char buf[MAX_ERROR_LEN + 1];
  EXPECT_EQ(cmd.refusal(0, 5, buf, sizeof(buf)), nullptr);
  EXPECT_STREQ(cmd.refusal(0, 4, buf, sizeof(buf)), "value length 5 out of range 0..4");
}

TEST(Text, TwoHundredFiftyFiveWideCharactersFit) {
  std::string payload = R"({"value": ")";
  for (int i = 0; i < 255; i++)
    payload += "\xe2\x82\xac";  // the euro sign, three bytes
  payload += "\"}";
  TextCommand cmd;
  ASSERT_TRUE(read_value(cmd, payload.c_str()));
  EXPECT_EQ(cmd.chars, 255u);
  payload.insert(payload.size() - 2, "x");
  TextCommand longer;
  EXPECT_FALSE(read_value(longer, payload.c_str()));
}
