// The button platform: no state, pressed with {"action": "press"}
// (nats_platform_button.h).

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_BUTTON)

#include "nats_platform_button.h"

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_buttons(), self); }

bool command(EntityBase *obj, CommandRequest &req) {
  ButtonCommand cmd;
  if (!req.read(cmd))
    return false;
  static_cast<button::Button *>(obj)->press();
  return true;
}

}  // namespace

extern const PlatformOps BUTTON_PLATFORM{"button", collect, describe_device_class, nullptr, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_BUTTON
