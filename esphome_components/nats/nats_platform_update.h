#pragma once

// An update command (protocol 1.6, docs/protocol.md "Update"): {"action":
// "install"}; refused by an entity that does not announce supports_install.
// Pure C++, shared with the unit tests and the fuzzer.

#include "nats_command.h"

namespace esphome::nats {

struct UpdateCommand final : CommandFields {
  bool install{false};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("action"))
      return this->install = require(value.equals("install"), "invalid action: must be \"install\"", error);
    return true;
  }
  bool complete(const char *&error) const override { return require(this->install, "action is required", error); }

  /// Why an entity refuses the command (the spec's text), or nullptr.
  static const char *refusal(bool supports_install) {
    return supports_install ? nullptr : "install not supported";
  }
};

}  // namespace esphome::nats
