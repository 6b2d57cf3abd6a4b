#pragma once

// An alarm control panel command (protocol 1.6, docs/protocol.md "Alarm
// control panel"): {"action": "disarm"|"arm_home"|...|"trigger", "code":
// "..."}, the code optional in form; the capability rules (an announced
// action, a required code) in refusal(). Pure C++, shared with the unit
// tests and the fuzzer.

#include <cstdio>

#include "nats_command.h"

namespace esphome::nats {

/// The longest code a command may carry.
static constexpr size_t MAX_ALARM_CODE_LEN = 64;

/// The protocol's actions, in its order; NONE until read.
enum class AlarmAction : uint8_t {
  NONE,
  DISARM,
  ARM_HOME,
  ARM_AWAY,
  ARM_NIGHT,
  ARM_VACATION,
  ARM_CUSTOM_BYPASS,
  TRIGGER,
};

/// The protocol's word for each AlarmAction (index NONE: nullptr).
inline const char *alarm_action_word(AlarmAction action) {
  static const char *const WORDS[] = {nullptr,     "disarm",       "arm_home",          "arm_away",
                                      "arm_night", "arm_vacation", "arm_custom_bypass", "trigger"};
  return WORDS[static_cast<uint8_t>(action)];
}

/// The bit of an action in an announced set (actions besides disarm).
constexpr uint8_t alarm_action_bit(AlarmAction action) {
  return static_cast<uint8_t>(1U << static_cast<uint8_t>(action));
}

struct AlarmCommand final : CommandFields {
  AlarmAction action{AlarmAction::NONE};
  bool has_code{false};
  char code[MAX_ALARM_CODE_LEN + 1]{};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("action")) {
      for (uint8_t i = static_cast<uint8_t>(AlarmAction::DISARM); i <= static_cast<uint8_t>(AlarmAction::TRIGGER);
           i++) {
        if (value.equals(alarm_action_word(static_cast<AlarmAction>(i)))) {
          this->action = static_cast<AlarmAction>(i);
          return true;
        }
      }
      return require(false, "invalid action: must be disarm, arm_home, arm_away, arm_night, arm_vacation, "
                            "arm_custom_bypass or trigger", error);
    }
    if (key.equals("code")) {
      this->has_code = read_text(value, this->code, sizeof(this->code),
                                 "invalid code: must be a string of 1 to 64 characters", error);
      return this->has_code;
    }
    return true;
  }
  bool complete(const char *&error) const override {
    return require(this->action != AlarmAction::NONE, "action is required", error);
  }

  bool arms() const {
    return this->action >= AlarmAction::ARM_HOME && this->action <= AlarmAction::ARM_CUSTOM_BYPASS;
  }

  /// Why a panel with these capabilities refuses the command (the spec's
  /// text, the action checked before the code), or nullptr when it carries
  /// it out. actions: the announced set (alarm_action_bit); error_buffer
  /// holds the "<action> not supported" text.
  const char *refusal(uint8_t actions, bool has_code_format, bool code_arm_required, char *error_buffer,
                      size_t size) const {
    if (this->action != AlarmAction::DISARM && (actions & alarm_action_bit(this->action)) == 0) {
      std::snprintf(error_buffer, size, "%s not supported", alarm_action_word(this->action));
      return error_buffer;
    }
    if (!this->has_code && ((this->action == AlarmAction::DISARM && has_code_format) ||
                            (this->arms() && code_arm_required)))
      return "code required";
    return nullptr;
  }
};

}  // namespace esphome::nats
