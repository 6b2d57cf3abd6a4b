#include "nats_entities.h"
#include "nats_entity_helpers.h"

#include <cmath>
#include <cstring>

namespace esphome::nats {

bool NatsEntities::apply(EntityEntry &entry, const Command &cmd, const char *&error) {
  EntityBase *obj = entry.obj;
  switch (entry.kind) {
#ifdef USE_SWITCH
    case EntityKind::SWITCH: {
      auto *s = static_cast<switch_::Switch *>(obj);
      if (cmd.state == OnOff::ON) {
        s->turn_on();
      } else {
        s->turn_off();
      }
      break;
    }
#endif
#ifdef USE_LIGHT
    case EntityKind::LIGHT: {
      auto *l = static_cast<light::LightState *>(obj);
      auto traits = l->get_traits();
      uint8_t modes = light_modes(traits);
      if (cmd.has_brightness && modes == MODE_ONOFF) {
        error = "this light has no brightness";
        return false;
      }
      if (cmd.has_rgb && !(modes & MODE_RGB)) {
        error = "this light has no rgb colour";
        return false;
      }
      if (cmd.has_color_temp_kelvin && !(modes & MODE_COLOR_TEMP)) {
        error = "this light has no colour temperature";
        return false;
      }
      if (cmd.has_color_temp_kelvin) {
        // Devices enforce their announced range (docs/protocol.md, "Light ranges").
        uint16_t min_k, max_k;
        announced_kelvin_range(traits, min_k, max_k);
        if (cmd.color_temp_kelvin < min_k || cmd.color_temp_kelvin > max_k) {
          error = "colour temperature out of range";
          return false;
        }
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
      break;
    }
#endif
#ifdef USE_BUTTON
    case EntityKind::BUTTON:
      static_cast<button::Button *>(obj)->press();
      break;
#endif
#ifdef USE_NUMBER
    case EntityKind::NUMBER: {
      auto *n = static_cast<number::Number *>(obj);
      const double lo = n->traits.get_min_value();
      const double hi = n->traits.get_max_value();
      // Tolerate the rounding of a float limit printed in decimal.
      const double slack = (hi - lo) * 1e-6;
      if (!(cmd.value >= lo - slack && cmd.value <= hi + slack)) {
        error = "value out of range";
        return false;
      }
      auto call = n->make_call();
      call.set_value(static_cast<float>(cmd.value));
      call.perform();
      break;
    }
#endif
#ifdef USE_SELECT
    case EntityKind::SELECT: {
      auto *s = static_cast<select::Select *>(obj);
      if (!s->index_of(cmd.option, std::strlen(cmd.option)).has_value()) {
        error = "unknown option";
        return false;
      }
      auto call = s->make_call();
      call.set_option(cmd.option);
      call.perform();
      break;
    }
#endif
    default:
      error = "this entity takes no commands";
      return false;
  }
  // The state subject carries the result even when the entity did not change.
  entry.dirty = entry.kind != EntityKind::BUTTON;
  return true;
}

}  // namespace esphome::nats
