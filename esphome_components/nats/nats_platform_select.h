#pragma once

// A select command in protocol v1: {"option": "eco"}. Whether the option
// exists is the entity's business (nats_platform_select.cpp). Pure C++,
// shared with the unit tests and the fuzzer.

#include "nats_command.h"

namespace esphome::nats {

struct SelectCommand final : CommandFields {
  bool has_option{false};
  char option[MAX_OPTION_LEN + 1]{};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (!key.equals("option"))
      return true;
    this->has_option = read_text(value, this->option, sizeof(this->option),
                                 "option must be a non-empty string of at most 64 bytes", error);
    return this->has_option;
  }
  bool complete(const char *&error) const override {
    return require(this->has_option, "option is required", error);
  }
};

}  // namespace esphome::nats
