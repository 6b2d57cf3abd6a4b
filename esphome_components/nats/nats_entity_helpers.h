#pragma once

// Conversions shared by the announcement, the state payloads and commands:
// what an ESPHome entity's traits mean in protocol v1.

#include "esphome/core/defines.h"
#include "esphome/core/entity_includes.h"

#include <cstddef>
#include <cstdint>

namespace esphome::nats {

/// Bytes of s that fit in max without cutting a UTF-8 sequence.
size_t utf8_prefix(const char *s, size_t len, size_t max);

#ifdef USE_SENSOR
/// Decimals a sensor announces and publishes (0-10).
int precision_of(sensor::Sensor *s);
#endif

#ifdef USE_LIGHT
/// The protocol's colour modes are Home Assistant's: rgb and color_temp each
/// include brightness; brightness and onoff stand alone.
enum LightModes : uint8_t { MODE_ONOFF = 1, MODE_BRIGHTNESS = 2, MODE_COLOR_TEMP = 4, MODE_RGB = 8 };

/// The modes a light announces (LightModes bits).
uint8_t light_modes(light::LightTraits &traits);
uint16_t mireds_to_kelvin(float mireds);
/// The colour temperature range a light announces; false when its traits give
/// no usable range, so it announces none and the protocol's 2000-6500 K apply.
bool announced_kelvin_range(light::LightTraits &traits, uint16_t &min_k, uint16_t &max_k);
/// A 0-1 channel as 0-255.
uint8_t to_byte(float v);
/// The announced mode the light's current ESPHome colour mode maps to.
const char *current_mode(light::ColorMode mode, uint8_t announced);
#endif

}  // namespace esphome::nats
