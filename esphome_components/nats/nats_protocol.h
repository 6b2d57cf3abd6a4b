#pragma once

// Protocol v1 rules that do not depend on ESPHome (docs/protocol.md): id
// tokens, subjects and the validation of command payloads. Pure C++ so the
// shared test vectors run against exactly this code on the host.

#include <cstddef>
#include <cstdint>

namespace esphome::nats {

struct JsonValue;

static constexpr uint8_t PROTOCOL_VERSION = 1;
static constexpr size_t MAX_TOKEN_LEN = 64;
/// Longest subject the device builds: prefix, ids and fixed words.
static constexpr size_t MAX_SUBJECT_LEN = 255;
static constexpr size_t MAX_OPTION_LEN = 64;
static constexpr size_t MAX_TEXT_STATE_LEN = 255;
static constexpr size_t MAX_ERROR_LEN = 255;
/// Command expiry (docs/protocol.md): the largest `sent` a controller may
/// stamp (JSON numbers read as doubles are exact up to here) and the longest ttl.
static constexpr int64_t MAX_SENT = int64_t{1} << 53;
static constexpr int64_t MAX_TTL = 3600000;

enum class Platform : uint8_t { SENSOR, BINARY_SENSOR, SWITCH, LIGHT, BUTTON, NUMBER, SELECT };

const char *platform_name(Platform platform);
/// False when name is not one of the protocol's platform words.
bool platform_from_name(const char *name, size_t len, Platform &out);

/// ^[a-z0-9_-]{1,64}$
bool is_valid_token(const char *s, size_t len);
/// One or more dot-separated tokens of [A-Za-z0-9_-].
bool is_valid_prefix(const char *s, size_t len);
/// Maps any text to a valid token in out (cap >= MAX_TOKEN_LEN + 1):
/// lowercase, every other character becomes '_', cut at 64. Returns its length.
size_t sanitize_token(const char *in, size_t len, char *out, size_t cap);

/// Splits "<prefix>.devices.<device>.<platform>.<entity>.command".
/// False when subject is not a command subject of this device.
bool parse_command_subject(const char *subject, size_t len, const char *prefix, const char *device,
                           Platform &platform, const char *&entity, size_t &entity_len);

enum class OnOff : uint8_t { NONE, ON, OFF };

/// A controller clock reading: the `clock` and `sent` of a stamped message.
struct ClockStamp {
  char clock[MAX_TOKEN_LEN + 1]{};
  size_t clock_len{0};
  int64_t sent{0};
};

/// A validated command: only fields that were present are set.
struct Command {
  bool has_version{false};
  int version{0};
  OnOff state{OnOff::NONE};
  bool has_brightness{false};
  uint8_t brightness{0};
  bool has_rgb{false};
  uint8_t rgb[3]{0, 0, 0};
  bool has_color_temp_kelvin{false};
  uint16_t color_temp_kelvin{0};
  bool has_transition{false};
  float transition{0};
  bool press{false};
  bool has_value{false};
  double value{0};
  bool has_option{false};
  char option[MAX_OPTION_LEN + 1]{};
  /// clock, sent and ttl: all three or none.
  bool has_expiry{false};
  ClockStamp stamp;
  uint32_t ttl{0};
};

/// Validates a command payload for platform as docs/protocol.md defines it.
/// On failure returns false and sets error to a sentence for the user.
/// Range checks that depend on the entity (number limits, select options,
/// colour modes) are left to the code that applies the command.
bool parse_command(Platform platform, const char *payload, size_t len, Command &out, const char *&error);

/// Reads `clock` and `sent` from a controller message that is not a command
/// (ha.status, discovery request; root is a validated object). False when
/// either is missing or invalid: such a message cannot be dated.
bool parse_clock_stamp(const JsonValue &root, ClockStamp &out);

static constexpr uint16_t MIN_KELVIN = 1000;
static constexpr uint16_t MAX_KELVIN = 20000;
/// A light's range when its announcement gives none.
static constexpr uint16_t DEFAULT_MIN_KELVIN = 2000;
static constexpr uint16_t DEFAULT_MAX_KELVIN = 6500;

}  // namespace esphome::nats
