// The text platform's command code against tests/vectors/platforms/text.json
// (test_platform_vectors.cpp).

#include "nats_platform_text.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  TextCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  w.key("value");
  w.value(cmd.text, cmd.bytes);
  return true;
}

int entity_integer(const JsonValue &entity, const char *key, int fallback) {
  JsonIterator it(entity);
  JsonValue k, v;
  int value = fallback;
  while (it.next_member(k, v)) {
    if (k.equals(key) && v.type == JsonType::NUMBER)
      value = static_cast<int>(v.number);
  }
  return value;
}

// The firmware checks the announced lengths; apply cases that need the
// pattern evaluated are left out (cpp_vectors.py, "needs_pattern").
const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  TextCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!read_command(command, len, cmd, envelope, error))
    return error;
  static char buf[MAX_ERROR_LEN + 1];
  return cmd.refusal(entity_integer(entity, "min_length", 0), entity_integer(entity, "max_length", 255), buf,
                     sizeof(buf));
}

const PlatformAdapter TEXT{"text", read, refusal};
const RegisterAdapter registered{TEXT};

}  // namespace

}  // namespace esphome::nats::test
