// The valve platform's command code against tests/vectors/platforms/valve.json
// (test_platform_vectors.cpp).

#include "nats_platform_valve.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  ValveCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  static const char *const ACTIONS[] = {nullptr, "open", "close", "stop"};
  if (cmd.action != MoveAction::NONE) {
    w.key("action");
    w.value(ACTIONS[static_cast<int>(cmd.action)]);
  }
  if (cmd.has_position) {
    w.key("position");
    w.value(static_cast<int>(cmd.position));
  }
  return true;
}

const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  ValveCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!read_command(command, len, cmd, envelope, error))
    return error;
  return cmd.refusal(entity_flag(entity, "supports_position"), entity_flag(entity, "supports_stop"));
}

const PlatformAdapter VALVE{"valve", read, refusal};
const RegisterAdapter registered{VALVE};

}  // namespace

}  // namespace esphome::nats::test
