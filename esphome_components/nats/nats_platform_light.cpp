// The light platform: Home Assistant's colour modes (onoff, brightness,
// color_temp with the light's kelvin range, rgb), the state with brightness
// and colour, and commands (nats_platform_light.h) checked against what the
// light can do (docs/protocol.md, "Light ranges").

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_LIGHT)

#include "nats_platform_light.h"

#include <cmath>

namespace esphome::nats {

namespace {

/// rgb and color_temp each include brightness; brightness and onoff stand alone.
enum LightModes : uint8_t { MODE_ONOFF = 1, MODE_BRIGHTNESS = 2, MODE_COLOR_TEMP = 4, MODE_RGB = 8 };

bool has_cap(light::LightTraits &traits, light::ColorCapability cap) { return traits.supports_color_capability(cap); }

uint8_t light_modes(light::LightTraits &traits) {
  uint8_t modes = 0;
  if (has_cap(traits, light::ColorCapability::RGB))
    modes |= MODE_RGB;
  const bool ct = has_cap(traits, light::ColorCapability::COLOR_TEMPERATURE) ||
                  has_cap(traits, light::ColorCapability::COLD_WARM_WHITE);
  if (ct && traits.get_min_mireds() > 0)
    modes |= MODE_COLOR_TEMP;
  if (modes == 0)
    modes = has_cap(traits, light::ColorCapability::BRIGHTNESS) ? MODE_BRIGHTNESS : MODE_ONOFF;
  return modes;
}

uint16_t mireds_to_kelvin(float mireds) {
  float k = 1000000.0f / mireds;
  if (k < MIN_KELVIN)
    return MIN_KELVIN;
  if (k > MAX_KELVIN)
    return MAX_KELVIN;
  return static_cast<uint16_t>(std::lround(k));
}

/// False when the traits give no usable range: the light announces none and
/// the protocol's 2000-6500 K apply.
bool kelvin_range(light::LightTraits &traits, uint16_t &min_k, uint16_t &max_k) {
  min_k = mireds_to_kelvin(traits.get_max_mireds());
  max_k = mireds_to_kelvin(traits.get_min_mireds());
  if (min_k < max_k)
    return true;
  min_k = DEFAULT_MIN_KELVIN;
  max_k = DEFAULT_MAX_KELVIN;
  return false;
}

uint8_t to_byte(float v) {
  long b = std::lround(v * 255.0f);
  return static_cast<uint8_t>(b < 0 ? 0 : (b > 255 ? 255 : b));
}

/// The announced mode the light's current ESPHome colour mode maps to.
const char *current_mode(light::ColorMode mode, uint8_t announced) {
  auto bits = static_cast<uint8_t>(mode);
  if ((bits & static_cast<uint8_t>(light::ColorCapability::RGB)) && (announced & MODE_RGB))
    return "rgb";
  if ((bits & (static_cast<uint8_t>(light::ColorCapability::COLOR_TEMPERATURE) |
               static_cast<uint8_t>(light::ColorCapability::COLD_WARM_WHITE))) &&
      (announced & MODE_COLOR_TEMP))
    return "color_temp";
  if (announced & MODE_BRIGHTNESS)
    return "brightness";
  if (announced & MODE_ONOFF)
    return "onoff";
  return nullptr;
}

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_lights(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  auto traits = static_cast<light::LightState *>(obj)->get_traits();
  const uint8_t modes = light_modes(traits);
  describe_device_class(obj, w);
  w.key("color_modes");
  w.begin_array();
  if (modes & MODE_ONOFF)
    w.value("onoff");
  if (modes & MODE_BRIGHTNESS)
    w.value("brightness");
  if (modes & MODE_COLOR_TEMP)
    w.value("color_temp");
  if (modes & MODE_RGB)
    w.value("rgb");
  w.end_array();
  uint16_t min_k, max_k;
  if ((modes & MODE_COLOR_TEMP) && kelvin_range(traits, min_k, max_k)) {
    w.key("min_kelvin");
    w.value(static_cast<int>(min_k));
    w.key("max_kelvin");
    w.value(static_cast<int>(max_k));
  }
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *l = static_cast<light::LightState *>(obj);
  const auto &values = l->get_reported_values();
  auto traits = l->get_traits();
  const uint8_t modes = light_modes(traits);
  w.key("state");
  w.value(values.is_on() ? "ON" : "OFF");
  if (modes != MODE_ONOFF) {
    w.key("brightness");
    w.value(static_cast<int>(to_byte(values.get_brightness())));
  }
  const char *mode = current_mode(values.get_color_mode(), modes);
  if (mode != nullptr) {
    w.key("color_mode");
    w.value(mode);
  }
  if ((modes & MODE_COLOR_TEMP) && values.get_color_temperature() > 0) {
    w.key("color_temp_kelvin");
    w.value(static_cast<int>(mireds_to_kelvin(values.get_color_temperature())));
  }
  if (modes & MODE_RGB) {
    w.key("rgb");
    w.begin_array();
    w.value(static_cast<int>(to_byte(values.get_red())));
    w.value(static_cast<int>(to_byte(values.get_green())));
    w.value(static_cast<int>(to_byte(values.get_blue())));
    w.end_array();
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  LightCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *l = static_cast<light::LightState *>(obj);
  auto traits = l->get_traits();
  const uint8_t modes = light_modes(traits);
  if (cmd.has_brightness && modes == MODE_ONOFF)
    return req.reject("this light has no brightness");
  if (cmd.has_rgb && !(modes & MODE_RGB))
    return req.reject("this light has no rgb colour");
  if (cmd.has_color_temp_kelvin) {
    if (!(modes & MODE_COLOR_TEMP))
      return req.reject("this light has no colour temperature");
    // Devices enforce their announced range (docs/protocol.md, "Light ranges").
    uint16_t min_k, max_k;
    kelvin_range(traits, min_k, max_k);
    if (cmd.color_temp_kelvin < min_k || cmd.color_temp_kelvin > max_k)
      return req.reject("colour temperature out of range");
  }
  auto call = l->make_call();
  call.set_state(cmd.state == OnOff::ON);
  if (cmd.has_brightness)
    call.set_brightness(cmd.brightness / 255.0f);
  if (cmd.has_rgb)
    call.set_rgb(cmd.rgb[0] / 255.0f, cmd.rgb[1] / 255.0f, cmd.rgb[2] / 255.0f);
  if (cmd.has_color_temp_kelvin)
    call.set_color_temperature(1000000.0f / cmd.color_temp_kelvin);
  if (cmd.has_transition)
    call.set_transition_length(static_cast<uint32_t>(std::lround(cmd.transition * 1000.0f)));
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps LIGHT_PLATFORM{"light", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_LIGHT
