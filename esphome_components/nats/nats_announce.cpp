#include "nats_entities.h"
#include "nats_entity_helpers.h"

#include <cstring>

namespace esphome::nats {

namespace {

// The integration validates these shapes; anything else is left out of the
// announcement instead of making the whole device fail validation.
bool is_device_class(const char *s) {
  size_t n = std::strlen(s);
  if (n == 0 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++) {
    if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
      return false;
  }
  return true;
}

bool is_mdi_icon(const char *s) {
  if (std::strncmp(s, "mdi:", 4) != 0)
    return false;
  size_t n = std::strlen(s + 4);
  if (n == 0 || n > 60)
    return false;
  for (size_t i = 4; s[i] != '\0'; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return true;
}

#ifdef USE_SENSOR
const char *state_class_name(sensor::StateClass sc) {
  switch (sc) {
    case sensor::STATE_CLASS_MEASUREMENT:
    case sensor::STATE_CLASS_MEASUREMENT_ANGLE:
      return "measurement";
    case sensor::STATE_CLASS_TOTAL:
      return "total";
    case sensor::STATE_CLASS_TOTAL_INCREASING:
      return "total_increasing";
    default:
      return nullptr;
  }
}
#endif

}  // namespace

void NatsEntities::write_entities(JsonWriter &w) const {
  w.begin_array();
  for (const auto &entry : this->entries_) {
    EntityBase *obj = entry.obj;
    w.begin_object();
    w.key("platform");
    w.value(platform_name(entry.platform));
    w.key("id");
    w.value(entry.id);
    w.key("name");
    const StringRef &name = obj->get_name();
    if (obj->has_own_name() && !name.empty()) {
      w.value(name.c_str(), utf8_prefix(name.c_str(), name.size(), 128));
    } else {
      w.value_null();
    }
    if (entry.kind != EntityKind::TEXT_SENSOR) {
      char dc_buf[MAX_DEVICE_CLASS_LENGTH];
      const char *dc = obj->get_device_class_to(dc_buf);
      if (is_device_class(dc)) {
        w.key("device_class");
        w.value(dc);
      }
    }
    switch (obj->get_entity_category()) {
      case ENTITY_CATEGORY_CONFIG:
        w.key("category");
        w.value("config");
        break;
      case ENTITY_CATEGORY_DIAGNOSTIC:
        w.key("category");
        w.value("diagnostic");
        break;
      default:
        break;
    }
    char icon_buf[MAX_ICON_LENGTH];
    const char *icon = obj->get_icon_to(icon_buf);
    if (is_mdi_icon(icon)) {
      w.key("icon");
      w.value(icon);
    }
    if (obj->is_disabled_by_default()) {
      w.key("enabled_by_default");
      w.value(false);
    }
    switch (entry.kind) {
#ifdef USE_SENSOR
      case EntityKind::SENSOR: {
        auto *s = static_cast<sensor::Sensor *>(obj);
        StringRef unit = s->get_unit_of_measurement_ref();
        if (!unit.empty() && unit.size() <= 32) {
          w.key("unit");
          w.value(unit.c_str(), unit.size());
        }
        const char *sc = state_class_name(s->get_state_class());
        if (sc != nullptr) {
          w.key("state_class");
          w.value(sc);
        }
        // An ESPHome sensor is always a number, with or without a unit.
        w.key("numeric");
        w.value(true);
        w.key("precision");
        w.value(precision_of(s));
        break;
      }
#endif
#ifdef USE_LIGHT
      case EntityKind::LIGHT: {
        auto *l = static_cast<light::LightState *>(obj);
        auto traits = l->get_traits();
        uint8_t modes = light_modes(traits);
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
        if (modes & MODE_COLOR_TEMP) {
          uint16_t min_k, max_k;
          if (announced_kelvin_range(traits, min_k, max_k)) {
            w.key("min_kelvin");
            w.value(static_cast<int>(min_k));
            w.key("max_kelvin");
            w.value(static_cast<int>(max_k));
          }
        }
        break;
      }
#endif
#ifdef USE_NUMBER
      case EntityKind::NUMBER: {
        auto *n = static_cast<number::Number *>(obj);
        w.key("min");
        w.value_number(n->traits.get_min_value());
        w.key("max");
        w.value_number(n->traits.get_max_value());
        w.key("step");
        w.value_number(n->traits.get_step());
        StringRef unit = n->get_unit_of_measurement_ref();
        if (!unit.empty() && unit.size() <= 32) {
          w.key("unit");
          w.value(unit.c_str(), unit.size());
        }
        w.key("mode");
        switch (n->traits.get_mode()) {
          case number::NUMBER_MODE_BOX:
            w.value("box");
            break;
          case number::NUMBER_MODE_SLIDER:
            w.value("slider");
            break;
          default:
            w.value("auto");
            break;
        }
        break;
      }
#endif
#ifdef USE_SELECT
      case EntityKind::SELECT: {
        auto *s = static_cast<select::Select *>(obj);
        w.key("options");
        w.begin_array();
        // The protocol allows 64 options of at most 64 bytes; longer ones
        // could not be selected from the controller anyway.
        size_t written = 0;
        for (size_t i = 0; i < s->size() && written < 64; i++) {
          const char *option = s->option_at(i);
          if (std::strlen(option) <= MAX_OPTION_LEN) {
            w.value(option);
            written++;
          }
        }
        w.end_array();
        break;
      }
#endif
      default:
        break;
    }
    w.end_object();
  }
  w.end_array();
}

}  // namespace esphome::nats
