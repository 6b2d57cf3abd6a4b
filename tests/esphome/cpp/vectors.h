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
  const char *clock;
  long long sent;
  long long ttl;
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

struct StateAckCase {
  const char *name;
  std::string headers;
  std::string reply;
  bool ack;
};

enum class Verdict { NONE, ACCEPT, REFUSE };

/// One message of expiry.json: a command when ttl > 0 (verdict says what the
/// device does with it), otherwise a stamped ha.status or discovery request.
struct ExpiryStep {
  long long now;
  const char *clock;
  long long sent;
  long long ttl;
  long long late;
  Verdict verdict;
};

struct ExpiryScenario {
  const char *name;
  std::vector<ExpiryStep> steps;
};

/// A command case of a platform's vectors file (platforms/<name>.json), as
/// JSON text: valid ones with the validated command, invalid ones with a
/// substring of the error.
struct PlatformCommandCase {
  const char *platform;
  const char *name;
  std::string payload;
  bool valid;
  const char *error;
  std::string command;
};

/// An apply case: the entity as announced and a valid command; error is a
/// substring of the refusal, nullptr when the device carries it out, and
/// then result is the state the spec's ideal device replies with.
struct PlatformApplyCase {
  const char *platform;
  const char *name;
  std::string entity;
  std::string command;
  const char *error;
  std::string result;
};

/// A bucket payload of config_settings.json read against a declared setting
/// (its announcement entry as JSON text); expect is the decoded value as JSON
/// text, for a valid case.
struct ConfigValueCase {
  const char *name;
  std::string setting;
  std::string raw;
  bool valid;
  std::string expect;
};

struct ConfigBucketCase {
  const char *prefix;
  const char *bucket;
};

/// A NATS/1.0 header block and whether it deletes the key.
struct ConfigDeletedCase {
  std::string headers;
  bool deleted;
};

/// A renewal of credentials.json (docs/protocol.md, "Credentials"): a valid
/// one with its JWT's iat and exp (has_exp false for none); an invalid one
/// is refused, unless signature_only (a device that does not verify
/// signatures may keep it; the server refuses it at connect).
struct CredentialsCase {
  const char *name;
  std::string raw;
  bool valid;
  long long iat;
  bool has_exp;
  long long exp;
  bool too_long;
  bool signature_only;
};

struct FrameCase {
  const char *name;
  size_t buffer;
  std::string raw;
  bool valid;
  std::vector<std::string> events;
};

#include "vectors.inc"
