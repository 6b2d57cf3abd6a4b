#include "nats_expiry.h"

#include <cstring>

namespace esphome::nats {

namespace {

// Python's //, which the vectors were computed with: C++ / truncates toward
// zero, and a device clock read before `at` must round the allowance down.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0)))
    q--;
  return q;
}

}  // namespace

int64_t CommandExpiry::observe(const ClockStamp &stamp, int64_t now) {
  const int64_t sample = now - stamp.sent;
  size_t i = 0;
  while (i < this->size_ && (this->clocks_[i].clock_len != stamp.clock_len ||
                             std::memcmp(this->clocks_[i].clock, stamp.clock, stamp.clock_len) != 0))
    i++;
  if (i == this->size_) {
    // A clock not heard yet (or forgotten): nothing to compare with. It takes
    // the place of the least recently heard when the table is full.
    if (this->size_ < EXPIRY_CLOCKS_KEPT)
      this->size_++;
    for (size_t j = this->size_ - 1; j > 0; j--)
      this->clocks_[j] = this->clocks_[j - 1];
    Estimate &fresh = this->clocks_[0];
    std::memcpy(fresh.clock, stamp.clock, stamp.clock_len);
    fresh.clock[stamp.clock_len] = '\0';
    fresh.clock_len = stamp.clock_len;
    fresh.skew = sample;
    fresh.at = now;
    return 0;
  }
  Estimate known = this->clocks_[i];
  for (size_t j = i; j > 0; j--)
    this->clocks_[j] = this->clocks_[j - 1];
  const int64_t bound = known.skew + floor_div(now - known.at, EXPIRY_DRIFT_DIVISOR);
  known.skew = sample < bound ? sample : bound;
  known.at = now;
  this->clocks_[0] = known;
  return sample - bound;
}

bool CommandExpiry::is_expired(const CommandEnvelope &cmd, int64_t now, int64_t &late) {
  late = 0;
  if (!cmd.has_expiry)
    return false;  // No stamp (e.g. typed with `nats req`): no expiry.
  late = this->observe(cmd.stamp, now);
  return late > static_cast<int64_t>(cmd.ttl);
}

}  // namespace esphome::nats
