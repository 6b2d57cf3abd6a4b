#pragma once

// The event platform's pure part (docs/protocol.md, "Event"): which of an
// ESPHome event's types the announcement can carry, and the small queue
// that holds fired events until the client publishes them. An event is a
// message, not a state: a dirty flag would merge two presses into one, so
// each fired event is queued. Pure C++, shared with the unit tests.

#include <cstddef>
#include <cstdint>

#include "nats_mode_list.h"

namespace esphome::nats {

/// The reply to any command sent to an event entity.
static constexpr const char *EVENT_COMMAND_ERROR = "event takes no commands";

/// Whether types[index] is in the announced event_types (a ModeList of
/// the types in order). The description and the publisher both ask this,
/// so the device never sends an event type it did not announce (the
/// controller would drop the event).
template<typename Types> bool is_announced_event_type(const Types &types, size_t index) {
  ModeList announced;
  for (size_t i = 0; i < types.size(); i++) {
    const bool added = announced.add(types[i]);
    if (i == index)
      return added;
  }
  return false;
}

/// One fired event: the entity's index in the entity table and the index
/// of its type in the ESPHome event's type list.
struct PendingEvent {
  uint16_t entry;
  uint8_t type;
};

/// Events fired and not yet published, oldest first. Fixed size: when full,
/// a new event replaces the oldest, and the loss is counted so the client
/// can say so once rather than per event.
template<size_t N> class EventQueue {
 public:
  void push(PendingEvent event) {
    if (this->size_ == N) {
      this->head_ = (this->head_ + 1) % N;
      this->size_--;
      this->dropped_++;
    }
    this->ring_[(this->head_ + this->size_) % N] = event;
    this->size_++;
  }
  bool empty() const { return this->size_ == 0; }
  size_t size() const { return this->size_; }
  /// The oldest event; only when !empty().
  const PendingEvent &front() const { return this->ring_[this->head_]; }
  void pop() {
    this->head_ = (this->head_ + 1) % N;
    this->size_--;
  }
  /// Forgets every queued event (they belong to a connection that is gone).
  void clear() {
    this->dropped_ += this->size_;
    this->head_ = 0;
    this->size_ = 0;
  }
  /// Events lost since the last call.
  uint32_t take_dropped() {
    const uint32_t n = this->dropped_;
    this->dropped_ = 0;
    return n;
  }

 protected:
  PendingEvent ring_[N]{};
  size_t head_{0};
  size_t size_{0};
  uint32_t dropped_{0};
};

/// Events a device keeps while it cannot publish (a send buffer full, an
/// announcement under way): a burst of presses, not a history.
static constexpr size_t EVENT_QUEUE_SIZE = 8;

}  // namespace esphome::nats
