#pragma once

// A valve command (protocol 1.4, docs/protocol.md "Valve"): {"action":
// "open"|"close"|"stop"} or {"position": 0..100}, never both; the action, the
// percent and the state word are the cover's (nats_platform_cover.h). Pure
// C++, shared with the unit tests and the fuzzer.

#include "nats_platform_cover.h"

namespace esphome::nats {

struct ValveCommand final : CommandFields {
  MoveAction action{MoveAction::NONE};
  bool has_position{false};
  uint8_t position{0};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("action"))
      return read_move_action(value, this->action, error);
    if (key.equals("position"))
      return this->has_position =
                 read_percent(value, this->position, "invalid position: must be an integer from 0 to 100", error);
    return true;
  }
  bool complete(const char *&error) const override {
    if (this->action == MoveAction::NONE)
      return require(this->has_position, "action or position is required", error);
    return require(!this->has_position, "action cannot go with position", error);
  }

  /// Why a valve with these capabilities refuses the command (the spec's
  /// text), or nullptr when it carries it out.
  const char *refusal(bool supports_position, bool supports_stop) const {
    if (this->has_position && !supports_position)
      return "position not supported";
    if (this->action == MoveAction::STOP && !supports_stop)
      return "stop not supported";
    return nullptr;
  }
};

}  // namespace esphome::nats
