#pragma once

// Bookkeeping behind the entity table that must stay O(1) per state change:
// which table entry an ESPHome entity is (EntityIndex) and which entries
// have a state still to publish (DirtyQueue). Both are sized once at setup
// and never allocate afterwards. Pure C++ so the unit tests exercise them.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace esphome::nats {

/// Maps an entity's address to its entry index: open addressing over at
/// least twice as many slots as entries, so a lookup probes about one slot.
class EntityIndex {
 public:
  static constexpr uint16_t NONE = 0xFFFF;

  /// Room for count entries; forgets earlier ones.
  void init(size_t count);
  void insert(const void *key, uint16_t value);
  /// The value stored for key, or NONE (an entity that is not announced).
  uint16_t find(const void *key) const;

 protected:
  size_t slot_of_(const void *key) const;

  std::unique_ptr<const void *[]> keys_;
  std::unique_ptr<uint16_t[]> values_;
  size_t mask_{0};
};

/// Entries whose state changed since it was last published, oldest first,
/// each at most once however often it changed.
class DirtyQueue {
 public:
  /// Room for entries 0 .. count - 1, none of them dirty.
  void init(size_t count);
  void mark(uint16_t index);
  bool empty() const { return this->size_ == 0; }
  /// The oldest dirty entry; only when !empty().
  uint16_t front() const { return this->ring_[this->head_]; }
  /// Its state was published: it is clean until marked again.
  void pop();
  /// Entry index's state was published out of turn (a command's acknowledgement):
  /// take it out of the queue wherever it is. O(dirty entries), which are few.
  void remove(uint16_t index);
  size_t size() const { return this->size_; }

 protected:
  std::unique_ptr<uint16_t[]> ring_;
  std::unique_ptr<bool[]> queued_;
  size_t capacity_{0};
  size_t head_{0};
  size_t size_{0};
};

}  // namespace esphome::nats
