#pragma once

#include "esphome/core/defines.h"

#if defined(USE_NATS) && defined(USE_NATS_LOG)

#include "esphome/core/component.h"

#include <cstddef>
#include <cstdint>

#include "nats_protocol.h"

namespace esphome::nats {

class NatsClient;

/// Publishes this device's own log lines on `P.devices.<id>.log`
/// (docs/protocol.md, "Device logs"), the way the mqtt component's log
/// topic does, with three differences that keep the device safe:
///
/// - The logger's callback only copies the line into a fixed queue; loop()
///   publishes it. A line logged by the client while it is in the middle of
///   writing its send buffer therefore never re-enters it, and nothing on
///   this path allocates.
/// - A token bucket limits the lines per period; lines above it, lines that
///   find the queue full and lines logged while disconnected are dropped and
///   counted, and the next published line says how many (`dropped`).
/// - Whatever is logged while a line is being published (a warning of the
///   client about that very publish) is not queued: it would feed itself.
class NatsLog : public Component {
 public:
  explicit NatsLog(NatsClient *client) : client_(client) {}
  /// The most verbose ESPHOME_LOG_LEVEL_* published; NONE publishes nothing.
  void set_level(uint8_t level) { this->level_ = level; }
  /// At most `lines` per `period_ms`, as a burst or spread out.
  void set_rate(uint16_t lines, uint32_t period_ms);

  void setup() override;
  void loop() override;
  void dump_config() override;
  /// After the client: on the host its environment may change the device id.
  float get_setup_priority() const override { return setup_priority::AFTER_CONNECTION; }

  /// The logger's callback: a copy into the queue, or a count of the dropped.
  void on_log(uint8_t level, const char *tag, const char *message, size_t len);

  /// What the line's words are on the wire: "error", "warn", ... ("" for NONE).
  static const char *level_word(uint8_t level);
  /// Where the text begins after the logger's "[W][tag:123]: " header (and its
  /// colours), and its length without the colour reset at the end.
  static const char *strip_header(const char *message, size_t len, size_t &text_len);

  /// Bytes of a line's text kept (cut at a character boundary).
  static constexpr size_t MAX_TEXT = 192;
  static constexpr size_t MAX_TAG = 31;
  static constexpr size_t QUEUE = 8;

 protected:
  struct Line {
    /// Lines dropped between the previous queued line and this one.
    uint32_t dropped;
    uint8_t level;
    uint8_t tag_len;
    uint16_t text_len;
    char tag[MAX_TAG];
    char text[MAX_TEXT];
  };
  bool take_token_();
  /// Publishes the oldest queued line; false when the client could not queue it (kept for the next loop).
  bool publish_front_();

  NatsClient *client_;
  uint8_t level_{3};  // ESPHOME_LOG_LEVEL_INFO
  uint16_t burst_{5};
  uint32_t period_ms_{1000};
  /// Thousandths of a line: refilled by burst_ every period_ms_, continuously.
  uint32_t tokens_milli_{0};
  uint32_t refilled_ms_{0};
  /// Dropped since the last line queued: the next one carries the count.
  uint32_t dropped_{0};
  bool publishing_{false};
  Line queue_[QUEUE];
  uint8_t head_{0};
  uint8_t count_{0};
  char subject_[MAX_SUBJECT_LEN + 1]{};
};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_NATS_LOG
