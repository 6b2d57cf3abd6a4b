#pragma once

// Test data generated from tests/vectors (see tests/esphome/cpp_vectors.py).

#include <cstddef>
#include <string>
#include <vector>

struct ExpectCommand {
  bool has_version;
  int version;
  const char *state;
  bool has_brightness;
  int brightness;
  bool has_rgb;
  int rgb[3];
  bool has_kelvin;
  int kelvin;
  bool has_transition;
  double transition;
  bool press;
  bool has_value;
  double value;
  const char *option;
};

struct CommandCase {
  const char *name;
  const char *platform;
  std::string raw;
  bool valid;
  ExpectCommand expect;
};

struct TokenCase {
  std::string token;
  bool valid;
};

struct FrameCase {
  const char *name;
  size_t buffer;
  std::string raw;
  bool valid;
  std::vector<std::string> events;
};

#include "vectors.inc"
