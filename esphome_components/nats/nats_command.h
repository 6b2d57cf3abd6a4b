#pragma once

// Reading a command payload (docs/protocol.md, "Commands"): the envelope
// every platform shares (`v` and the command-expiry stamp) and the value
// rules platforms build their own fields from. Each platform's fields live
// with the platform (nats_platform_<name>.h). Pure C++: the firmware, the
// unit tests and the fuzzer share it.

#include <cstddef>
#include <cstdint>

#include "nats_json.h"
#include "nats_protocol.h"

namespace esphome::nats {

/// Command expiry (docs/protocol.md): the largest `sent` a controller may
/// stamp (JSON numbers read as doubles are exact up to here) and the longest ttl.
static constexpr int64_t MAX_SENT = int64_t{1} << 53;
static constexpr int64_t MAX_TTL = 3600000;

/// A controller clock reading: the `clock` and `sent` of a stamped message.
struct ClockStamp {
  char clock[MAX_TOKEN_LEN + 1]{};
  size_t clock_len{0};
  int64_t sent{0};
};

/// What every command may carry besides its platform's fields.
struct CommandEnvelope {
  bool has_version{false};
  int version{0};
  /// clock, sent and ttl: all three or none.
  bool has_expiry{false};
  ClockStamp stamp;
  uint32_t ttl{0};
};

/// A platform's command fields. read_command() hands it every member that
/// is not part of the envelope (a repeated key each time: the last wins),
/// then asks whether the command is complete.
class CommandFields {
 public:
  /// False with error set when a field this platform knows is invalid;
  /// fields it does not know are ignored (true).
  virtual bool read(const JsonValue &key, const JsonValue &value, const char *&error) = 0;
  /// False with error set when a required field is missing.
  virtual bool complete(const char *&error) const = 0;

 protected:
  ~CommandFields() = default;
};

/// Validates a command payload as docs/protocol.md defines it. On failure
/// returns false and sets error to a sentence for the user. Range checks
/// that depend on the entity (number limits, select options, colour modes)
/// are left to the platform that applies the command.
bool read_command(const char *payload, size_t len, CommandFields &fields, CommandEnvelope &envelope,
                  const char *&error);

/// Reads `clock` and `sent` from a controller message that is not a command
/// (ha.status, discovery request; root is a validated object). False when
/// either is missing or invalid: such a message cannot be dated.
bool parse_clock_stamp(const JsonValue &root, ClockStamp &out);

// Value rules shared by platforms. Each returns false with error set to
// `message` when the value breaks the rule.

enum class OnOff : uint8_t { NONE, ON, OFF };

/// "ON" or "OFF".
bool read_on_off(const JsonValue &v, OnOff &out, const char *message, const char *&error);
/// An integer from lo to hi.
bool read_integer(const JsonValue &v, int32_t lo, int32_t hi, int32_t &out, const char *message,
                  const char *&error);
/// Any number.
bool read_number(const JsonValue &v, double &out, const char *message, const char *&error);
/// A non-empty string of at most cap - 1 bytes without U+0000.
bool read_text(const JsonValue &v, char *out, size_t cap, const char *message, const char *&error);
/// Sets error to message when a required field is missing.
inline bool require(bool present, const char *message, const char *&error) {
  if (!present)
    error = message;
  return present;
}

}  // namespace esphome::nats
