// The time platform (protocol 1.6): a TimeEntity's hour, minute and second
// as HH:MM:SS; a command (nats_platform_datetime.h) applied as one TimeCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_DATETIME_TIME)

#include <cstdio>

#include "nats_platform_datetime.h"

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_times(), self); }

void describe(EntityBase *, JsonWriter &) {}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *t = static_cast<datetime::TimeEntity *>(obj);
  w.key("state");
  if (!t->has_state()) {
    w.value_null();
    return;
  }
  char text[16];
  snprintf(text, sizeof(text), "%02u:%02u:%02u", t->hour, t->minute, t->second);
  w.value(text);
}

bool command(EntityBase *obj, CommandRequest &req) {
  TimeCommand cmd;
  if (!req.read(cmd))
    return false;
  auto call = static_cast<datetime::TimeEntity *>(obj)->make_call();
  call.set_time(cmd.time.hour, cmd.time.minute, cmd.time.second);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps TIME_PLATFORM{"time", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_DATETIME_TIME
