#pragma once

// Where the firmware's entities become protocol v1: the entity table with
// the ids the device announces, the announcement and state payloads, and
// how a validated command is applied to an entity.

#include "esphome/core/defines.h"
#include "esphome/core/entity_base.h"
#include "esphome/core/entity_includes.h"

#include <vector>

#include "nats_json.h"
#include "nats_protocol.h"

namespace esphome::nats {

/// The ESPHome entity type behind a protocol platform (text sensors are
/// announced as sensors without a unit).
enum class EntityKind : uint8_t { SENSOR, TEXT_SENSOR, BINARY_SENSOR, SWITCH, LIGHT, BUTTON, NUMBER, SELECT };

struct EntityEntry {
  EntityBase *obj;
  EntityKind kind;
  Platform platform;
  /// State changed since it was last published.
  bool dirty;
  char id[MAX_TOKEN_LEN + 1];
};

class NatsEntities {
 public:
  /// Build the table from every non-internal entity of the application.
  /// Runs once in setup(); the table never changes afterwards.
  void collect();

  size_t size() const { return this->entries_.size(); }
  EntityEntry &at(size_t i) { return this->entries_[i]; }
  EntityEntry *find(Platform platform, const char *id, size_t len);
  /// Flag the entity of obj for a state publish (no-op for unknown objects).
  void mark_dirty(const EntityBase *obj);
  /// Flag every entity that has a state (after an announcement).
  void mark_all_dirty();

  /// The "entities" array of the announcement.
  void write_entities(JsonWriter &w) const;
  /// A state object: {"state": ...} plus the light attributes.
  void write_state(const EntityEntry &entry, JsonWriter &w) const;
  /// Apply a validated command. False with error set when the entity
  /// rejects it (out of range, unsupported colour mode, unknown option).
  bool apply(EntityEntry &entry, const Command &cmd, const char *&error);

 protected:
  void add_(EntityBase *obj, EntityKind kind, Platform platform);

  std::vector<EntityEntry> entries_;
};

}  // namespace esphome::nats
