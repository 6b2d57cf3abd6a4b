#include "nats_entity_index.h"

namespace esphome::nats {

void EntityIndex::init(size_t count) {
  size_t slots = 4;
  while (slots < 2 * count)
    slots *= 2;
  this->keys_.reset(new const void *[slots]());  // NOLINT
  this->values_.reset(new uint16_t[slots]);       // NOLINT
  this->mask_ = slots - 1;
}

size_t EntityIndex::slot_of_(const void *key) const {
  // Entities are objects of a few dozen bytes: the low bits of their
  // addresses carry little; a multiplicative hash spreads the rest.
  const auto bits = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(key));
  return static_cast<size_t>((bits * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & this->mask_;
}

void EntityIndex::insert(const void *key, uint16_t value) {
  size_t slot = this->slot_of_(key);
  while (this->keys_[slot] != nullptr && this->keys_[slot] != key)
    slot = (slot + 1) & this->mask_;
  this->keys_[slot] = key;
  this->values_[slot] = value;
}

uint16_t EntityIndex::find(const void *key) const {
  if (this->keys_ == nullptr)
    return NONE;
  for (size_t slot = this->slot_of_(key);; slot = (slot + 1) & this->mask_) {
    if (this->keys_[slot] == key)
      return this->values_[slot];
    if (this->keys_[slot] == nullptr)
      return NONE;
  }
}

void DirtyQueue::init(size_t count) {
  this->ring_.reset(new uint16_t[count > 0 ? count : 1]);  // NOLINT
  this->queued_.reset(new bool[count > 0 ? count : 1]());  // NOLINT
  this->capacity_ = count;
  this->head_ = 0;
  this->size_ = 0;
}

void DirtyQueue::mark(uint16_t index) {
  if (index >= this->capacity_ || this->queued_[index])
    return;
  this->queued_[index] = true;
  this->ring_[(this->head_ + this->size_) % this->capacity_] = index;
  this->size_++;
}

void DirtyQueue::pop() {
  this->queued_[this->ring_[this->head_]] = false;
  this->head_ = (this->head_ + 1) % this->capacity_;
  this->size_--;
}

void DirtyQueue::remove(uint16_t index) {
  if (index >= this->capacity_ || !this->queued_[index])
    return;
  this->queued_[index] = false;
  size_t k = 0;
  while (this->ring_[(this->head_ + k) % this->capacity_] != index)
    k++;
  // Later entries move one place up, keeping their order.
  for (; k + 1 < this->size_; k++)
    this->ring_[(this->head_ + k) % this->capacity_] = this->ring_[(this->head_ + k + 1) % this->capacity_];
  this->size_--;
}

}  // namespace esphome::nats
