// The select platform: its options (at most 64 of at most 64 bytes, as the
// protocol allows), commanded with {"option": ...} (nats_platform_select.h).

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_SELECT)

#include "nats_platform_select.h"

#include <cstring>

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_selects(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  auto *s = static_cast<select::Select *>(obj);
  describe_device_class(obj, w);
  w.key("options");
  w.begin_array();
  // Longer options could not be selected from the controller anyway.
  size_t written = 0;
  for (size_t i = 0; i < s->size() && written < 64; i++) {
    const char *option = s->option_at(i);
    if (std::strlen(option) <= MAX_OPTION_LEN) {
      w.value(option);
      written++;
    }
  }
  w.end_array();
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *s = static_cast<select::Select *>(obj);
  w.key("state");
  StringRef option = s->current_option();
  if (s->has_state() && !option.empty()) {
    w.value(option.c_str(), option.size());
  } else {
    w.value_null();
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  SelectCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *s = static_cast<select::Select *>(obj);
  if (!s->index_of(cmd.option, std::strlen(cmd.option)).has_value())
    return req.reject("unknown option");
  auto call = s->make_call();
  call.set_option(cmd.option);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps SELECT_PLATFORM{"select", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_SELECT
