#include "nats_entities.h"

#include "esphome/core/application.h"
#include "esphome/core/log.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

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

// Bytes of s that fit in max without cutting a UTF-8 sequence.
size_t utf8_prefix(const char *s, size_t len, size_t max) {
  if (len <= max)
    return len;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    n--;
  return n;
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

int precision_of(sensor::Sensor *s) {
  int d = s->get_accuracy_decimals();
  return d < 0 ? 0 : (d > 10 ? 10 : d);
}

#endif

#ifdef USE_LIGHT
enum LightModes : uint8_t { MODE_ONOFF = 1, MODE_BRIGHTNESS = 2, MODE_COLOR_TEMP = 4, MODE_RGB = 8 };

bool has_cap(light::LightTraits &traits, light::ColorCapability cap) { return traits.supports_color_capability(cap); }

bool has_ct(light::LightTraits &traits) {
  return has_cap(traits, light::ColorCapability::COLOR_TEMPERATURE) ||
         has_cap(traits, light::ColorCapability::COLD_WARM_WHITE);
}

// The protocol's modes are Home Assistant's: rgb and color_temp each include
// brightness; brightness and onoff stand alone.
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

}  // namespace

void NatsEntities::add_(EntityBase *obj, EntityKind kind, Platform platform) {
  if (obj->is_internal())
    return;
  EntityEntry entry{obj, kind, platform, false, {}};
  char object_id[OBJECT_ID_MAX_LEN];
  size_t len = obj->write_object_id_to(object_id, sizeof(object_id));
  size_t base = sanitize_token(object_id, len, entry.id, sizeof(entry.id));
  // Ids must be unique across platforms (a sensor and a number may share a
  // name): later ones get _2, _3, ... in a stable order.
  for (unsigned suffix = 2;; suffix++) {
    bool taken = false;
    for (auto &other : this->entries_) {
      if (std::strcmp(other.id, entry.id) == 0) {
        taken = true;
        break;
      }
    }
    if (!taken)
      break;
    char tail[12];
    int n = std::snprintf(tail, sizeof(tail), "_%u", suffix);
    size_t keep = base + n > MAX_TOKEN_LEN ? MAX_TOKEN_LEN - n : base;
    std::memcpy(entry.id + keep, tail, n + 1);
  }
  this->entries_.push_back(entry);
}

void NatsEntities::collect() {
  size_t count = 0;
#define NATS_COUNT_(plural) count += App.get_##plural().size();
#ifdef USE_SENSOR
  NATS_COUNT_(sensors)
#endif
#ifdef USE_TEXT_SENSOR
  NATS_COUNT_(text_sensors)
#endif
#ifdef USE_BINARY_SENSOR
  NATS_COUNT_(binary_sensors)
#endif
#ifdef USE_SWITCH
  NATS_COUNT_(switches)
#endif
#ifdef USE_LIGHT
  NATS_COUNT_(lights)
#endif
#ifdef USE_BUTTON
  NATS_COUNT_(buttons)
#endif
#ifdef USE_NUMBER
  NATS_COUNT_(numbers)
#endif
#ifdef USE_SELECT
  NATS_COUNT_(selects)
#endif
#undef NATS_COUNT_
  this->entries_.reserve(count);
#ifdef USE_SENSOR
  for (auto *obj : App.get_sensors())
    this->add_(obj, EntityKind::SENSOR, Platform::SENSOR);
#endif
#ifdef USE_TEXT_SENSOR
  for (auto *obj : App.get_text_sensors())
    this->add_(obj, EntityKind::TEXT_SENSOR, Platform::SENSOR);
#endif
#ifdef USE_BINARY_SENSOR
  for (auto *obj : App.get_binary_sensors())
    this->add_(obj, EntityKind::BINARY_SENSOR, Platform::BINARY_SENSOR);
#endif
#ifdef USE_SWITCH
  for (auto *obj : App.get_switches())
    this->add_(obj, EntityKind::SWITCH, Platform::SWITCH);
#endif
#ifdef USE_LIGHT
  for (auto *obj : App.get_lights())
    this->add_(obj, EntityKind::LIGHT, Platform::LIGHT);
#endif
#ifdef USE_BUTTON
  for (auto *obj : App.get_buttons())
    this->add_(obj, EntityKind::BUTTON, Platform::BUTTON);
#endif
#ifdef USE_NUMBER
  for (auto *obj : App.get_numbers())
    this->add_(obj, EntityKind::NUMBER, Platform::NUMBER);
#endif
#ifdef USE_SELECT
  for (auto *obj : App.get_selects())
    this->add_(obj, EntityKind::SELECT, Platform::SELECT);
#endif
  if (this->entries_.size() > 256) {
    ESP_LOGW(TAG, "%u entities; the protocol allows 256, the rest are not announced",
             static_cast<unsigned>(this->entries_.size()));
    this->entries_.resize(256);
  }
}

EntityEntry *NatsEntities::find(Platform platform, const char *id, size_t len) {
  for (auto &entry : this->entries_) {
    if (entry.platform == platform && std::strlen(entry.id) == len && std::memcmp(entry.id, id, len) == 0)
      return &entry;
  }
  return nullptr;
}

void NatsEntities::mark_dirty(const EntityBase *obj) {
  for (auto &entry : this->entries_) {
    if (entry.obj == obj) {
      entry.dirty = entry.kind != EntityKind::BUTTON;
      return;
    }
  }
}

void NatsEntities::mark_all_dirty() {
  for (auto &entry : this->entries_)
    entry.dirty = entry.kind != EntityKind::BUTTON;
}

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
          uint16_t min_k = mireds_to_kelvin(traits.get_max_mireds());
          uint16_t max_k = mireds_to_kelvin(traits.get_min_mireds());
          if (min_k < max_k) {
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
