// The switch platform: "ON"/"OFF", commanded with {"state": ...}
// (nats_platform_switch.h).

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_SWITCH)

#include "nats_platform_switch.h"

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_switches(), self); }

void write_state(EntityBase *obj, JsonWriter &w) {
  w.key("state");
  w.value(static_cast<switch_::Switch *>(obj)->state ? "ON" : "OFF");
}

bool command(EntityBase *obj, CommandRequest &req) {
  SwitchCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *s = static_cast<switch_::Switch *>(obj);
  if (cmd.state == OnOff::ON) {
    s->turn_on();
  } else {
    s->turn_off();
  }
  return true;
}

}  // namespace

extern const PlatformOps SWITCH_PLATFORM{"switch", collect, describe_device_class, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_SWITCH
