#pragma once

// Command expiry, the device's rule (docs/protocol.md, "Command expiry"): how
// a device without a synchronised clock tells a command that arrived after
// the controller gave up on it. Pure C++ that takes the device's clock as an
// argument, so the shared vectors (tests/vectors/expiry.json) run against it
// on the host and the firmware passes millis_64().

#include <cstddef>
#include <cstdint>

#include "nats_command.h"

namespace esphome::nats {

/// The estimate may drift by 1 ms per 5,000 ms of the device's clock (200 ppm).
static constexpr int64_t EXPIRY_DRIFT_DIVISOR = 5000;
/// Controller clocks remembered; the least recently heard is forgotten first.
static constexpr size_t EXPIRY_CLOCKS_KEPT = 4;
static constexpr const char *EXPIRED_ERROR = "command expired";

/// What the device knows of each controller clock it has heard. A fixed table:
/// nothing here allocates.
class CommandExpiry {
 public:
  /// Learns from a message stamped at stamp.sent by the controller and
  /// received at now (ms of the device's monotonic clock). Returns how much
  /// longer it took than the quickest message of its clock (0 for a clock not
  /// known yet).
  int64_t observe(const ClockStamp &stamp, int64_t now);
  /// Learns from a validated command's envelope and says whether it arrived
  /// too late to be carried out. late is set as observe() returns it (0 when
  /// unstamped).
  bool is_expired(const CommandEnvelope &cmd, int64_t now, int64_t &late);

 protected:
  struct Estimate {
    char clock[MAX_TOKEN_LEN + 1];
    size_t clock_len;
    int64_t skew;
    int64_t at;
  };

  /// Most recently heard first; size_ of them in use.
  Estimate clocks_[EXPIRY_CLOCKS_KEPT]{};
  size_t size_{0};
};

}  // namespace esphome::nats
