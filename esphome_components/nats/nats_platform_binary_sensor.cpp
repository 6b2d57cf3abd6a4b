// The binary_sensor platform: "ON", "OFF" or null, with a device class.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_BINARY_SENSOR)

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_binary_sensors(), self); }

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *s = static_cast<binary_sensor::BinarySensor *>(obj);
  w.key("state");
  if (s->has_state()) {
    w.value(s->state ? "ON" : "OFF");
  } else {
    w.value_null();
  }
}

}  // namespace

extern const PlatformOps BINARY_SENSOR_PLATFORM{"binary_sensor", collect, describe_device_class, write_state,
                                                nullptr};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_BINARY_SENSOR
