// The number platform: min, max, step, unit and mode; commanded with
// {"value": ...} (nats_platform_number.h), refused outside min..max.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_NUMBER)

#include "nats_platform_number.h"

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_numbers(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  auto *n = static_cast<number::Number *>(obj);
  describe_device_class(obj, w);
  w.key("min");
  w.value_number(n->traits.get_min_value());
  w.key("max");
  w.value_number(n->traits.get_max_value());
  w.key("step");
  w.value_number(n->traits.get_step());
  describe_unit(n->get_unit_of_measurement_ref(), w);
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
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *n = static_cast<number::Number *>(obj);
  w.key("state");
  if (n->has_state()) {
    w.value_number(n->state);
  } else {
    w.value_null();
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  NumberCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *n = static_cast<number::Number *>(obj);
  const double lo = n->traits.get_min_value();
  const double hi = n->traits.get_max_value();
  // Tolerate the rounding of a float limit printed in decimal.
  const double slack = (hi - lo) * 1e-6;
  if (!(cmd.value >= lo - slack && cmd.value <= hi + slack))
    return req.reject("value out of range");
  auto call = n->make_call();
  call.set_value(static_cast<float>(cmd.value));
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps NUMBER_PLATFORM{"number", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_NUMBER
