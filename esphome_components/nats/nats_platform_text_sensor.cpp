// Text sensors are protocol sensors without unit: their state is text
// (at most 255 bytes). No device class: the protocol gives "timestamp" and
// "date" formats an ESPHome text sensor does not promise to keep.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_TEXT_SENSOR)

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_text_sensors(), self); }

void describe(EntityBase *, JsonWriter &) {}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *s = static_cast<text_sensor::TextSensor *>(obj);
  w.key("state");
  if (!s->has_state()) {
    w.value_null();
    return;
  }
  const std::string &text = s->get_state();
  w.value(text.data(), utf8_prefix(text.data(), text.size(), MAX_TEXT_STATE_LEN));
}

}  // namespace

extern const PlatformOps TEXT_SENSOR_PLATFORM{"sensor", collect, describe, write_state, nullptr};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_TEXT_SENSOR
