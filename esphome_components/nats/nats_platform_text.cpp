// The text platform (protocol 1.6): TextTraits as min_length, max_length,
// pattern and mode; commands (nats_platform_text.h) refused outside the
// announced lengths, otherwise applied as one TextCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_TEXT)

#include <algorithm>

#include "nats_platform_text.h"

namespace esphome::nats {

namespace {

struct Lengths {
  int min;
  int max;
};

/// ESPHome's lengths within the protocol's (min 0..255, max 1..255, min <= max).
Lengths lengths(const text::Text *t) {
  const int max = std::min(std::max(t->traits.get_max_length(), 1), static_cast<int>(MAX_TEXT_CHARS));
  const int min = std::min(std::max(t->traits.get_min_length(), 0), max);
  return {min, max};
}

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_texts(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  auto *t = static_cast<text::Text *>(obj);
  const Lengths limits = lengths(t);
  w.key("min_length");
  w.value(limits.min);
  w.key("max_length");
  w.value(limits.max);
  // A pattern beyond the protocol's 255 bytes would make the announcement
  // invalid: left out, the controller then checks lengths only.
  const StringRef pattern = t->traits.get_pattern_ref();
  if (!pattern.empty() && pattern.size() <= MAX_TEXT_STATE_LEN) {
    w.key("pattern");
    w.value(pattern.c_str(), pattern.size());
  }
  w.key("mode");
  w.value(t->traits.get_mode() == text::TEXT_MODE_PASSWORD ? "password" : "text");
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *t = static_cast<text::Text *>(obj);
  w.key("state");
  const Lengths limits = lengths(t);
  const int chars = static_cast<int>(utf8_length(t->state.data(), t->state.size()));
  // A text the entity could not take (an initial value shorter than
  // min_length) would be dropped by the controller: it is unknown instead.
  if (!t->has_state() || chars < limits.min || chars > limits.max) {
    w.value_null();
    return;
  }
  w.value(t->state.data(), t->state.size());
}

bool command(EntityBase *obj, CommandRequest &req) {
  TextCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *t = static_cast<text::Text *>(obj);
  const Lengths limits = lengths(t);
  const char *refusal = cmd.refusal(limits.min, limits.max, req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE);
  if (refusal != nullptr)
    return req.reject(refusal);
  // ESPHome counts bytes where the protocol counts characters: a value it
  // would drop silently is refused here, saying why.
  if (static_cast<int>(cmd.bytes) > t->traits.get_max_length()) {
    snprintf(req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE, "value of %u bytes longer than the device's %d",
             static_cast<unsigned>(cmd.bytes), t->traits.get_max_length());
    return req.reject(req.error_buffer());
  }
  auto call = t->make_call();
  call.set_value(cmd.text, cmd.bytes);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps TEXT_PLATFORM{"text", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_TEXT
