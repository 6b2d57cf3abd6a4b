// The date, time and datetime platforms' command code against
// tests/vectors/platforms/{date,time,datetime}.json (test_platform_vectors.cpp).
// The spec's ideal device takes every valid value; ESPHome's year range is
// the firmware's own refusal (checked in test_protocol.cpp's calendar tests).

#include "nats_platform_datetime.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

template<typename Command>
bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  Command cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  w.key("value");
  w.value(cmd.text, cmd.len);
  return true;
}

template<typename Command> const char *refusal(const JsonValue &, const char *command, size_t len) {
  Command cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!read_command(command, len, cmd, envelope, error))
    return error;
  return nullptr;
}

const PlatformAdapter DATE{"date", read<DateCommand>, refusal<DateCommand>};
const PlatformAdapter TIME{"time", read<TimeCommand>, refusal<TimeCommand>};
const PlatformAdapter DATETIME{"datetime", read<DateTimeCommand>, refusal<DateTimeCommand>};
const RegisterAdapter registered_date{DATE};
const RegisterAdapter registered_time{TIME};
const RegisterAdapter registered_datetime{DATETIME};

}  // namespace

}  // namespace esphome::nats::test
