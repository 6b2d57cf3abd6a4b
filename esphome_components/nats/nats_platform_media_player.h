#pragma once

// A media player command (docs/protocol.md, "Media player"): exactly one of
// action, volume, media_url (announce only with media_url).
// MediaPlayerCommand checks its form; check_media_player_command() checks it
// against what the entity announced (MediaPlayerCapabilities) and writes the
// spec's refusal text. Pure C++, shared with the unit tests and the fuzzer.

#include <cstdio>
#include <cstring>
#include <string>

#include "nats_command.h"

namespace esphome::nats {

enum class MediaAction : uint8_t {
  NONE,
  PLAY,
  PAUSE,
  STOP,
  TOGGLE,
  MUTE,
  UNMUTE,
  VOLUME_UP,
  VOLUME_DOWN,
  TURN_ON,
  TURN_OFF,
};
/// The protocol's action words, indexed by MediaAction (NONE has none).
static constexpr const char *MEDIA_ACTION_WORDS[] = {"",      "play",      "pause",       "stop",
                                                     "toggle", "mute",     "unmute",      "volume_up",
                                                     "volume_down", "turn_on", "turn_off"};
static constexpr uint8_t MEDIA_ACTION_COUNT = 11;
/// The longest media_url a device takes, in bytes.
static constexpr size_t MAX_MEDIA_URL_LEN = 2048;

struct MediaPlayerCommand final : CommandFields {
  MediaAction action{MediaAction::NONE};
  bool has_volume{false};
  double volume{0};
  /// Decoded; empty when the command has none. Media commands are rare and
  /// ESPHome's MediaPlayerCall takes a std::string anyway.
  std::string media_url;
  bool has_announce{false};
  bool announce{false};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("action")) {
      this->action = MediaAction::NONE;
      for (uint8_t i = 1; i < MEDIA_ACTION_COUNT; i++) {
        if (value.equals(MEDIA_ACTION_WORDS[i])) {
          this->action = static_cast<MediaAction>(i);
          return true;
        }
      }
      return require(false,
                     "action must be one of play, pause, stop, toggle, mute, unmute, volume_up, volume_down, "
                     "turn_on, turn_off",
                     error);
    }
    if (key.equals("volume")) {
      static constexpr const char *MESSAGE = "volume must be a number from 0 to 1";
      this->has_volume = read_number(value, this->volume, MESSAGE, error) &&
                         require(this->volume >= 0 && this->volume <= 1, MESSAGE, error);
      return this->has_volume;
    }
    if (key.equals("media_url"))
      return this->read_url_(value, error);
    if (key.equals("announce")) {
      this->has_announce = value.type == JsonType::BOOL;
      this->announce = value.boolean;
      return require(this->has_announce, "announce must be true or false", error);
    }
    return true;
  }

  bool complete(const char *&error) const override {
    const char *given[3];
    size_t count = 0;
    if (this->action != MediaAction::NONE)
      given[count++] = "action";
    if (this->has_volume)
      given[count++] = "volume";
    if (!this->media_url.empty())
      given[count++] = "media_url";
    if (count == 0)
      return require(false, "a media_player command needs an action, a volume or a media_url", error);
    if (count > 1) {
      // The pairs the protocol names, as constant texts (error is not copied).
      if (std::strcmp(given[1], "volume") == 0)
        return require(false, "action cannot go with volume", error);
      return require(false, count == 3 || std::strcmp(given[0], "action") == 0 ? "action cannot go with media_url"
                                                                                : "volume cannot go with media_url",
                     error);
    }
    return require(!this->has_announce || !this->media_url.empty(), "announce needs media_url", error);
  }

 protected:
  bool read_url_(const JsonValue &value, const char *&error) {
    static constexpr const char *MESSAGE = "media_url must be an http:// or https:// URL of at most 2048 bytes";
    this->media_url.clear();
    // The escaped text is never shorter than what it decodes to.
    if (value.type != JsonType::STRING || value.len > 6 * MAX_MEDIA_URL_LEN)
      return require(false, MESSAGE, error);
    this->media_url.resize(value.len + 1);
    size_t n = 0;
    if (!value.copy_string(&this->media_url[0], this->media_url.size(), &n))
      n = 0;
    this->media_url.resize(n);
    const bool http = this->media_url.compare(0, 7, "http://") == 0 || this->media_url.compare(0, 8, "https://") == 0;
    if (!http || n > MAX_MEDIA_URL_LEN) {
      this->media_url.clear();
      return require(false, MESSAGE, error);
    }
    return true;
  }
};

/// What a media player announced, as far as its commands are concerned.
struct MediaPlayerCapabilities {
  bool pause{false};
  bool volume{false};
  bool announce{false};
  bool turn_off{false};
};

/// The capability step of docs/protocol.md: false with the refusal text in
/// error (cap bytes) when the command asks for something the entity did not
/// announce.
inline bool check_media_player_command(const MediaPlayerCommand &cmd, const MediaPlayerCapabilities &caps,
                                       char *error, size_t cap) {
  bool allowed = true;
  switch (cmd.action) {
    case MediaAction::PLAY:
    case MediaAction::PAUSE:
    case MediaAction::TOGGLE:
      allowed = caps.pause;
      break;
    case MediaAction::MUTE:
    case MediaAction::UNMUTE:
    case MediaAction::VOLUME_UP:
    case MediaAction::VOLUME_DOWN:
      allowed = caps.volume;
      break;
    case MediaAction::TURN_ON:
    case MediaAction::TURN_OFF:
      allowed = caps.turn_off;
      break;
    default:
      break;
  }
  if (!allowed) {
    std::snprintf(error, cap, "%s not supported", MEDIA_ACTION_WORDS[static_cast<uint8_t>(cmd.action)]);
    return false;
  }
  if (cmd.has_volume && !caps.volume) {
    std::snprintf(error, cap, "volume not supported");
    return false;
  }
  if (cmd.has_announce && cmd.announce && !caps.announce) {
    std::snprintf(error, cap, "announce not supported");
    return false;
  }
  return true;
}

}  // namespace esphome::nats
