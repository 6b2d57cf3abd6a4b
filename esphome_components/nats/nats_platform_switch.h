#pragma once

// A switch command in protocol v1: {"state": "ON" | "OFF"}. Pure C++, shared
// by nats_platform_switch.cpp, the unit tests and the fuzzer.

#include "nats_command.h"

namespace esphome::nats {

struct SwitchCommand final : CommandFields {
  OnOff state{OnOff::NONE};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (key.equals("state"))
      return read_on_off(value, this->state, "state must be \"ON\" or \"OFF\"", error);
    return true;
  }
  bool complete(const char *&error) const override {
    return require(this->state != OnOff::NONE, "state is required", error);
  }
};

}  // namespace esphome::nats
