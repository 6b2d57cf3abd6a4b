#pragma once

// A fan command (docs/protocol.md, "Fan"): any of state, percentage,
// oscillating, direction, preset_mode, at least one. FanCommand checks its
// form; check_fan_command() checks it against what the entity announced
// (FanCapabilities) and writes the spec's refusal text; fan_speed() and
// fan_percentage() are the spec's conversions between a percentage and the
// speeds 1..N. Pure C++, shared with the unit tests and the fuzzer.

#include <cstdio>

#include "nats_command.h"

namespace esphome::nats {

enum class FanDirection : uint8_t { NONE, FORWARD, REVERSE };

struct FanCommand final : CommandFields {
  OnOff state{OnOff::NONE};
  bool has_percentage{false};
  uint8_t percentage{0};
  bool has_oscillating{false};
  bool oscillating{false};
  FanDirection direction{FanDirection::NONE};
  bool has_preset_mode{false};
  char preset_mode[MAX_OPTION_LEN + 1]{};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("state"))
      return read_on_off(value, this->state, "state must be \"ON\" or \"OFF\"", error);
    if (key.equals("percentage")) {
      int32_t n = 0;
      this->has_percentage = read_integer(value, 1, 100, n, "percentage must be an integer from 1 to 100", error);
      this->percentage = static_cast<uint8_t>(n);
      return this->has_percentage;
    }
    if (key.equals("oscillating")) {
      this->has_oscillating = value.type == JsonType::BOOL;
      this->oscillating = value.boolean;
      return require(this->has_oscillating, "oscillating must be true or false", error);
    }
    if (key.equals("direction")) {
      if (value.equals("forward")) {
        this->direction = FanDirection::FORWARD;
      } else if (value.equals("reverse")) {
        this->direction = FanDirection::REVERSE;
      } else {
        return require(false, "direction must be \"forward\" or \"reverse\"", error);
      }
      return true;
    }
    if (key.equals("preset_mode")) {
      this->has_preset_mode = read_text(value, this->preset_mode, sizeof(this->preset_mode),
                                        "preset_mode must be a string of 1 to 64 bytes", error);
      return this->has_preset_mode;
    }
    return true;
  }

  bool complete(const char *&error) const override {
    // Both turn the fan on: with "OFF" the command contradicts itself.
    if (this->state == OnOff::OFF && this->has_percentage)
      return require(false, "percentage cannot go with state OFF", error);
    if (this->state == OnOff::OFF && this->has_preset_mode)
      return require(false, "preset_mode cannot go with state OFF", error);
    return require(this->state != OnOff::NONE || this->has_percentage || this->has_oscillating ||
                       this->direction != FanDirection::NONE || this->has_preset_mode,
                   "a fan command needs at least one field", error);
  }
};

/// What a fan entity announced, as far as its commands are concerned.
class FanCapabilities {
 public:
  /// Speeds 1..speed_count; 0 = no speed control.
  int speed_count{0};
  bool oscillation{false};
  bool direction{false};

  /// Whether value is among the announced preset_modes (false when none are).
  virtual bool announces_preset(const char *value) const = 0;

 protected:
  ~FanCapabilities() = default;
};

/// The speed 1..speed_count a percentage 1..100 sets: rounded up, as Home
/// Assistant's percentage_to_ranged_value.
inline int fan_speed(int percentage, int speed_count) { return (percentage * speed_count + 99) / 100; }
/// The percentage a speed reports: rounded down, as ranged_value_to_percentage.
inline int fan_percentage(int speed, int speed_count) {
  if (speed_count <= 0 || speed <= 0)
    return 0;
  return speed >= speed_count ? 100 : speed * 100 / speed_count;
}

/// The capability step of docs/protocol.md: false with the refusal text in
/// error (cap bytes) when the command asks for something the entity did not
/// announce. Nothing is applied before this has passed for every field.
inline bool check_fan_command(const FanCommand &cmd, const FanCapabilities &caps, char *error, size_t cap) {
  const char *missing = nullptr;
  if (cmd.has_percentage && caps.speed_count <= 0) {
    missing = "percentage";
  } else if (cmd.has_oscillating && !caps.oscillation) {
    missing = "oscillating";
  } else if (cmd.direction != FanDirection::NONE && !caps.direction) {
    missing = "direction";
  }
  if (missing != nullptr) {
    std::snprintf(error, cap, "%s not supported", missing);
    return false;
  }
  if (cmd.has_preset_mode && !caps.announces_preset(cmd.preset_mode)) {
    std::snprintf(error, cap, "preset_mode '%s' not announced", cmd.preset_mode);
    return false;
  }
  return true;
}

}  // namespace esphome::nats
