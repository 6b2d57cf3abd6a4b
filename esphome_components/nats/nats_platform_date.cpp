// The date platform (protocol 1.6): a DateEntity's year, month and day as
// YYYY-MM-DD; a command (nats_platform_datetime.h) outside ESPHome's years
// 1970..3000 is refused, otherwise applied as one DateCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_DATETIME_DATE)

#include <cstdio>

#include "nats_platform_datetime.h"

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_dates(), self); }

void describe(EntityBase *, JsonWriter &) {}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *d = static_cast<datetime::DateEntity *>(obj);
  w.key("state");
  if (!d->has_state()) {
    w.value_null();
    return;
  }
  char text[16];
  snprintf(text, sizeof(text), "%04u-%02u-%02u", d->year, d->month, d->day);
  w.value(text);
}

bool command(EntityBase *obj, CommandRequest &req) {
  DateCommand cmd;
  if (!req.read(cmd))
    return false;
  const char *refusal = year_refusal(cmd.date.year, req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE);
  if (refusal != nullptr)
    return req.reject(refusal);
  auto call = static_cast<datetime::DateEntity *>(obj)->make_call();
  call.set_date(cmd.date.year, cmd.date.month, cmd.date.day);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps DATE_PLATFORM{"date", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_DATETIME_DATE
