#pragma once

// A lock command (protocol 1.4, docs/protocol.md "Lock"): {"action":
// "lock"|"unlock"|"open", "code": "..."}, the code optional in form; the
// capability rules (open, a required code) in refusal(). Pure C++, shared
// with the unit tests and the fuzzer.

#include "nats_command.h"

namespace esphome::nats {

/// The longest code a command may carry.
static constexpr size_t MAX_CODE_LEN = 64;

enum class LockAction : uint8_t { NONE, LOCK, UNLOCK, OPEN };

struct LockCommand final : CommandFields {
  LockAction action{LockAction::NONE};
  bool has_code{false};
  char code[MAX_CODE_LEN + 1]{};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("action")) {
      if (value.equals("lock")) {
        this->action = LockAction::LOCK;
      } else if (value.equals("unlock")) {
        this->action = LockAction::UNLOCK;
      } else if (value.equals("open")) {
        this->action = LockAction::OPEN;
      } else {
        return require(false, "invalid action: must be \"lock\", \"unlock\" or \"open\"", error);
      }
    } else if (key.equals("code")) {
      this->has_code = read_text(value, this->code, sizeof(this->code),
                                 "invalid code: must be a string of 1 to 64 characters", error);
      return this->has_code;
    }
    return true;
  }
  bool complete(const char *&error) const override {
    return require(this->action != LockAction::NONE, "action is required", error);
  }

  /// Why a lock with these capabilities refuses the command (the spec's
  /// text, open checked before the code), or nullptr when it carries it out.
  const char *refusal(bool supports_open, bool requires_code) const {
    if (this->action == LockAction::OPEN && !supports_open)
      return "open not supported (supports_open is false)";
    if (requires_code && !this->has_code)
      return "code required";
    return nullptr;
  }
};

}  // namespace esphome::nats
