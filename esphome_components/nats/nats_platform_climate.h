#pragma once

// A climate command (docs/protocol.md, "Climate"): any of hvac_mode,
// target_temperature, target_temperature_low + _high, target_humidity,
// fan_mode, swing_mode, swing_horizontal_mode, preset_mode, at least one.
// ClimateCommand checks its form; check_climate_command() checks it against
// what the entity announced (ClimateCapabilities) and writes the spec's
// refusal text. Pure C++, shared with the unit tests and the fuzzer.

#include <cstdio>

#include "nats_command.h"

namespace esphome::nats {

/// The protocol's HVAC modes, in the order the firmware announces them.
enum class HvacMode : uint8_t { OFF, HEAT, COOL, HEAT_COOL, AUTO, DRY, FAN_ONLY };
static constexpr const char *HVAC_MODE_WORDS[] = {"off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"};
static constexpr uint8_t HVAC_MODE_COUNT = 7;

/// The four mode lists an entity may announce.
enum class ClimateList : uint8_t { FAN_MODE, SWING_MODE, SWING_HORIZONTAL_MODE, PRESET_MODE };
static constexpr const char *CLIMATE_LIST_FIELDS[] = {"fan_mode", "swing_mode", "swing_horizontal_mode",
                                                      "preset_mode"};
static constexpr uint8_t CLIMATE_LIST_COUNT = 4;

struct ClimateCommand final : CommandFields {
  bool has_hvac_mode{false};
  HvacMode hvac_mode{HvacMode::OFF};
  bool has_target_temperature{false};
  double target_temperature{0};
  bool has_low{false};
  double target_temperature_low{0};
  bool has_high{false};
  double target_temperature_high{0};
  bool has_target_humidity{false};
  double target_humidity{0};
  /// Each list's word; an empty string when the command has none.
  char modes[CLIMATE_LIST_COUNT][MAX_OPTION_LEN + 1]{};

  bool has(ClimateList list) const { return this->modes[static_cast<uint8_t>(list)][0] != '\0'; }
  const char *mode(ClimateList list) const { return this->modes[static_cast<uint8_t>(list)]; }

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("hvac_mode")) {
      for (uint8_t i = 0; i < HVAC_MODE_COUNT; i++) {
        if (value.equals(HVAC_MODE_WORDS[i])) {
          this->has_hvac_mode = true;
          this->hvac_mode = static_cast<HvacMode>(i);
          return true;
        }
      }
      return require(false, "hvac_mode must be one of off, heat, cool, heat_cool, auto, dry, fan_only", error);
    }
    if (key.equals("target_temperature"))
      return this->number_(value, this->has_target_temperature, this->target_temperature,
                           "target_temperature must be a number", error);
    if (key.equals("target_temperature_low"))
      return this->number_(value, this->has_low, this->target_temperature_low,
                           "target_temperature_low must be a number", error);
    if (key.equals("target_temperature_high"))
      return this->number_(value, this->has_high, this->target_temperature_high,
                           "target_temperature_high must be a number", error);
    if (key.equals("target_humidity")) {
      static constexpr const char *MESSAGE = "target_humidity must be a number from 0 to 100";
      return this->number_(value, this->has_target_humidity, this->target_humidity, MESSAGE, error) &&
             require(this->target_humidity >= 0 && this->target_humidity <= 100, MESSAGE, error);
    }
    static constexpr const char *MESSAGES[] = {
        "fan_mode must be a string of 1 to 64 bytes",
        "swing_mode must be a string of 1 to 64 bytes",
        "swing_horizontal_mode must be a string of 1 to 64 bytes",
        "preset_mode must be a string of 1 to 64 bytes",
    };
    for (uint8_t i = 0; i < CLIMATE_LIST_COUNT; i++) {
      if (key.equals(CLIMATE_LIST_FIELDS[i])) {
        // A repeated key replaces the earlier value, or clears it when invalid.
        this->modes[i][0] = '\0';
        return read_text(value, this->modes[i], sizeof(this->modes[i]), MESSAGES[i], error);
      }
    }
    return true;
  }

  bool complete(const char *&error) const override {
    if (this->has_low != this->has_high)
      return require(false,
                     this->has_low ? "target_temperature_high must come with target_temperature_low"
                                   : "target_temperature_low must come with target_temperature_high",
                     error);
    if (this->has_low && this->target_temperature_low > this->target_temperature_high)
      return require(false, "target_temperature_low must not be above target_temperature_high", error);
    if (this->has_low && this->has_target_temperature)
      return require(false, "target_temperature cannot go with target_temperature_low and _high", error);
    bool any = this->has_hvac_mode || this->has_target_temperature || this->has_low || this->has_target_humidity;
    for (uint8_t i = 0; i < CLIMATE_LIST_COUNT; i++)
      any = any || this->modes[i][0] != '\0';
    return require(any, "a climate command needs at least one field", error);
  }

 protected:
  static bool number_(const JsonValue &value, bool &has, double &out, const char *message, const char *&error) {
    has = read_number(value, out, message, error);
    return has;
  }
};

/// What a climate entity announced, as far as its commands are concerned.
/// Temperatures are those of the announcement (the entity's unit), so that
/// the device refuses exactly what the controller was told is out of range.
class ClimateCapabilities {
 public:
  /// Bit 1 << HvacMode for each announced mode.
  uint8_t hvac_modes{0};
  bool target_temperature{true};
  bool target_temperature_range{false};
  bool target_humidity{false};
  double min_temp{7};
  double max_temp{35};
  double min_humidity{30};
  double max_humidity{99};

  /// Whether value is among the list the entity announced (false when it
  /// announced none).
  virtual bool announces(ClimateList list, const char *value) const = 0;

 protected:
  ~ClimateCapabilities() = default;
};

namespace climate_detail {

inline bool within(const char *field, double value, double lo, double hi, char *error, size_t cap) {
  if (value >= lo && value <= hi)
    return true;
  std::snprintf(error, cap, "%s %.7g out of range %.7g..%.7g", field, value, lo, hi);
  return false;
}

}  // namespace climate_detail

/// The capability step of docs/protocol.md: false with the refusal text in
/// error (cap bytes) when the command asks for something the entity did not
/// announce. Nothing is applied before this has passed for every field.
inline bool check_climate_command(const ClimateCommand &cmd, const ClimateCapabilities &caps, char *error,
                                  size_t cap) {
  using climate_detail::within;
  if (cmd.has_hvac_mode && !(caps.hvac_modes & (1u << static_cast<uint8_t>(cmd.hvac_mode)))) {
    std::snprintf(error, cap, "hvac_mode '%s' not announced", HVAC_MODE_WORDS[static_cast<uint8_t>(cmd.hvac_mode)]);
    return false;
  }
  if (cmd.has_target_temperature) {
    if (!caps.target_temperature) {
      std::snprintf(error, cap, "target_temperature not supported");
      return false;
    }
    if (!within("target_temperature", cmd.target_temperature, caps.min_temp, caps.max_temp, error, cap))
      return false;
  }
  if (cmd.has_low) {
    if (!caps.target_temperature_range) {
      std::snprintf(error, cap, "target temperature range not supported");
      return false;
    }
    if (!within("target_temperature_low", cmd.target_temperature_low, caps.min_temp, caps.max_temp, error, cap) ||
        !within("target_temperature_high", cmd.target_temperature_high, caps.min_temp, caps.max_temp, error, cap))
      return false;
  }
  if (cmd.has_target_humidity) {
    if (!caps.target_humidity) {
      std::snprintf(error, cap, "target_humidity not supported");
      return false;
    }
    if (!within("target_humidity", cmd.target_humidity, caps.min_humidity, caps.max_humidity, error, cap))
      return false;
  }
  for (uint8_t i = 0; i < CLIMATE_LIST_COUNT; i++) {
    const auto list = static_cast<ClimateList>(i);
    if (cmd.has(list) && !caps.announces(list, cmd.mode(list))) {
      std::snprintf(error, cap, "%s '%s' not announced", CLIMATE_LIST_FIELDS[i], cmd.mode(list));
      return false;
    }
  }
  return true;
}

}  // namespace esphome::nats
