#include "nats_entity_helpers.h"

#include "nats_protocol.h"

#include <cmath>

namespace esphome::nats {

size_t utf8_prefix(const char *s, size_t len, size_t max) {
  if (len <= max)
    return len;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    n--;
  return n;
}

#ifdef USE_SENSOR
int precision_of(sensor::Sensor *s) {
  int d = s->get_accuracy_decimals();
  return d < 0 ? 0 : (d > 10 ? 10 : d);
}
#endif

#ifdef USE_LIGHT
namespace {

bool has_cap(light::LightTraits &traits, light::ColorCapability cap) { return traits.supports_color_capability(cap); }

bool has_ct(light::LightTraits &traits) {
  return has_cap(traits, light::ColorCapability::COLOR_TEMPERATURE) ||
         has_cap(traits, light::ColorCapability::COLD_WARM_WHITE);
}

}  // namespace

uint8_t light_modes(light::LightTraits &traits) {
  uint8_t modes = 0;
  if (has_cap(traits, light::ColorCapability::RGB))
    modes |= MODE_RGB;
  if (has_ct(traits) && traits.get_min_mireds() > 0)
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

bool announced_kelvin_range(light::LightTraits &traits, uint16_t &min_k, uint16_t &max_k) {
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
#endif

}  // namespace esphome::nats
