// The update platform's command code against tests/vectors/platforms/update.json
// (test_platform_vectors.cpp).

#include "nats_platform_update.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  UpdateCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  w.key("action");
  w.value("install");
  return true;
}

const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  UpdateCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!read_command(command, len, cmd, envelope, error))
    return error;
  return UpdateCommand::refusal(entity_flag(entity, "supports_install"));
}

const PlatformAdapter UPDATE{"update", read, refusal};
const RegisterAdapter registered{UPDATE};

}  // namespace

}  // namespace esphome::nats::test
