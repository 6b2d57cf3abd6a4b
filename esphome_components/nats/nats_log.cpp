// The device's log lines on P.devices.<id>.log (nats_log.h, docs/protocol.md "Device logs").

#include "nats_log.h"

#if defined(USE_NATS) && defined(USE_NATS_LOG)

#include "esphome/components/logger/logger.h"
#include "esphome/core/hal.h"
#include "esphome/core/log.h"

#include <algorithm>
#include <cinttypes>
#include <cstdlib>
#include <cstring>

#include "nats_client.h"

namespace esphome::nats {

static const char *const TAG = "nats.log";

void NatsLog::set_rate(uint16_t lines, uint32_t period_ms) {
  this->burst_ = lines > 0 ? lines : 1;
  this->period_ms_ = period_ms > 0 ? period_ms : 1000;
}

void NatsLog::setup() {
#ifdef USE_HOST
  // Like NATS_SERVER and friends (nats_client_host.cpp): a test or a user
  // picks the level without another build. NONE turns publishing off.
  static const char *const WORDS[] = {"NONE", "ERROR", "WARN", "INFO", "CONFIG", "DEBUG", "VERBOSE", "VERY_VERBOSE"};
  const char *env = std::getenv("NATS_LOG_LEVEL");
  if (env != nullptr && env[0] != '\0') {
    bool known = false;
    for (uint8_t i = 0; i < sizeof(WORDS) / sizeof(WORDS[0]); i++) {
      if (strcasecmp(env, WORDS[i]) == 0) {
        this->level_ = i;
        known = true;
      }
    }
    if (!known)
      ESP_LOGE(TAG, "Ignoring NATS_LOG_LEVEL=%s: expected NONE, ERROR, WARN, INFO, CONFIG, DEBUG or VERBOSE", env);
  }
#endif
  this->tokens_milli_ = static_cast<uint32_t>(this->burst_) * 1000;
  this->refilled_ms_ = millis();
  if (this->level_ == ESPHOME_LOG_LEVEL_NONE || logger::global_logger == nullptr)
    return;
  logger::global_logger->add_log_callback(
      this, [](void *self, uint8_t level, const char *tag, const char *message, size_t message_len) {
        static_cast<NatsLog *>(self)->on_log(level, tag, message, message_len);
      });
}

void NatsLog::dump_config() {
  ESP_LOGCONFIG(TAG,
                "NATS device log:\n"
                "  Level: %s\n"
                "  Rate: %u lines per %" PRIu32 " ms",
                this->level_ == ESPHOME_LOG_LEVEL_NONE ? "none (off)" : level_word(this->level_),
                static_cast<unsigned>(this->burst_), this->period_ms_);
}

const char *NatsLog::level_word(uint8_t level) {
  static const char *const WORDS[] = {"", "error", "warn", "info", "config", "debug", "verbose", "very_verbose"};
  return level < sizeof(WORDS) / sizeof(WORDS[0]) ? WORDS[level] : "very_verbose";
}

const char *NatsLog::strip_header(const char *message, size_t len, size_t &text_len) {
  // "<colour>[W][tag:123]<optional colour + [thread] + colour>: text<reset>"
  const char *end = message + len;
  const char *p = message;
  int brackets = 0;
  for (; p < end && brackets < 2; p++) {
    if (*p == ']')
      brackets++;
  }
  const char *text = message;
  for (; p + 1 < end; p++) {
    if (p[0] == ':' && p[1] == ' ') {
      text = p + 2;
      break;
    }
  }
  if (end - text >= 4 && std::memcmp(end - 4, "\033[0m", 4) == 0)
    end -= 4;
  text_len = static_cast<size_t>(end - text);
  return text;
}

bool NatsLog::take_token_() {
  const uint32_t now = millis();
  uint32_t elapsed = now - this->refilled_ms_;
  this->refilled_ms_ = now;
  const uint32_t full = static_cast<uint32_t>(this->burst_) * 1000;
  if (elapsed > this->period_ms_)
    elapsed = this->period_ms_;  // a full refill at most; keeps the product in range
  const uint64_t refill = static_cast<uint64_t>(elapsed) * full / this->period_ms_;
  this->tokens_milli_ = static_cast<uint32_t>(std::min<uint64_t>(full, this->tokens_milli_ + refill));
  if (this->tokens_milli_ < 1000)
    return false;
  this->tokens_milli_ -= 1000;
  return true;
}

void NatsLog::on_log(uint8_t level, const char *tag, const char *message, size_t len) {
  if (this->publishing_ || level > this->level_ || level == ESPHOME_LOG_LEVEL_NONE)
    return;
  if (!this->client_->is_connected() || this->count_ == QUEUE || !this->take_token_()) {
    this->dropped_++;
    return;
  }
  Line &line = this->queue_[(this->head_ + this->count_) % QUEUE];
  line.dropped = this->dropped_;
  this->dropped_ = 0;
  line.level = level;
  // Tags may be in flash on the ESP8266: read byte by byte.
  size_t tag_len = 0;
  for (; tag_len < MAX_TAG; tag_len++) {
    const char c = static_cast<char>(progmem_read_byte(reinterpret_cast<const uint8_t *>(tag + tag_len)));
    if (c == '\0')
      break;
    line.tag[tag_len] = c;
  }
  line.tag_len = static_cast<uint8_t>(tag_len);
  size_t text_len = 0;
  const char *text = strip_header(message, len, text_len);
  if (text_len > MAX_TEXT) {
    text_len = MAX_TEXT;
    // Never cut a UTF-8 character in two: the JSON must stay valid text.
    while (text_len > 0 && (static_cast<uint8_t>(text[text_len]) & 0xC0) == 0x80)
      text_len--;
  }
  std::memcpy(line.text, text, text_len);
  line.text_len = static_cast<uint16_t>(text_len);
  this->count_++;
}

bool NatsLog::publish_front_() {
  NatsClient *client = this->client_;
  this->publishing_ = true;
  if (this->subject_[0] == '\0' && client->subject_(this->subject_, "%s.devices.%s.log", client->device_id_) == 0) {
    this->publishing_ = false;
    return false;
  }
  const Line &line = this->queue_[this->head_];
  const bool queued = client->publish_json_(this->subject_, [&line](JsonWriter &w) {
    w.begin_object();
    w.key("level");
    w.value(level_word(line.level));
    w.key("tag");
    w.value(line.tag, line.tag_len);
    w.key("message");
    w.value(line.text, line.text_len);
    if (line.dropped > 0) {
      w.key("dropped");
      w.value(line.dropped);
    }
    w.end_object();
  });
  this->publishing_ = false;
  return queued;
}

void NatsLog::loop() {
  if (this->count_ == 0)
    return;
  if (!this->client_->is_connected()) {
    // Lost with the connection: counted, so the first line after reconnecting says so.
    for (; this->count_ > 0; this->count_--, this->head_ = (this->head_ + 1) % QUEUE)
      this->dropped_ += this->queue_[this->head_].dropped + 1;
    return;
  }
  while (this->count_ > 0 && this->publish_front_()) {
    this->head_ = (this->head_ + 1) % QUEUE;
    this->count_--;
  }
}

}  // namespace esphome::nats

#endif  // USE_NATS && USE_NATS_LOG
