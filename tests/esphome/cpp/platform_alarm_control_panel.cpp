// The alarm control panel platform's command code against
// tests/vectors/platforms/alarm_control_panel.json (test_platform_vectors.cpp).

#include "nats_platform_alarm_control_panel.h"
#include "platform_adapter.h"

namespace esphome::nats::test {

namespace {

bool read(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error) {
  AlarmCommand cmd;
  if (!read_command(payload, len, cmd, envelope, error))
    return false;
  w.key("action");
  w.value(alarm_action_word(cmd.action));
  if (cmd.has_code) {
    w.key("code");
    w.value(cmd.code);
  }
  return true;
}

/// The announced actions as the firmware's set.
uint8_t announced_actions(const JsonValue &entity) {
  uint8_t actions = 0;
  JsonIterator it(entity);
  JsonValue k, v;
  while (it.next_member(k, v)) {
    if (!k.equals("actions") || v.type != JsonType::ARRAY)
      continue;
    JsonIterator items(v);
    JsonValue item;
    while (items.next_element(item)) {
      for (uint8_t i = static_cast<uint8_t>(AlarmAction::ARM_HOME); i <= static_cast<uint8_t>(AlarmAction::TRIGGER);
           i++) {
        if (item.equals(alarm_action_word(static_cast<AlarmAction>(i))))
          actions |= alarm_action_bit(static_cast<AlarmAction>(i));
      }
    }
  }
  return actions;
}

// code_arm_required defaults to true for a panel with a code_format.
const char *refusal(const JsonValue &entity, const char *command, size_t len) {
  AlarmCommand cmd;
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!read_command(command, len, cmd, envelope, error))
    return error;
  const bool has_code = entity_has(entity, "code_format");
  const bool arm_code =
      has_code && (!entity_has(entity, "code_arm_required") || entity_flag(entity, "code_arm_required"));
  static char buffer[MAX_ERROR_LEN + 1];
  return cmd.refusal(announced_actions(entity), has_code, arm_code, buffer, sizeof(buffer));
}

const PlatformAdapter ALARM_CONTROL_PANEL{"alarm_control_panel", read, refusal};
const RegisterAdapter registered{ALARM_CONTROL_PANEL};

}  // namespace

}  // namespace esphome::nats::test
