#pragma once

// Reconnect back-off with jitter. Without it every device of a home retries
// at the same instants after a server restart (they all lost the connection
// at once) and the server takes the whole home's reconnects in bursts. Pure
// C++ so the unit tests check the bounds.

#include <cstdint>

namespace esphome::nats {

/// The wait before the next attempt: uniformly spread over 0.5x .. 1.5x of
/// base_ms, chosen by random (any 32-bit value, e.g. random_uint32()).
inline uint32_t jittered_backoff(uint32_t base_ms, uint32_t random) {
  const uint32_t half = base_ms / 2;
  return half + static_cast<uint32_t>((static_cast<uint64_t>(random) * (base_ms + 1)) >> 32);
}

/// The back-off after base_ms: doubled, at most max_ms.
inline uint32_t next_backoff(uint32_t base_ms, uint32_t max_ms) {
  return base_ms > max_ms / 2 ? max_ms : base_ms * 2;
}

}  // namespace esphome::nats
