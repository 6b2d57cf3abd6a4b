// The sensor platform: a number with unit, state class and precision.
// ESPHome sensors are always numeric, with or without a unit.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_SENSOR)

#include <cmath>

namespace esphome::nats {

namespace {

int precision_of(sensor::Sensor *s) {
  int d = s->get_accuracy_decimals();
  return d < 0 ? 0 : (d > 10 ? 10 : d);
}

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

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_sensors(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  auto *s = static_cast<sensor::Sensor *>(obj);
  describe_device_class(obj, w);
  describe_unit(s->get_unit_of_measurement_ref(), w);
  const char *sc = state_class_name(s->get_state_class());
  if (sc != nullptr) {
    w.key("state_class");
    w.value(sc);
  }
  w.key("numeric");
  w.value(true);
  w.key("precision");
  w.value(precision_of(s));
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *s = static_cast<sensor::Sensor *>(obj);
  w.key("state");
  if (!s->has_state() || std::isnan(s->state)) {
    w.value_null();
  } else {
    w.value_number(s->state, precision_of(s));
  }
}

}  // namespace

extern const PlatformOps SENSOR_PLATFORM{"sensor", collect, describe, write_state, nullptr};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_SENSOR
