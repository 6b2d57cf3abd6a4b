#pragma once

// A cover command (protocol 1.4, docs/protocol.md "Cover"): {"action":
// "open"|"close"|"stop"}, or {"position": 0..100} and/or {"tilt": 0..100};
// the form rules here, the capability rules in refusal(), and how ESPHome's
// position and operation read as the protocol's state. Valves share the
// action and the state (nats_platform_valve.h). Pure C++, shared with the
// unit tests and the fuzzer.

#include <cmath>

#include "nats_command.h"

namespace esphome::nats {

enum class MoveAction : uint8_t { NONE, OPEN, CLOSE, STOP };

/// "open", "close" or "stop", lower case.
inline bool read_move_action(const JsonValue &v, MoveAction &out, const char *&error) {
  if (v.equals("open")) {
    out = MoveAction::OPEN;
  } else if (v.equals("close")) {
    out = MoveAction::CLOSE;
  } else if (v.equals("stop")) {
    out = MoveAction::STOP;
  } else {
    return require(false, "invalid action: must be \"open\", \"close\" or \"stop\"", error);
  }
  return true;
}

/// An integer percent, 0 = closed, 100 = fully open.
inline bool read_percent(const JsonValue &v, uint8_t &out, const char *message, const char *&error) {
  int32_t n = 0;
  if (!read_integer(v, 0, 100, n, message, error))
    return false;
  out = static_cast<uint8_t>(n);
  return true;
}

/// ESPHome's position or tilt (0.0..1.0) as the protocol's integer percent,
/// rounded to the nearest; -1 (unknown) for NaN.
inline int to_percent(float fraction) {
  if (std::isnan(fraction))
    return -1;
  const long percent = std::lround(fraction * 100.0f);
  return percent < 0 ? 0 : (percent > 100 ? 100 : static_cast<int>(percent));
}

/// A position or tilt member of a state: null when unknown (percent < 0).
inline void write_percent(JsonWriter &w, const char *key, int percent) {
  w.key(key);
  if (percent < 0) {
    w.value_null();
  } else {
    w.value(percent);
  }
}

/// The state word of a cover or valve: moving, it is opening or closing;
/// still, closed exactly at position 0 and open otherwise.
inline const char *motion_state(bool opening, bool closing, int percent) {
  if (opening)
    return "opening";
  if (closing)
    return "closing";
  return percent == 0 ? "closed" : "open";
}

struct CoverCommand final : CommandFields {
  MoveAction action{MoveAction::NONE};
  bool has_position{false};
  uint8_t position{0};
  bool has_tilt{false};
  uint8_t tilt{0};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("action"))
      return read_move_action(value, this->action, error);
    if (key.equals("position"))
      return this->has_position =
                 read_percent(value, this->position, "invalid position: must be an integer from 0 to 100", error);
    if (key.equals("tilt"))
      return this->has_tilt =
                 read_percent(value, this->tilt, "invalid tilt: must be an integer from 0 to 100", error);
    return true;
  }
  bool complete(const char *&error) const override {
    if (this->action == MoveAction::NONE)
      return require(this->has_position || this->has_tilt, "action, position or tilt is required", error);
    if (this->has_position)
      return require(false, "action cannot go with position", error);
    return require(!this->has_tilt, "action cannot go with tilt", error);
  }

  /// Why a cover with these capabilities refuses the command (the spec's
  /// text), or nullptr when it carries it out.
  const char *refusal(bool supports_position, bool supports_tilt, bool supports_stop) const {
    if (this->has_position && !supports_position)
      return "position not supported";
    if (this->has_tilt && !supports_tilt)
      return "tilt not supported";
    if (this->action == MoveAction::STOP && !supports_stop)
      return "stop not supported";
    return nullptr;
  }
};

}  // namespace esphome::nats
