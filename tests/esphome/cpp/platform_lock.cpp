// The lock platform's command code against tests/vectors/platforms/lock.json
// (test_platform_vectors.cpp).

#include "nats_platform_lock.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  LockCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  static const char *const ACTIONS[] = {nullptr, "lock", "unlock", "open"};
  w.key("action");
  w.value(ACTIONS[static_cast<int>(cmd.action)]);
  if (cmd.has_code) {
    w.key("code");
    w.value(cmd.code);
  }
  return true;
}

// A lock that announces a code_format requires a code (ESPHome's
// requires_code); the device does not read the format.
const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  LockCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!read_command(command, len, cmd, envelope, error))
    return error;
  return cmd.refusal(entity_flag(entity, "supports_open"), entity_has(entity, "code_format"));
}

const PlatformAdapter LOCK{"lock", read, refusal};
const RegisterAdapter registered{LOCK};

}  // namespace

}  // namespace esphome::nats::test
