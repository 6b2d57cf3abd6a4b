#include "nats_entities.h"
#include "nats_entity_helpers.h"

#include <cmath>

namespace esphome::nats {

void NatsEntities::write_state(const EntityEntry &entry, JsonWriter &w) const {
  EntityBase *obj = entry.obj;
  w.begin_object();
  w.key("state");
  switch (entry.kind) {
#ifdef USE_SENSOR
    case EntityKind::SENSOR: {
      auto *s = static_cast<sensor::Sensor *>(obj);
      if (!s->has_state() || std::isnan(s->state)) {
        w.value_null();
      } else {
        w.value_number(s->state, precision_of(s));
      }
      break;
    }
#endif
#ifdef USE_TEXT_SENSOR
    case EntityKind::TEXT_SENSOR: {
      auto *s = static_cast<text_sensor::TextSensor *>(obj);
      if (!s->has_state()) {
        w.value_null();
      } else {
        const std::string &text = s->get_state();
        w.value(text.data(), utf8_prefix(text.data(), text.size(), MAX_TEXT_STATE_LEN));
      }
      break;
    }
#endif
#ifdef USE_BINARY_SENSOR
    case EntityKind::BINARY_SENSOR: {
      auto *s = static_cast<binary_sensor::BinarySensor *>(obj);
      if (s->has_state()) {
        w.value(s->state ? "ON" : "OFF");
      } else {
        w.value_null();
      }
      break;
    }
#endif
#ifdef USE_SWITCH
    case EntityKind::SWITCH:
      w.value(static_cast<switch_::Switch *>(obj)->state ? "ON" : "OFF");
      break;
#endif
#ifdef USE_LIGHT
    case EntityKind::LIGHT: {
      auto *l = static_cast<light::LightState *>(obj);
      const auto &values = l->get_reported_values();
      auto traits = l->get_traits();
      uint8_t modes = light_modes(traits);
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
      break;
    }
#endif
#ifdef USE_NUMBER
    case EntityKind::NUMBER: {
      auto *n = static_cast<number::Number *>(obj);
      if (n->has_state()) {
        w.value_number(n->state);
      } else {
        w.value_null();
      }
      break;
    }
#endif
#ifdef USE_SELECT
    case EntityKind::SELECT: {
      auto *s = static_cast<select::Select *>(obj);
      StringRef option = s->current_option();
      if (s->has_state() && !option.empty()) {
        w.value(option.c_str(), option.size());
      } else {
        w.value_null();
      }
      break;
    }
#endif
    default:
      w.value_null();
      break;
  }
  w.end_object();
}

}  // namespace esphome::nats
