// The media player platform's command code against
// tests/vectors/platforms/media_player.json (test_platform_vectors.cpp):
// MediaPlayerCommand reads the commands, and check_media_player_command()
// refuses the apply cases, fed the entity's announcement as the firmware
// feeds it MediaPlayerTraits.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "nats_platform_media_player.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

MediaPlayerCapabilities announced(const JsonValue &entity) {
  MediaPlayerCapabilities caps;
  caps.pause = entity_flag(entity, "supports_pause");
  caps.volume = entity_flag(entity, "supports_volume");
  caps.announce = entity_flag(entity, "supports_announce");
  caps.turn_off = entity_flag(entity, "supports_turn_off");
  return caps;
}

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  MediaPlayerCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  if (cmd.action != MediaAction::NONE) {
    w.key("action");
    w.value(MEDIA_ACTION_WORDS[static_cast<uint8_t>(cmd.action)]);
  }
  if (cmd.has_volume) {
    w.key("volume");
    w.value_number(cmd.volume);
  }
  if (!cmd.media_url.empty()) {
    w.key("media_url");
    w.value(cmd.media_url.c_str(), cmd.media_url.size());
  }
  if (cmd.has_announce) {
    w.key("announce");
    w.value(cmd.announce);
  }
  return true;
}

const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  static char error[MAX_ERROR_LEN + 1];
  MediaPlayerCommand cmd;
  CommandEnvelope envelope;
  const char *form_error = nullptr;
  if (!read_command(command, len, cmd, envelope, form_error))
    return form_error;
  return check_media_player_command(cmd, announced(entity), error, sizeof(error)) ? nullptr : error;
}

const PlatformAdapter MEDIA_PLAYER{"media_player", read, refusal};
const RegisterAdapter registered{MEDIA_PLAYER};

}  // namespace

// A URL arrives escaped ("\/" is common); the device gets it decoded, and the
// 2048-byte limit is of the decoded URL.
TEST(MediaPlayerCommand, UrlIsDecodedAndBounded) {
  const char *escaped = R"({"media_url":"http:\/\/ha.local:8123\/api\/tts_proxy\/abc.mp3?x=1\u0026y=2"})";
  MediaPlayerCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  ASSERT_TRUE(read_command(escaped, std::strlen(escaped), cmd, envelope, error)) << error;
  EXPECT_EQ(cmd.media_url, "http://ha.local:8123/api/tts_proxy/abc.mp3?x=1&y=2");

  const std::string longest = "https://a/" + std::string(2048 - 10, 'x');
  for (const auto &[url, valid] : {std::pair<std::string, bool>{longest, true}, {longest + "x", false}}) {
    const std::string payload = R"({"media_url":")" + url + R"("})";
    MediaPlayerCommand long_cmd;
    EXPECT_EQ(read_command(payload.data(), payload.size(), long_cmd, envelope, error), valid) << url.size();
  }
  // The escaped text of a URL of 2048 bytes is longer than 2048 bytes.
  std::string slashes = "http://a";
  std::string escaped_slashes = "http:\\/\\/a";
  while (slashes.size() < 2048) {
    slashes += "/";
    escaped_slashes += "\\/";
  }
  const std::string payload = R"({"media_url":")" + escaped_slashes + R"("})";
  MediaPlayerCommand slash_cmd;
  ASSERT_TRUE(read_command(payload.data(), payload.size(), slash_cmd, envelope, error)) << error;
  EXPECT_EQ(slash_cmd.media_url, slashes);
}

}  // namespace esphome::nats::test
