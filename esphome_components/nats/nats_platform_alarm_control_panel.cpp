// The alarm control panel platform (protocol 1.6): the panel's supported
// features as the announced actions, a code as code_format "number" (as Home
// Assistant's ESPHome integration shows it) and whether arming needs it; its
// states as the protocol's words; commands (nats_platform_alarm_control_panel.h)
// refused for an action the panel lacks or a missing code, otherwise applied
// through an AlarmControlPanelCall with the code.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_ALARM_CONTROL_PANEL)

#include <cstdio>

#include "nats_platform_alarm_control_panel.h"

namespace esphome::nats {

namespace {

using alarm_control_panel::AlarmControlPanel;

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_alarm_control_panels(), self); }

/// ESPHome's feature bits (Home Assistant's) as the protocol's action set.
uint8_t announced_actions(const AlarmControlPanel *panel) {
  const uint32_t features = panel->get_supported_features();
  uint8_t actions = 0;
  const struct {
    uint32_t feature;
    AlarmAction action;
  } MAP[] = {
      {alarm_control_panel::ACP_FEAT_ARM_HOME, AlarmAction::ARM_HOME},
      {alarm_control_panel::ACP_FEAT_ARM_AWAY, AlarmAction::ARM_AWAY},
      {alarm_control_panel::ACP_FEAT_ARM_NIGHT, AlarmAction::ARM_NIGHT},
      {alarm_control_panel::ACP_FEAT_ARM_VACATION, AlarmAction::ARM_VACATION},
      {alarm_control_panel::ACP_FEAT_ARM_CUSTOM_BYPASS, AlarmAction::ARM_CUSTOM_BYPASS},
      {alarm_control_panel::ACP_FEAT_TRIGGER, AlarmAction::TRIGGER},
  };
  for (const auto &entry : MAP) {
    if (features & entry.feature)
      actions |= alarm_action_bit(entry.action);
  }
  return actions;
}

bool code_arm_required(const AlarmControlPanel *panel) {
  return panel->get_requires_code() && panel->get_requires_code_to_arm();
}

void describe(EntityBase *obj, JsonWriter &w) {
  auto *panel = static_cast<AlarmControlPanel *>(obj);
  const uint8_t actions = announced_actions(panel);
  if (actions != 0) {  // the protocol's lists are never empty: absent means disarm only
    w.key("actions");
    w.begin_array();
    for (auto i = static_cast<uint8_t>(AlarmAction::ARM_HOME); i <= static_cast<uint8_t>(AlarmAction::TRIGGER); i++) {
      if (actions & alarm_action_bit(static_cast<AlarmAction>(i)))
        w.value(alarm_action_word(static_cast<AlarmAction>(i)));
    }
    w.end_array();
  }
  if (panel->get_requires_code()) {
    w.key("code_format");
    w.value("number");
    describe_flag(w, "code_arm_required", code_arm_required(panel));
  }
}

const char *state_word(alarm_control_panel::AlarmControlPanelState state) {
  static const char *const WORDS[] = {"disarmed",       "armed_home",          "armed_away", "armed_night",
                                      "armed_vacation", "armed_custom_bypass", "pending",    "arming",
                                      "disarming",      "triggered"};
  return state < sizeof(WORDS) / sizeof(WORDS[0]) ? WORDS[state] : nullptr;
}

void write_state(EntityBase *obj, JsonWriter &w) {
  const char *word = state_word(static_cast<AlarmControlPanel *>(obj)->get_state());
  w.key("state");
  if (word == nullptr) {
    w.value_null();
  } else {
    w.value(word);
  }
}

/// The state each action leads to (or starts towards: arming, pending).
alarm_control_panel::AlarmControlPanelState target(AlarmAction action) {
  switch (action) {
    case AlarmAction::ARM_HOME:
      return alarm_control_panel::ACP_STATE_ARMED_HOME;
    case AlarmAction::ARM_AWAY:
      return alarm_control_panel::ACP_STATE_ARMED_AWAY;
    case AlarmAction::ARM_NIGHT:
      return alarm_control_panel::ACP_STATE_ARMED_NIGHT;
    case AlarmAction::ARM_VACATION:
      return alarm_control_panel::ACP_STATE_ARMED_VACATION;
    case AlarmAction::ARM_CUSTOM_BYPASS:
      return alarm_control_panel::ACP_STATE_ARMED_CUSTOM_BYPASS;
    case AlarmAction::TRIGGER:
      return alarm_control_panel::ACP_STATE_TRIGGERED;
    default:
      return alarm_control_panel::ACP_STATE_DISARMED;
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  AlarmCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *panel = static_cast<AlarmControlPanel *>(obj);
  const char *refusal = cmd.refusal(announced_actions(panel), panel->get_requires_code(), code_arm_required(panel),
                                    req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE);
  if (refusal != nullptr)
    return req.reject(refusal);
  const auto before = panel->get_state();
  auto call = panel->make_call();
  switch (cmd.action) {
    case AlarmAction::ARM_HOME:
      call.arm_home();
      break;
    case AlarmAction::ARM_AWAY:
      call.arm_away();
      break;
    case AlarmAction::ARM_NIGHT:
      call.arm_night();
      break;
    case AlarmAction::ARM_VACATION:
      call.arm_vacation();
      break;
    case AlarmAction::ARM_CUSTOM_BYPASS:
      call.arm_custom_bypass();
      break;
    case AlarmAction::TRIGGER:
      call.triggered();
      break;
    default:
      call.disarm();
      break;
  }
  if (cmd.has_code)
    call.set_code(cmd.code);
  call.perform();
  // ESPHome's panels refuse a wrong code, or arming while armed, by logging
  // and leaving the state alone; its panels (the template one) change state
  // within the call. A call that changed nothing, not already in the state
  // asked for, was refused: say so instead of confirming it.
  const auto after = panel->get_state();
  if (after == before && after != target(cmd.action)) {
    const char *word = state_word(after);
    std::snprintf(req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE,
                  "refused by the panel: wrong code, or not possible while %s", word != nullptr ? word : "unknown");
    return req.reject(req.error_buffer());
  }
  return true;
}

}  // namespace

extern const PlatformOps ALARM_CONTROL_PANEL_PLATFORM{"alarm_control_panel", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_ALARM_CONTROL_PANEL
