#pragma once

// A water heater command (docs/protocol.md, "Water heater"): any of
// operation_mode, target_temperature, away_mode, power, at least one.
// WaterHeaterCommand checks its form; check_water_heater_command() checks it
// against what the entity announced (WaterHeaterCapabilities) and writes the
// spec's refusal text. Pure C++, shared with the unit tests and the fuzzer.

#include <cstdio>

#include "nats_command.h"

namespace esphome::nats {

/// The protocol's operation modes, in the order of ESPHome's WaterHeaterMode
/// (so index i is ESPHome's mode i) and the order the firmware announces them.
static constexpr const char *WATER_HEATER_MODE_WORDS[] = {"off",         "eco",       "electric", "performance",
                                                          "high_demand", "heat_pump", "gas"};
static constexpr uint8_t WATER_HEATER_MODE_COUNT = 7;

struct WaterHeaterCommand final : CommandFields {
  bool has_operation_mode{false};
  uint8_t operation_mode{0};
  bool has_target_temperature{false};
  double target_temperature{0};
  bool has_away_mode{false};
  bool away_mode{false};
  OnOff power{OnOff::NONE};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("operation_mode")) {
      for (uint8_t i = 0; i < WATER_HEATER_MODE_COUNT; i++) {
        if (value.equals(WATER_HEATER_MODE_WORDS[i])) {
          this->has_operation_mode = true;
          this->operation_mode = i;
          return true;
        }
      }
      this->has_operation_mode = false;
      return require(false,
                     "operation_mode must be one of off, eco, electric, performance, high_demand, heat_pump, gas",
                     error);
    }
    if (key.equals("target_temperature")) {
      this->has_target_temperature =
          read_number(value, this->target_temperature, "target_temperature must be a number", error);
      return this->has_target_temperature;
    }
    if (key.equals("away_mode")) {
      this->has_away_mode = value.type == JsonType::BOOL;
      this->away_mode = value.boolean;
      return require(this->has_away_mode, "away_mode must be true or false", error);
    }
    if (key.equals("power"))
      return read_on_off(value, this->power, "power must be \"ON\" or \"OFF\"", error);
    return true;
  }

  bool complete(const char *&error) const override {
    return require(this->has_operation_mode || this->has_target_temperature || this->has_away_mode ||
                       this->power != OnOff::NONE,
                   "a water_heater command needs at least one field", error);
  }
};

/// What a water heater announced, as far as its commands are concerned.
/// Temperatures are those of the announcement (the entity's unit).
struct WaterHeaterCapabilities {
  /// Bit 1 << i for each announced WATER_HEATER_MODE_WORDS[i].
  uint8_t operation_modes{0};
  bool target_temperature{true};
  bool away_mode{false};
  bool on_off{false};
  double min_temp{43};
  double max_temp{60};
};

/// The capability step of docs/protocol.md: false with the refusal text in
/// error (cap bytes) when the command asks for something the entity did not
/// announce. Nothing is applied before this has passed for every field.
inline bool check_water_heater_command(const WaterHeaterCommand &cmd, const WaterHeaterCapabilities &caps,
                                       char *error, size_t cap) {
  if (cmd.has_operation_mode && (caps.operation_modes & (1u << cmd.operation_mode)) == 0) {
    std::snprintf(error, cap, "operation_mode '%s' not announced", WATER_HEATER_MODE_WORDS[cmd.operation_mode]);
    return false;
  }
  if (cmd.has_target_temperature) {
    if (!caps.target_temperature) {
      std::snprintf(error, cap, "target_temperature not supported");
      return false;
    }
    if (!(cmd.target_temperature >= caps.min_temp && cmd.target_temperature <= caps.max_temp)) {
      std::snprintf(error, cap, "target_temperature %.7g out of range %.7g..%.7g", cmd.target_temperature,
                    caps.min_temp, caps.max_temp);
      return false;
    }
  }
  if (cmd.has_away_mode && !caps.away_mode) {
    std::snprintf(error, cap, "away_mode not supported");
    return false;
  }
  if (cmd.power != OnOff::NONE && !caps.on_off) {
    std::snprintf(error, cap, "power not supported");
    return false;
  }
  return true;
}

}  // namespace esphome::nats
