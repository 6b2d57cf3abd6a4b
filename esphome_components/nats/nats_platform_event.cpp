// The event platform: an ESPHome event entity announced with its event
// types and device class. It has no state, and every command is refused
// with the spec's text. The events themselves are messages, not states:
// the client queues each one as it fires and publishes it on the entity's
// event subject (nats_device.cpp, nats_platform_event.h).

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_EVENT)

#include "nats_platform_event.h"

#include "esphome/core/log.h"

#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

namespace {

bool announces_type(event::Event *e, const char *type) {
  const auto &types = e->get_event_types();
  for (size_t i = 0; i < types.size(); i++) {
    if (std::strcmp(types[i], type) == 0)
      return is_announced_event_type(types, i);
  }
  return false;
}

/// The device class, when the protocol has it for events; a doorbell
/// without "ring" would make the whole announcement invalid.
const char *device_class(event::Event *e, char (&buf)[MAX_DEVICE_CLASS_LENGTH]) {
  const char *dc = e->get_device_class_to(buf);
  if (std::strcmp(dc, "doorbell") == 0)
    return announces_type(e, "ring") ? dc : nullptr;
  return std::strcmp(dc, "button") == 0 || std::strcmp(dc, "motion") == 0 ? dc : nullptr;
}

void collect(EntityTable &table, const PlatformOps &self) {
  for (auto *e : App.get_events()) {
    if (e->is_internal())
      continue;
    // event_types is required and may not be empty.
    if (!is_announced_event_type(e->get_event_types(), 0)) {
      ESP_LOGW(TAG, "Event '%s' has no event type of 1 to 64 bytes: not announced", e->get_name().c_str());
      continue;
    }
    char buf[MAX_DEVICE_CLASS_LENGTH];
    if (e->get_device_class_to(buf)[0] != '\0' && device_class(e, buf) == nullptr) {
      ESP_LOGW(TAG, "Event '%s': device class '%s' left out (events know button, motion, and doorbell with 'ring')",
               e->get_name().c_str(), e->get_device_class_to(buf));
    }
    table.add(e, self);
  }
}

void describe(EntityBase *obj, JsonWriter &w) {
  auto *e = static_cast<event::Event *>(obj);
  char buf[MAX_DEVICE_CLASS_LENGTH];
  const char *dc = device_class(e, buf);
  if (dc != nullptr) {
    w.key("device_class");
    w.value(dc);
  }
  w.key("event_types");
  w.begin_array();
  ModeList types;
  for (const char *type : e->get_event_types()) {
    if (types.add(type))
      w.value(type);
  }
  w.end_array();
}

bool command(EntityBase *, CommandRequest &req) { return req.reject(EVENT_COMMAND_ERROR); }

}  // namespace

extern const PlatformOps EVENT_PLATFORM{"event", collect, describe, nullptr, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_EVENT
