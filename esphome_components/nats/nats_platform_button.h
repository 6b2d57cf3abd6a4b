#pragma once

// A button command in protocol v1: {"action": "press"}. Pure C++, shared by
// nats_platform_button.cpp, the unit tests and the fuzzer.

#include "nats_command.h"

namespace esphome::nats {

struct ButtonCommand final : CommandFields {
  bool press{false};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (!key.equals("action"))
      return true;
    this->press = value.equals("press");
    return require(this->press, "action must be \"press\"", error);
  }
  bool complete(const char *&error) const override { return require(this->press, "action is required", error); }
};

}  // namespace esphome::nats
