#pragma once

// A light command in protocol v1: {"state": "ON", "brightness": 128,
// "color_temp_kelvin": 2700, "rgb": [255, 0, 0], "transition": 1.5}, all but
// state optional. Whether the light has the colour mode, and its kelvin
// range, are the entity's business (nats_platform_light.cpp). Pure C++,
// shared with the unit tests and the fuzzer.

#include "nats_command.h"

namespace esphome::nats {

static constexpr uint16_t MIN_KELVIN = 1000;
static constexpr uint16_t MAX_KELVIN = 20000;
/// A light's range when its announcement gives none.
static constexpr uint16_t DEFAULT_MIN_KELVIN = 2000;
static constexpr uint16_t DEFAULT_MAX_KELVIN = 6500;

struct LightCommand final : CommandFields {
  OnOff state{OnOff::NONE};
  bool has_brightness{false};
  uint8_t brightness{0};
  bool has_rgb{false};
  uint8_t rgb[3]{0, 0, 0};
  bool has_color_temp_kelvin{false};
  uint16_t color_temp_kelvin{0};
  bool has_transition{false};
  float transition{0};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    int32_t n = 0;
    if (key.equals("state"))
      return read_on_off(value, this->state, "state must be \"ON\" or \"OFF\"", error);
    if (key.equals("brightness")) {
      if (!read_integer(value, 0, 255, n, "brightness must be an integer from 0 to 255", error))
        return false;
      this->has_brightness = true;
      this->brightness = static_cast<uint8_t>(n);
    } else if (key.equals("rgb")) {
      if (!this->read_rgb_(value))
        return require(false, "rgb must be three integers from 0 to 255", error);
      this->has_rgb = true;
    } else if (key.equals("color_temp_kelvin")) {
      if (!read_integer(value, MIN_KELVIN, MAX_KELVIN, n, "color_temp_kelvin must be an integer from 1000 to 20000",
                        error))
        return false;
      this->has_color_temp_kelvin = true;
      this->color_temp_kelvin = static_cast<uint16_t>(n);
    } else if (key.equals("transition")) {
      double seconds = 0;
      // An hour bounds the conversion to milliseconds.
      if (!read_number(value, seconds, "transition must be a number of seconds from 0 to 3600", error) ||
          !require(seconds >= 0 && seconds <= 3600, "transition must be a number of seconds from 0 to 3600", error))
        return false;
      this->has_transition = true;
      this->transition = static_cast<float>(seconds);
    }
    return true;
  }
  bool complete(const char *&error) const override {
    return require(this->state != OnOff::NONE, "state is required", error);
  }

 protected:
  bool read_rgb_(const JsonValue &v) {
    if (v.type != JsonType::ARRAY)
      return false;
    JsonIterator it(v);
    JsonValue item;
    size_t n = 0;
    while (it.next_element(item)) {
      if (n == 3 || !item.is_integer() || item.number < 0 || item.number > 255)
        return false;
      this->rgb[n++] = static_cast<uint8_t>(item.number);
    }
    return n == 3;
  }
};

}  // namespace esphome::nats
