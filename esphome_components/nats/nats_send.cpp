// The send side: one fixed buffer of queued protocol text, and the
// announcement, which may be larger than that buffer and is streamed
// through its free end part by part.
//
// While an announcement streams, the bytes queued before its PUB header
// (the barrier) go out first, then the payload window by window; everything
// queued meanwhile (replies, heartbeats, PINGs, PONGs) waits behind it, so
// nothing lands inside the message.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/core/hal.h"
#include "esphome/core/log.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

// Free bytes kept for rendering the announcement while it streams; the rest
// of the buffer holds what is queued behind it.
static constexpr size_t STREAM_WINDOW_MIN = 256;
// Parts rendered into one window at most (entities are usually 100-200 bytes).
static constexpr size_t MAX_PARTS_PER_WINDOW = 32;

size_t NatsClient::tx_free_() const {
  const size_t reserve = this->stream_.active ? STREAM_WINDOW_MIN : 0;
  const size_t used = this->tx_len_ + reserve;
  return used < this->tx_cap_ ? this->tx_cap_ - used : 0;
}

bool NatsClient::send_queued_(size_t len, size_t &sent) {
  sent = 0;
  if (len == 0)
    return true;
  const ssize_t n = this->transport_write_(this->tx_buf_.get(), len);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return true;
    this->fail_("write failed", errno);
    return false;
  }
  sent = static_cast<size_t>(n);
  this->tx_len_ -= sent;
  if (this->tx_len_ != 0)
    std::memmove(this->tx_buf_.get(), this->tx_buf_.get() + sent, this->tx_len_);
  return true;
}

void NatsClient::flush_() {
  // What TLS still holds of an earlier write goes out before anything new.
  if (this->sock_ == nullptr || !this->transport_flush_())
    return;
  size_t sent;
  if (this->stream_.active) {
    if (this->stream_.barrier > 0) {
      if (!this->send_queued_(this->stream_.barrier, sent))
        return;
      this->stream_.barrier -= sent;
      if (this->stream_.barrier > 0)
        return;
    }
    this->pump_announcement_();
    if (this->stream_.active || this->sock_ == nullptr)
      return;
  }
  this->send_queued_(this->tx_len_, sent);
}

bool NatsClient::make_room_(size_t len) {
  if (this->tx_free_() < len)
    this->flush_();
  return this->sock_ != nullptr && this->tx_free_() >= len;
}

bool NatsClient::write_raw_(const char *data, size_t len) {
  if (this->sock_ == nullptr || this->tx_free_() < len)
    return false;
  std::memcpy(this->tx_buf_.get() + this->tx_len_, data, len);
  this->tx_len_ += len;
  return true;
}

bool NatsClient::publish(const char *subject, const char *payload, size_t len) {
  if (this->state_ != State::CONNECTED)
    return false;
  // A space or line break would corrupt the protocol stream.
  const size_t subject_len = std::strlen(subject);
  if (subject_len == 0 || subject_len > MAX_SUBJECT_LEN || std::strpbrk(subject, " \t\r\n") != nullptr) {
    ESP_LOGW(TAG, "[%s] Not publishing to invalid subject '%s'", this->device_id_, subject);
    return false;
  }
  char header[PUB_HEADER_MAX];
  int n = std::snprintf(header, sizeof(header), "PUB %s %u\r\n", subject, static_cast<unsigned>(len));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(header))
    return false;
  const size_t total = static_cast<size_t>(n) + len + 2;
  if (total > this->tx_cap_ - STREAM_WINDOW_MIN) {
    ESP_LOGW(TAG, "[%s] Payload for %s too large: %u bytes; raise tx_buffer_size (%u)", this->device_id_, subject,
             static_cast<unsigned>(len), static_cast<unsigned>(this->tx_cap_));
    return false;
  }
  if (!this->make_room_(total))
    return false;
  this->write_raw_(header, n);
  this->write_raw_(payload, len);
  this->write_raw_("\r\n", 2);
  return true;
}

bool NatsClient::publish_json_fill_(const char *subject, const JsonFill &fill, const char *ack_reply) {
  const size_t subject_len = std::strlen(subject);
  if (subject_len == 0 || subject_len > MAX_SUBJECT_LEN)
    return false;
  // With ack_reply: HPUB <subject> <header bytes> <total bytes>, then the
  // header block "NATS/1.0\r\nNats-Home-Ack: <reply>\r\n\r\n".
  const size_t reply_len = ack_reply != nullptr ? std::strlen(ack_reply) : 0;
  if (reply_len > MAX_SUBJECT_LEN)
    return false;
  const size_t headers_len =
      ack_reply != nullptr ? sizeof("NATS/1.0\r\n") - 1 + std::strlen(ACK_HEADER) + 2 + reply_len + 4 : 0;
  // Reserve the largest header, write the payload behind it, then close the
  // gap once the size is known.
  const size_t reserve = (ack_reply != nullptr ? 5 + subject_len + 1 + 10 + 1 + 10 + 2 : 4 + subject_len + 1 + 10 + 2) +
                         headers_len;
  // Second attempt after sending what is queued, if the payload did not fit.
  for (int attempt = 0; attempt < 2; attempt++) {
    if (attempt == 1)
      this->flush_();
    if (this->sock_ == nullptr)
      return false;
    const size_t free = this->tx_free_();
    if (free < reserve + 2)
      continue;
    char *start = this->tx_buf_.get() + this->tx_len_;
    JsonWriter w(start + reserve, free - reserve - 2);
    fill.write(w);
    if (w.overflow()) {
      if (reserve + w.size() + 2 > this->tx_cap_ - STREAM_WINDOW_MIN) {
        ESP_LOGE(TAG, "[%s] Payload for %s needs %u bytes; raise tx_buffer_size (%u)", this->device_id_, subject,
                 static_cast<unsigned>(w.size()), static_cast<unsigned>(this->tx_cap_));
        return false;
      }
      continue;
    }
    char line[HPUB_HEADER_MAX];
    int n;
    if (ack_reply == nullptr) {
      n = std::snprintf(line, sizeof(line), "PUB %s %u\r\n", subject, static_cast<unsigned>(w.size()));
    } else {
      n = std::snprintf(line, sizeof(line), "HPUB %s %u %u\r\n", subject, static_cast<unsigned>(headers_len),
                        static_cast<unsigned>(headers_len + w.size()));
    }
    if (n <= 0 || static_cast<size_t>(n) + headers_len > reserve)
      return false;
    std::memcpy(start, line, n);
    char *at = start + n;
    if (ack_reply != nullptr) {
      const int h = std::snprintf(at, headers_len + 1, "NATS/1.0\r\n%s: %s\r\n\r", ACK_HEADER, ack_reply);
      if (h != static_cast<int>(headers_len) - 1)
        return false;
      at[headers_len - 1] = '\n';  // snprintf's terminator would have taken the last byte
      at += headers_len;
    }
    std::memmove(at, start + reserve, w.size());
    std::memcpy(at + w.size(), "\r\n", 2);
    this->tx_len_ += static_cast<size_t>(at - start) + w.size() + 2;
    return true;
  }
  return false;
}

bool NatsClient::start_announcement_(const char *subject, bool announces) {
  // The PUB header states the size, so the whole payload is measured first:
  // every part is written once into a writer that only counts. The last
  // part is `]}`.
  size_t len = 2;
  for (size_t part = 0; part + 1 < this->announcement_parts_(); part++) {
    JsonWriter counter(nullptr, 0);
    this->write_announcement_part_(part, counter);
    len += counter.size();
  }
  char header[PUB_HEADER_MAX];
  const int n = std::snprintf(header, sizeof(header), "PUB %s %u\r\n", subject, static_cast<unsigned>(len));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(header) || !this->make_room_(static_cast<size_t>(n)))
    return false;
  this->write_raw_(header, static_cast<size_t>(n));
  this->stream_ = Stream{};
  this->stream_.active = true;
  this->stream_.announces = announces;
  this->stream_.barrier = this->tx_len_;
  this->stream_.payload_len = len;
  this->stream_.progress_ms = millis();
  ESP_LOGD(TAG, "[%s] Announcing %u entities on %s (%u bytes)", this->device_id_,
           static_cast<unsigned>(this->entities_.size()), subject, static_cast<unsigned>(len));
  if (len > MAX_ANNOUNCEMENT_LEN) {
    ESP_LOGW(TAG, "[%s] The announcement on %s is %u bytes; controllers may drop one over %u (shorter names help)",
             this->device_id_, subject, static_cast<unsigned>(len), static_cast<unsigned>(MAX_ANNOUNCEMENT_LEN));
  }
  return true;
}

void NatsClient::pump_announcement_() {
  Stream &s = this->stream_;
  const size_t parts = this->announcement_parts_();
  char *window = this->tx_buf_.get() + this->tx_len_;
  const size_t cap = this->tx_cap_ - this->tx_len_;
  // Fill the window with whole parts while they fit, the last one possibly
  // cut; remember each part's full size to account for what the socket takes.
  size_t full[MAX_PARTS_PER_WINDOW];
  size_t count = 0;
  size_t used = 0;
  size_t planned = s.payload_sent;
  for (size_t part = s.part, offset = s.offset; part < parts && used < cap && count < MAX_PARTS_PER_WINDOW;
       part++, offset = 0) {
    JsonWriter w(window + used, cap - used, offset);
    if (part + 1 == parts) {
      // Padding keeps the stated size should a description have shrunk
      // since it was measured (JSON allows the spaces).
      w.raw("]}", 2);
      for (size_t pad = planned + 2; pad < s.payload_len; pad++)
        w.raw(" ", 1);
      w.raw("\r\n", 2);
    } else {
      this->write_announcement_part_(part, w);
      planned += w.size();
      if (planned + 2 > s.payload_len) {
        // The server would read the rest as protocol: drop the connection,
        // the announcement goes out whole after the reconnect.
        ESP_LOGE(TAG, "[%s] An entity description grew while it was announced", this->device_id_);
        this->fail_("announcement changed while it was sent");
        return;
      }
    }
    full[count++] = w.size();
    used += w.stored();
    if (offset + w.stored() < w.size())
      break;  // the window is full in the middle of this part
  }
  const ssize_t n = this->transport_write_(window, used);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      this->fail_("write failed", errno);
    return;
  }
  if (n > 0)
    s.progress_ms = millis();
  size_t left = static_cast<size_t>(n);
  for (size_t i = 0; i < count && left > 0; i++) {
    const size_t remaining = full[i] - s.offset;
    if (left < remaining) {
      s.offset += left;
      break;
    }
    left -= remaining;
    if (s.part + 1 < parts)
      s.payload_sent += full[i];
    s.part++;
    s.offset = 0;
  }
  if (s.part == parts) {
    const bool announces = s.announces;
    ESP_LOGD(TAG, "[%s] Announcement sent (%u bytes)", this->device_id_, static_cast<unsigned>(s.payload_len));
    this->end_announcement_();
    if (announces)
      this->entities_.mark_all_dirty();  // every state follows its announcement
  }
}

void NatsClient::end_announcement_() { this->stream_ = Stream{}; }

}  // namespace esphome::nats

#endif  // USE_NATS
