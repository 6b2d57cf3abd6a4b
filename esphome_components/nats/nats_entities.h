#pragma once

// The entity table: every announced ESPHome entity with its protocol id and
// platform, which entries have a state to publish, and what every entity's
// description and state have in common. What differs per platform is in
// nats_platform_<name>.cpp, reached through the entry's PlatformOps.

#include "esphome/core/defines.h"
#include "esphome/core/entity_base.h"

#include <vector>

#include "nats_entity_index.h"
#include "nats_json.h"
#include "nats_protocol.h"

namespace esphome::nats {

struct PlatformOps;

struct EntityEntry {
  EntityBase *obj;
  const PlatformOps *ops;
  /// The protocol id, NUL-terminated, in the table's id storage.
  uint16_t id_offset;
  uint8_t id_len;
};

class EntityTable {
 public:
  /// Builds the table from every non-internal entity of every platform in
  /// the platform table (nats_platforms.cpp). Runs once in setup(); the table
  /// never changes afterwards.
  void collect();
  /// A platform's collect() adds each of its entities through this.
  void add(EntityBase *obj, const PlatformOps &ops);

  size_t size() const { return this->entries_.size(); }
  const EntityEntry &at(size_t i) const { return this->entries_[i]; }
  const char *id(const EntityEntry &entry) const { return this->ids_.data() + entry.id_offset; }
  /// The index of the entity's entry, or EntityIndex::NONE when it is not announced.
  uint16_t index_of(const EntityBase *obj) const { return this->index_.find(obj); }
  /// The entry a command subject names, or nullptr.
  const EntityEntry *find(const char *platform, size_t platform_len, const char *id, size_t id_len) const;

  /// The entity's state changed (a controller callback): O(1), so a device
  /// with many entities pays nothing per change for the others.
  void mark_dirty(const EntityBase *obj);
  void mark_dirty(const EntityEntry &entry);
  /// Its state was just published out of turn (a command's acknowledgement).
  void mark_clean(const EntityEntry &entry);
  /// Every entity that has a state (after an announcement).
  void mark_all_dirty();
  /// Entries with a state to publish, oldest change first.
  DirtyQueue &dirty() { return this->dirty_; }

  /// One element of the announcement's "entities" array.
  void write_description(const EntityEntry &entry, JsonWriter &w) const;
  /// A state object: {"state": ...} plus the platform's attributes.
  void write_state(const EntityEntry &entry, JsonWriter &w) const;

 protected:
  bool find_id_(const char *id, size_t len) const;

  std::vector<EntityEntry> entries_;
  /// Every id back to back, each NUL-terminated: ids are usually a dozen
  /// bytes, so a fixed 65-byte field per entry would mostly hold nothing.
  std::vector<char> ids_;
  EntityIndex index_;
  DirtyQueue dirty_;
  /// Entities beyond MAX_ENTITIES, which are not announced.
  size_t left_out_{0};
};

}  // namespace esphome::nats
