// The water heater platform: WaterHeaterTraits as the spec's capabilities
// (operation modes, target temperature and its range, away mode, on/off),
// the state with the mode as `state`, and commands
// (nats_platform_water_heater.h) checked against what was announced and
// applied through one WaterHeaterCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_WATER_HEATER)

#include "nats_platform_water_heater.h"

#include "esphome/core/log.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace esphome::nats {

namespace {

static const char *const TAG = "nats";

using water_heater::WaterHeaterTraits;

/// A float limit as the announcement prints it ("%.7g"), so that a command
/// is refused exactly when the controller was told it is out of range.
double as_announced(float value) {
  char text[24];
  std::snprintf(text, sizeof(text), "%.7g", value);
  return std::strtod(text, nullptr);
}

/// The entity's announced capabilities, from its traits. An entity whose
/// traits give no usable range announces none and gets the protocol's
/// defaults of its unit, which the device then enforces too.
struct Capabilities final : WaterHeaterCapabilities {
  bool fahrenheit{false};
  bool range_announced{false};

  explicit Capabilities(const WaterHeaterTraits &traits) {
    if (traits.has_feature_flags(water_heater::WATER_HEATER_SUPPORTS_OPERATION_MODE)) {
      for (uint8_t i = 0; i < WATER_HEATER_MODE_COUNT; i++) {
        if (traits.supports_mode(static_cast<water_heater::WaterHeaterMode>(i)))
          this->operation_modes |= 1u << i;
      }
    }
    this->target_temperature = traits.has_feature_flags(water_heater::WATER_HEATER_SUPPORTS_TARGET_TEMPERATURE);
    this->away_mode = traits.get_supports_away_mode();
    this->on_off = traits.has_feature_flags(water_heater::WATER_HEATER_SUPPORTS_ON_OFF);
    this->fahrenheit = traits.get_temperature_unit() == TemperatureUnit::FAHRENHEIT;
    const double lo = as_announced(traits.get_min_temperature());
    const double hi = as_announced(traits.get_max_temperature());
    this->range_announced = std::isfinite(lo) && std::isfinite(hi) && lo < hi;
    if (this->range_announced) {
      this->min_temp = lo;
      this->max_temp = hi;
    } else if (this->fahrenheit) {
      this->min_temp = 110;
      this->max_temp = 140;
    }
  }
};

void collect(EntityTable &table, const PlatformOps &self) {
  for (auto *obj : App.get_water_heaters()) {
    // The protocol knows °C and °F only.
    if (obj->get_traits().get_temperature_unit() == TemperatureUnit::KELVIN) {
      ESP_LOGW(TAG, "Water heater '%s' works in kelvin, which the protocol has no unit for: not announced",
               obj->get_name().c_str());
      continue;
    }
    table.add(obj, self);
  }
}

void describe(EntityBase *obj, JsonWriter &w) {
  const WaterHeaterTraits traits = static_cast<water_heater::WaterHeater *>(obj)->get_traits();
  const Capabilities caps(traits);
  if (caps.operation_modes != 0) {
    w.key("operation_modes");
    w.begin_array();
    for (uint8_t i = 0; i < WATER_HEATER_MODE_COUNT; i++) {
      if (caps.operation_modes & (1u << i))
        w.value(WATER_HEATER_MODE_WORDS[i]);
    }
    w.end_array();
  }
  describe_flag(w, "supports_target_temperature", caps.target_temperature);
  describe_flag(w, "supports_away_mode", caps.away_mode);
  describe_flag(w, "supports_on_off", caps.on_off);
  w.key("temperature_unit");
  w.value(caps.fahrenheit ? "°F" : "°C");
  if (caps.range_announced) {
    w.key("min_temp");
    w.value_number(caps.min_temp);
    w.key("max_temp");
    w.value_number(caps.max_temp);
  }
  const float step = traits.get_target_temperature_step();
  if (std::isfinite(step) && step > 0) {
    w.key("target_temperature_step");
    w.value_number(step);
  }
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *heater = static_cast<water_heater::WaterHeater *>(obj);
  const WaterHeaterTraits traits = heater->get_traits();
  const Capabilities caps(traits);
  // The mode is announced only among the operation modes: any other
  // (ESPHome's default OFF on a heater without modes) is unknown.
  const auto mode = static_cast<uint32_t>(heater->get_mode());
  w.key("state");
  if (mode < WATER_HEATER_MODE_COUNT && (caps.operation_modes & (1u << mode)) != 0) {
    w.value(WATER_HEATER_MODE_WORDS[mode]);
  } else {
    w.value_null();
  }
  if (traits.get_supports_current_temperature()) {
    w.key("current_temperature");
    w.value_number(heater->get_current_temperature());  // NaN (no reading yet) is written as null
  }
  if (caps.target_temperature) {
    // Outside the announced range the controller would drop the whole state.
    const float target = heater->get_target_temperature();
    w.key("target_temperature");
    if (std::isfinite(target) && target >= caps.min_temp && target <= caps.max_temp) {
      w.value_number(target);
    } else {
      w.value_null();
    }
  }
  if (caps.away_mode)
    describe_flag(w, "away_mode", heater->is_away());
  if (caps.on_off) {
    w.key("power");
    w.value(heater->is_on() ? "ON" : "OFF");
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  WaterHeaterCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *heater = static_cast<water_heater::WaterHeater *>(obj);
  if (!check_water_heater_command(cmd, Capabilities(heater->get_traits()), req.error_buffer(),
                                  CommandRequest::ERROR_BUFFER_SIZE))
    return req.reject(req.error_buffer());
  auto call = heater->make_call();
  if (cmd.has_operation_mode)
    call.set_mode(static_cast<water_heater::WaterHeaterMode>(cmd.operation_mode));
  if (cmd.has_target_temperature)
    call.set_target_temperature(static_cast<float>(cmd.target_temperature));
  if (cmd.has_away_mode)
    call.set_away(cmd.away_mode);
  if (cmd.power != OnOff::NONE)
    call.set_on(cmd.power == OnOff::ON);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps WATER_HEATER_PLATFORM{"water_heater", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_WATER_HEATER
