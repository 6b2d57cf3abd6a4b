// The datetime platform (protocol 1.6). ESPHome's DateTimeEntity holds
// local fields; as its native API does, the firmware turns them into epoch
// seconds in the device's time zone (the `time` component's, UTC without
// one) and publishes that moment in UTC (`…Z`). A command's moment
// (nats_platform_datetime.h) becomes local fields the same way; one whose
// local year is outside ESPHome's 1970..3000 is refused.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_DATETIME_DATETIME)

#include <cstdio>

#include "nats_platform_datetime.h"

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_datetimes(), self); }

void describe(EntityBase *, JsonWriter &) {}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *d = static_cast<datetime::DateTimeEntity *>(obj);
  w.key("state");
  const time_t epoch = d->has_state() ? d->state_as_esptime().timestamp : -1;
  const ESPTime utc = epoch < 0 ? ESPTime{} : ESPTime::from_epoch_utc(epoch);
  if (!utc.fields_in_range(false, false)) {
    w.value_null();
    return;
  }
  char text[32];
  snprintf(text, sizeof(text), "%04u-%02u-%02uT%02u:%02u:%02uZ", utc.year, utc.month, utc.day_of_month, utc.hour,
           utc.minute, utc.second);
  w.value(text);
}

bool command(EntityBase *obj, CommandRequest &req) {
  DateTimeCommand cmd;
  if (!req.read(cmd))
    return false;
  const time_t epoch = static_cast<time_t>(cmd.epoch_seconds());
  // Before 1970-01-01T00:00:00Z there are no epoch seconds to hand over.
  const int year = epoch < 0 ? ESPHOME_MIN_YEAR - 1 : ESPTime::from_epoch_local(epoch).year;
  const char *refusal = year_refusal(year, req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE);
  if (refusal != nullptr)
    return req.reject(refusal);
  auto call = static_cast<datetime::DateTimeEntity *>(obj)->make_call();
  call.set_datetime(epoch);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps DATETIME_PLATFORM{"datetime", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_DATETIME_DATETIME
