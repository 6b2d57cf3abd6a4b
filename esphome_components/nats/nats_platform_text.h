#pragma once

// A text command (protocol 1.6, docs/protocol.md "Text"): {"value": "..."},
// a string of at most 255 characters (code points, not bytes) without
// U+0000; refusal() checks the announced lengths. The firmware does not
// evaluate the pattern (ESPHome never does; the controller checks it
// before sending). Pure C++, shared with the unit tests and the fuzzer.

#include <cstdio>

#include "nats_command.h"

namespace esphome::nats {

/// The longest text the protocol carries, in characters.
static constexpr size_t MAX_TEXT_CHARS = 255;
/// What that many characters may take in UTF-8.
static constexpr size_t MAX_TEXT_BYTES = 4 * MAX_TEXT_CHARS;

/// The characters (code points) of UTF-8 text: every byte that does not
/// continue a sequence starts one.
inline size_t utf8_length(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    n += (static_cast<uint8_t>(s[i]) & 0xC0) != 0x80;
  return n;
}

struct TextCommand final : CommandFields {
  bool has_value{false};
  char text[MAX_TEXT_BYTES + 1]{};
  size_t bytes{0};
  size_t chars{0};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (!key.equals("value"))
      return true;
    this->has_value = value.copy_string(this->text, sizeof(this->text), &this->bytes) &&
                      (this->chars = utf8_length(this->text, this->bytes)) <= MAX_TEXT_CHARS;
    return require(this->has_value, "invalid value: must be a string of at most 255 characters without U+0000",
                   error);
  }
  bool complete(const char *&error) const override { return require(this->has_value, "value is required", error); }

  /// Why a text announcing these lengths refuses the value (the spec's
  /// text, written to buf), or nullptr when it takes it.
  const char *refusal(int min_length, int max_length, char *buf, size_t cap) const {
    const int chars = static_cast<int>(this->chars);
    if (chars >= min_length && chars <= max_length)
      return nullptr;
    snprintf(buf, cap, "value length %d out of range %d..%d", chars, min_length, max_length);
    return buf;
  }
};

}  // namespace esphome::nats
