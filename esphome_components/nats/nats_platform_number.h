#pragma once

// A number command in protocol v1: {"value": 21.5}. The range check needs
// the entity's limits, so nats_platform_number.cpp makes it. Pure C++,
// shared with the unit tests and the fuzzer.

#include "nats_command.h"

namespace esphome::nats {

struct NumberCommand final : CommandFields {
  bool has_value{false};
  double value{0};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (!key.equals("value"))
      return true;
    this->has_value = read_number(value, this->value, "value must be a number", error);
    return this->has_value;
  }
  bool complete(const char *&error) const override { return require(this->has_value, "value is required", error); }
};

}  // namespace esphome::nats
