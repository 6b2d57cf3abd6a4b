// The climate platform: ClimateTraits as the spec's capabilities (HVAC
// modes, target kinds, ranges, mode lists), the state, and commands
// (nats_platform_climate.h) checked against what was announced, applied
// through one ClimateCall. docs/esphome.md lists what ESPHome cannot
// express (a horizontal swing of its own, a single target beside a range).

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_CLIMATE)

#include "nats_mode_list.h"
#include "nats_platform_climate.h"

#include "esphome/core/log.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

namespace {

using climate::ClimateTraits;

// ESPHome's modes (indexed by ClimateMode) as the protocol's, and back
// (indexed by HvacMode).
constexpr HvacMode HVAC_MODE_OF[] = {HvacMode::OFF,      HvacMode::HEAT_COOL, HvacMode::COOL, HvacMode::HEAT,
                                     HvacMode::FAN_ONLY, HvacMode::DRY,       HvacMode::AUTO};
static_assert(climate::CLIMATE_MODE_AUTO == 6 && sizeof(HVAC_MODE_OF) / sizeof(HVAC_MODE_OF[0]) == 7);
constexpr climate::ClimateMode ESPHOME_MODE_OF[] = {
    climate::CLIMATE_MODE_OFF,  climate::CLIMATE_MODE_HEAT, climate::CLIMATE_MODE_COOL,
    climate::CLIMATE_MODE_HEAT_COOL, climate::CLIMATE_MODE_AUTO, climate::CLIMATE_MODE_DRY,
    climate::CLIMATE_MODE_FAN_ONLY,
};
// ESPHome's fan modes, swing modes and presets (indexed by their enums) in
// Home Assistant's words.
constexpr const char *FAN_MODE_WORDS[] = {"on",   "off",    "auto",  "low",     "medium",
                                          "high", "middle", "focus", "diffuse", "quiet"};
static_assert(climate::CLIMATE_FAN_QUIET == 9);
constexpr const char *SWING_MODE_WORDS[] = {"off", "both", "vertical", "horizontal"};
static_assert(climate::CLIMATE_SWING_HORIZONTAL == 3);
constexpr const char *PRESET_WORDS[] = {"none", "home", "away", "boost", "comfort", "eco", "sleep", "activity"};
static_assert(climate::CLIMATE_PRESET_ACTIVITY == 7);

const char *action_word(climate::ClimateAction action) {
  switch (action) {
    case climate::CLIMATE_ACTION_OFF:
      return "off";
    case climate::CLIMATE_ACTION_COOLING:
      return "cooling";
    case climate::CLIMATE_ACTION_HEATING:
      return "heating";
    case climate::CLIMATE_ACTION_IDLE:
      return "idle";
    case climate::CLIMATE_ACTION_DRYING:
      return "drying";
    case climate::CLIMATE_ACTION_FAN:
      return "fan";
    case climate::CLIMATE_ACTION_DEFROSTING:
      return "defrosting";
    default:
      return nullptr;
  }
}

/// A float limit as the announcement prints it ("%.7g"), so that a command
/// is refused exactly when the controller was told it is out of range.
double as_announced(float value) {
  char text[24];
  std::snprintf(text, sizeof(text), "%.7g", value);
  return std::strtod(text, nullptr);
}

bool two_point(const ClimateTraits &traits) {
  return traits.has_feature_flags(climate::CLIMATE_SUPPORTS_TWO_POINT_TARGET_TEMPERATURE |
                                  climate::CLIMATE_REQUIRES_TWO_POINT_TARGET_TEMPERATURE);
}

/// A mode list as announced: ESPHome's built-in modes, then its custom
/// ones. ESPHome has no horizontal swing of its own.
void announced_modes(const ClimateTraits &traits, ClimateList list, ModeList &out) {
  switch (list) {
    case ClimateList::FAN_MODE:
      for (auto mode : traits.get_supported_fan_modes())
        out.add(FAN_MODE_WORDS[mode]);
      for (const char *mode : traits.get_supported_custom_fan_modes())
        out.add(mode);
      break;
    case ClimateList::SWING_MODE:
      for (auto mode : traits.get_supported_swing_modes())
        out.add(SWING_MODE_WORDS[mode]);
      break;
    case ClimateList::PRESET_MODE:
      for (auto preset : traits.get_supported_presets())
        out.add(PRESET_WORDS[preset]);
      for (const char *preset : traits.get_supported_custom_presets())
        out.add(preset);
      break;
    case ClimateList::SWING_HORIZONTAL_MODE:
      break;
  }
}

bool list_announces(const ClimateTraits &traits, ClimateList list, const char *value) {
  ModeList modes;
  announced_modes(traits, list, modes);
  return modes.contains(value);
}

bool list_announced(const ClimateTraits &traits, ClimateList list) {
  ModeList modes;
  announced_modes(traits, list, modes);
  return modes.size() > 0;
}

/// The entity's announced capabilities, from its traits; every part of
/// the platform reads them here so that they agree.
class Capabilities final : public ClimateCapabilities {
 public:
  explicit Capabilities(const ClimateTraits &traits) : traits_(traits) {
    for (uint8_t i = 0; i < HVAC_MODE_COUNT; i++) {
      if (traits.supports_mode(ESPHOME_MODE_OF[i]))
        this->hvac_modes |= 1u << i;
    }
    this->fahrenheit = traits.get_temperature_unit() == TemperatureUnit::FAHRENHEIT;
    // ClimateCall drops a single target on a two-point device, and its
    // state keeps one value for both (a union): only the range is real.
    this->target_temperature_range = two_point(traits);
    this->target_temperature = !this->target_temperature_range;
    this->target_humidity = traits.has_feature_flags(climate::CLIMATE_SUPPORTS_TARGET_HUMIDITY);
    const double lo = as_announced(traits.get_visual_min_temperature());
    const double hi = as_announced(traits.get_visual_max_temperature());
    this->temp_range_announced = std::isfinite(lo) && std::isfinite(hi) && lo < hi;
    if (this->temp_range_announced) {
      this->min_temp = lo;
      this->max_temp = hi;
    } else if (this->fahrenheit) {
      this->min_temp = 45;
      this->max_temp = 95;
    }
    const double hlo = as_announced(traits.get_visual_min_humidity());
    const double hhi = as_announced(traits.get_visual_max_humidity());
    this->humidity_range_announced = hlo >= 0 && hhi <= 100 && hlo < hhi;
    if (this->humidity_range_announced) {
      this->min_humidity = hlo;
      this->max_humidity = hhi;
    }
  }

  bool announces(ClimateList list, const char *value) const override {
    return list_announces(this->traits_, list, value);
  }

  bool fahrenheit{false};
  bool temp_range_announced{false};
  bool humidity_range_announced{false};

 protected:
  const ClimateTraits &traits_;
};

void collect(EntityTable &table, const PlatformOps &self) {
  for (auto *obj : App.get_climates()) {
    // The protocol knows °C and °F only.
    if (obj->get_traits().get_temperature_unit() == TemperatureUnit::KELVIN) {
      ESP_LOGW(TAG, "Climate '%s' works in kelvin, which the protocol has no unit for: not announced",
               obj->get_name().c_str());
      continue;
    }
    table.add(obj, self);
  }
}

void describe(EntityBase *obj, JsonWriter &w) {
  const ClimateTraits traits = static_cast<climate::Climate *>(obj)->get_traits();
  const Capabilities caps(traits);
  w.key("hvac_modes");
  w.begin_array();
  for (uint8_t i = 0; i < HVAC_MODE_COUNT; i++) {
    if (caps.hvac_modes & (1u << i))
      w.value(HVAC_MODE_WORDS[i]);
  }
  w.end_array();
  w.key("supports_target_temperature");
  w.value(caps.target_temperature);
  w.key("supports_target_temperature_range");
  w.value(caps.target_temperature_range);
  w.key("supports_target_humidity");
  w.value(caps.target_humidity);
  w.key("temperature_unit");
  w.value(caps.fahrenheit ? "°F" : "°C");
  if (caps.temp_range_announced) {
    w.key("min_temp");
    w.value_number(caps.min_temp);
    w.key("max_temp");
    w.value_number(caps.max_temp);
  }
  const float step = traits.get_visual_target_temperature_step();
  if (std::isfinite(step) && step > 0) {
    w.key("temp_step");
    w.value_number(step);
  }
  const float current_step = traits.get_visual_current_temperature_step();
  w.key("precision");
  w.value_number(current_step >= 1 ? 1 : (current_step >= 0.5f ? 0.5 : 0.1));
  if (caps.target_humidity && caps.humidity_range_announced) {
    w.key("min_humidity");
    w.value_number(caps.min_humidity);
    w.key("max_humidity");
    w.value_number(caps.max_humidity);
  }
  static constexpr ClimateList LISTS[] = {ClimateList::FAN_MODE, ClimateList::SWING_MODE, ClimateList::PRESET_MODE};
  static constexpr const char *KEYS[] = {"fan_modes", "swing_modes", "preset_modes"};
  for (size_t i = 0; i < 3; i++) {
    ModeList modes;
    announced_modes(traits, LISTS[i], modes);
    if (modes.size() == 0)
      continue;  // an empty list is invalid: leave the field out
    w.key(KEYS[i]);
    w.begin_array();
    for (size_t j = 0; j < modes.size(); j++)
      w.value(modes.at(j));
    w.end_array();
  }
}

/// A temperature or humidity within the announced range, else null: a
/// state outside it would be dropped whole by the controller.
void write_bounded(JsonWriter &w, const char *key, float value, double lo, double hi) {
  w.key(key);
  if (std::isfinite(value) && value >= lo && value <= hi) {
    w.value_number(value);
  } else {
    w.value_null();
  }
}

/// The current word of a list, when it is one the entity announced.
void write_mode(JsonWriter &w, const ClimateTraits &traits, ClimateList list, const char *key, const char *word) {
  w.key(key);
  if (word != nullptr && list_announces(traits, list, word)) {
    w.value(word);
  } else {
    w.value_null();
  }
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *c = static_cast<climate::Climate *>(obj);
  const ClimateTraits traits = c->get_traits();
  const Capabilities caps(traits);
  w.key("state");
  const auto mode = static_cast<uint8_t>(c->mode);
  if (mode < HVAC_MODE_COUNT) {
    w.value(HVAC_MODE_WORDS[static_cast<uint8_t>(HVAC_MODE_OF[mode])]);
  } else {
    w.value_null();
  }
  if (traits.has_feature_flags(climate::CLIMATE_SUPPORTS_ACTION)) {
    const char *action = action_word(c->action);
    w.key("hvac_action");
    if (action != nullptr) {
      w.value(action);
    } else {
      w.value_null();
    }
  }
  if (traits.has_feature_flags(climate::CLIMATE_SUPPORTS_CURRENT_TEMPERATURE)) {
    w.key("current_temperature");
    w.value_number(c->current_temperature);  // NaN (no reading yet) is written as null
  }
  if (caps.target_temperature_range) {
    const bool ordered = !(c->target_temperature_low > c->target_temperature_high);
    write_bounded(w, "target_temperature_low", ordered ? c->target_temperature_low : NAN, caps.min_temp,
                  caps.max_temp);
    write_bounded(w, "target_temperature_high", ordered ? c->target_temperature_high : NAN, caps.min_temp,
                  caps.max_temp);
  } else {
    write_bounded(w, "target_temperature", c->target_temperature, caps.min_temp, caps.max_temp);
  }
  if (traits.has_feature_flags(climate::CLIMATE_SUPPORTS_CURRENT_HUMIDITY))
    write_bounded(w, "current_humidity", c->current_humidity, 0, 100);
  if (caps.target_humidity)
    write_bounded(w, "target_humidity", c->target_humidity, caps.min_humidity, caps.max_humidity);
  if (list_announced(traits, ClimateList::FAN_MODE)) {
    const char *word = c->has_custom_fan_mode()  ? c->get_custom_fan_mode().c_str()
                       : c->fan_mode.has_value() ? FAN_MODE_WORDS[*c->fan_mode]
                                                 : nullptr;
    write_mode(w, traits, ClimateList::FAN_MODE, "fan_mode", word);
  }
  if (list_announced(traits, ClimateList::SWING_MODE))
    write_mode(w, traits, ClimateList::SWING_MODE, "swing_mode", SWING_MODE_WORDS[c->swing_mode]);
  if (list_announced(traits, ClimateList::PRESET_MODE)) {
    const char *word = c->has_custom_preset()  ? c->get_custom_preset().c_str()
                       : c->preset.has_value() ? PRESET_WORDS[*c->preset]
                                               : nullptr;
    write_mode(w, traits, ClimateList::PRESET_MODE, "preset_mode", word);
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  ClimateCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *c = static_cast<climate::Climate *>(obj);
  const ClimateTraits traits = c->get_traits();
  if (!check_climate_command(cmd, Capabilities(traits), req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE))
    return req.reject(req.error_buffer());
  auto call = c->make_call();
  if (cmd.has_hvac_mode)
    call.set_mode(ESPHOME_MODE_OF[static_cast<uint8_t>(cmd.hvac_mode)]);
  if (cmd.has_target_temperature)
    call.set_target_temperature(static_cast<float>(cmd.target_temperature));
  if (cmd.has_low) {
    call.set_target_temperature_low(static_cast<float>(cmd.target_temperature_low));
    call.set_target_temperature_high(static_cast<float>(cmd.target_temperature_high));
  }
  if (cmd.has_target_humidity)
    call.set_target_humidity(static_cast<float>(cmd.target_humidity));
  // Announced words only (checked above): ESPHome maps a built-in word to
  // its enum and looks any other up among the custom modes.
  if (cmd.has(ClimateList::FAN_MODE)) {
    const char *word = cmd.mode(ClimateList::FAN_MODE);
    call.set_fan_mode(word, std::strlen(word));
  }
  if (cmd.has(ClimateList::SWING_MODE)) {
    const char *word = cmd.mode(ClimateList::SWING_MODE);
    call.set_swing_mode(word, std::strlen(word));
  }
  if (cmd.has(ClimateList::PRESET_MODE)) {
    const char *word = cmd.mode(ClimateList::PRESET_MODE);
    call.set_preset(word, std::strlen(word));
  }
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps CLIMATE_PLATFORM{"climate", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_CLIMATE
