#pragma once

// How the platform vector tests (test_platform_vectors.cpp) reach one
// platform's pure command code. Each platform_<name>.cpp defines one adapter
// and registers it; a platform of tests/vectors/platforms without one is
// skipped.

#include <cstddef>

#include "nats_command.h"
#include "nats_json.h"

namespace esphome::nats::test {

struct PlatformAdapter {
  /// The protocol's platform word, as in the vectors file's name.
  const char *platform;
  /// Reads a command payload as the firmware does (read_command with the
  /// platform's fields). When it is valid, writes the command's own fields
  /// (not v, clock, sent, ttl: the test adds those from envelope) as members
  /// of w's open object, in the shape of the vectors' "command".
  bool (*read)(const char *payload, size_t len, CommandEnvelope &envelope, JsonWriter &w, const char *&error);
  /// The refusal of a valid command by an entity (its announcement object,
  /// validated): the firmware's own capability check, fed the entity's
  /// announced capabilities. nullptr when the command is carried out.
  /// nullptr for a platform whose commands depend on no capability.
  const char *(*refusal)(const JsonValue &entity, const char *command, size_t len);
};

/// One per platform file, at namespace scope: `const RegisterAdapter
/// registered{ADAPTER};`.
struct RegisterAdapter {
  explicit RegisterAdapter(const PlatformAdapter &adapter);
};

/// The registered adapter of a platform, or nullptr.
const PlatformAdapter *find_adapter(const char *platform);

/// The boolean member key of an announced entity; false when absent or null
/// (the protocol's default for every capability flag).
bool entity_flag(const JsonValue &entity, const char *key);
/// Whether the entity has member key with a value other than null.
bool entity_has(const JsonValue &entity, const char *key);

}  // namespace esphome::nats::test
