#pragma once

// A mode list as the 1.4 platforms announce it (docs/protocol.md,
// "Platforms added in 1.4"): at most 64 distinct words of 1 to 64 bytes.
// ESPHome's lists have no such bounds; the platforms pass each word through
// a ModeList and announce only those it keeps, and ask the same question
// before reporting or accepting a word, so the device never names one it
// did not announce. Pure C++, shared with the unit tests.

#include <cstddef>
#include <cstring>

#include "nats_protocol.h"

namespace esphome::nats {

class ModeList {
 public:
  static constexpr size_t MAX_WORDS = 64;

  /// True when word joins the list: not empty, not too long, not a repeat,
  /// and the list is not full. The list keeps the pointer.
  bool add(const char *word) {
    const size_t len = std::strlen(word);
    if (this->size_ == MAX_WORDS || len == 0 || len > MAX_OPTION_LEN)
      return false;
    for (size_t i = 0; i < this->size_; i++) {
      if (std::strcmp(this->words_[i], word) == 0)
        return false;
    }
    this->words_[this->size_++] = word;
    return true;
  }
  size_t size() const { return this->size_; }
  const char *at(size_t i) const { return this->words_[i]; }
  bool contains(const char *word) const {
    for (size_t i = 0; i < this->size_; i++) {
      if (std::strcmp(this->words_[i], word) == 0)
        return true;
    }
    return false;
  }

 protected:
  const char *words_[MAX_WORDS];
  size_t size_{0};
};

}  // namespace esphome::nats
