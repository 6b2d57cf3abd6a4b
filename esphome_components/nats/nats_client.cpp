#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/components/network/util.h"
#include "esphome/core/application.h"
#include "esphome/core/hal.h"
#include "esphome/core/helpers.h"
#include "esphome/core/log.h"
#include "esphome/core/version.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

// Seconds a server may take for each connection step before we give up on it.
static constexpr uint32_t CONNECT_TIMEOUT_MS = 10000;
static constexpr uint32_t HANDSHAKE_TIMEOUT_MS = 5000;
// Unanswered keepalive PINGs before the connection counts as dead.
static constexpr uint8_t MAX_PINGS_OUTSTANDING = 2;
// Room for a MSG control line ahead of the payload in the receive buffer.
static constexpr size_t RX_LINE_RESERVE = 512;
static constexpr size_t READ_CHUNK = 256;
// Reads per loop(): bounds the time one loop spends on a flood. The rest is
// read on the next loop (the client reads every loop, not only on ready()).
static constexpr uint8_t MAX_READS_PER_LOOP = 32;

void NatsClient::setup() {
#ifdef USE_HOST
  this->apply_environment_();
#endif
  this->boot_ms_ = millis_64();
  this->rx_buf_.reset(new char[this->max_payload_ + RX_LINE_RESERVE]);  // NOLINT
  this->tx_cap_ = this->max_payload_ + PUB_HEADER_MAX + 2;
  this->tx_buf_.reset(new char[this->tx_cap_]);  // NOLINT
  this->parser_.set_buffer(this->rx_buf_.get(), this->max_payload_ + RX_LINE_RESERVE);
  this->entities_.collect();
  this->subject_(this->announce_subject_, "%s.discovery.announce.%s", this->device_id_);
  this->subject_(this->status_subject_, "%s.devices.%s.status", this->device_id_);
  this->backoff_ms_ = this->reconnect_min_ms_;
  this->next_attempt_ms_ = millis();
}

void NatsClient::dump_config() {
  ESP_LOGCONFIG(TAG,
                "NATS:\n"
                "  Device id: %s\n"
                "  Subject prefix: %s\n"
                "  Heartbeat interval: %" PRIu32 " s\n"
                "  Discovery: %s\n"
                "  Max payload: %" PRIu32 " bytes\n"
                "  Entities: %u",
                this->device_id_, this->prefix_, this->heartbeat_interval_ms_ / 1000, YESNO(this->discovery_),
                this->max_payload_, static_cast<unsigned>(this->entities_.size()));
  for (const auto &server : this->servers_)
    ESP_LOGCONFIG(TAG, "  Server: %s:%u", server.host, server.port);
  if (this->username_ != nullptr) {
    ESP_LOGCONFIG(TAG, "  Username: " LOG_SECRET("'%s'"), this->username_);
    ESP_LOGCONFIG(TAG, "  Password: " LOG_SECRET("'%s'"), this->password_ != nullptr ? this->password_ : "");
  }
  if (this->token_ != nullptr)
    ESP_LOGCONFIG(TAG, "  Token: " LOG_SECRET("'%s'"), this->token_);
  for (auto *trigger : this->triggers_)
    ESP_LOGCONFIG(TAG, "  on_message: %s", trigger->get_subject());
}

size_t NatsClient::subject_(char *buf, const char *fmt, const char *a, const char *b) {
  int n = std::snprintf(buf, MAX_SUBJECT_LEN + 1, fmt, this->prefix_, a, b);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

void NatsClient::set_state_(State state) {
  this->state_ = state;
  this->state_since_ms_ = millis();
}

void NatsClient::loop() {
  switch (this->state_) {
    case State::IDLE:
      if (this->shutting_down_ || this->servers_.empty() || !network::is_connected() ||
          static_cast<int32_t>(millis() - this->next_attempt_ms_) < 0)
        return;
      this->set_state_(State::RESOLVING);
      [[fallthrough]];
    case State::RESOLVING:
    case State::CONNECTING:
      this->start_connect_();
      return;
    default:
      break;
  }
  this->read_();
  if (this->state_ == State::IDLE)
    return;
  this->timers_();
  if (this->state_ == State::CONNECTED)
    this->publish_states_();
  this->flush_();
}

void NatsClient::start_connect_() {
  const Server &server = this->servers_[this->server_index_];
  if (this->state_ == State::RESOLVING) {
    if (this->resolve_.consume_failure()) {
      this->fail_("DNS lookup failed");
      return;
    }
    this->resolve_.start(server.host, server.port, TAG);
    if (!this->resolve_.ready()) {
      if (millis() - this->state_since_ms_ > CONNECT_TIMEOUT_MS)
        this->fail_("DNS lookup timed out");
      return;
    }
    struct sockaddr_storage dest;
    socklen_t dest_len =
        this->resolve_.to_sockaddr(reinterpret_cast<struct sockaddr *>(&dest), sizeof(dest), server.port);
    this->sock_ = socket::socket_loop_monitored(dest.ss_family, SOCK_STREAM, IPPROTO_TCP);
    if (this->sock_ == nullptr || dest_len == 0) {
      this->fail_("cannot create socket", errno);
      return;
    }
    this->sock_->setblocking(false);
    int yes = 1;
    this->sock_->setsockopt(IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    if (this->sock_->connect(reinterpret_cast<struct sockaddr *>(&dest), dest_len) != 0 && errno != EINPROGRESS) {
      this->fail_("connect failed", errno);
      return;
    }
    this->set_state_(State::CONNECTING);
  }
  int err = 0;
  switch (socket::poll_connect(*this->sock_, err)) {
    case socket::ConnectPollResult::CONNECT_POLL_RESULT_PENDING:
      if (millis() - this->state_since_ms_ > CONNECT_TIMEOUT_MS)
        this->fail_("connect timed out");
      return;
    case socket::ConnectPollResult::CONNECT_POLL_RESULT_ERROR:
      this->fail_("connect failed", err);
      return;
    default:
      break;
  }
  ESP_LOGD(TAG, "TCP connected to %s:%u", server.host, server.port);
  this->parser_.reset();
  this->tx_len_ = 0;
  this->set_state_(State::WAIT_INFO);
}

void NatsClient::fail_(const char *why, int err) {
  const Server &server = this->servers_[this->server_index_];
  if (this->state_ == State::CONNECTED) {
    ESP_LOGW(TAG, "Disconnected from %s:%u: %s (%d)", server.host, server.port, why, err);
  } else if (!this->logged_unreachable_) {
    ESP_LOGW(TAG, "Cannot connect to %s:%u: %s (%d)", server.host, server.port, why, err);
  } else {
    ESP_LOGD(TAG, "Cannot connect to %s:%u: %s (%d)", server.host, server.port, why, err);
  }
  // Log the first failure of a series loudly, the retries quietly.
  this->logged_unreachable_ = this->state_ != State::CONNECTED;
  if (this->sock_ != nullptr) {
    this->sock_->close();
    this->sock_.reset();
  }
  this->resolve_.forget();
  this->tx_len_ = 0;
  this->server_index_ = (this->server_index_ + 1) % this->servers_.size();
  this->next_attempt_ms_ = millis() + this->backoff_ms_;
  this->backoff_ms_ = std::min(this->backoff_ms_ * 2, this->reconnect_max_ms_);
  this->set_state_(State::IDLE);
  this->status_set_warning();
}

void NatsClient::read_() {
  uint8_t chunk[READ_CHUNK];
  for (uint8_t reads = 0; reads < MAX_READS_PER_LOOP && this->sock_ != nullptr; reads++) {
    ssize_t n = this->sock_->read(chunk, sizeof(chunk));
    if (n == 0) {
      this->fail_("connection closed by server");
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        this->fail_("read failed", errno);
      return;
    }
    if (!this->parser_.feed(chunk, static_cast<size_t>(n), *this)) {
      this->fail_(this->parser_.error());
      return;
    }
  }
}

void NatsClient::flush_() {
  if (this->sock_ == nullptr || this->tx_len_ == 0)
    return;
  ssize_t sent = this->sock_->write(this->tx_buf_.get(), this->tx_len_);
  if (sent < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      this->fail_("write failed", errno);
    return;
  }
  this->tx_len_ -= static_cast<size_t>(sent);
  if (this->tx_len_ != 0)
    std::memmove(this->tx_buf_.get(), this->tx_buf_.get() + sent, this->tx_len_);
}

bool NatsClient::make_room_(size_t len) {
  if (this->tx_cap_ - this->tx_len_ < len)
    this->flush_();
  return this->sock_ != nullptr && this->tx_cap_ - this->tx_len_ >= len;
}

bool NatsClient::write_raw_(const char *data, size_t len) {
  if (this->sock_ == nullptr || this->tx_cap_ - this->tx_len_ < len)
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
    ESP_LOGW(TAG, "Not publishing to invalid subject '%s'", subject);
    return false;
  }
  if (len > this->max_payload_) {
    ESP_LOGW(TAG, "Payload for %s too large: %u > %" PRIu32, subject, static_cast<unsigned>(len), this->max_payload_);
    return false;
  }
  char header[PUB_HEADER_MAX];
  int n = std::snprintf(header, sizeof(header), "PUB %s %u\r\n", subject, static_cast<unsigned>(len));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(header))
    return false;
  if (!this->make_room_(static_cast<size_t>(n) + len + 2))
    return false;
  this->write_raw_(header, n);
  this->write_raw_(payload, len);
  this->write_raw_("\r\n", 2);
  return true;
}

bool NatsClient::publish_json_fill_(const char *subject, const JsonFill &fill) {
  const size_t subject_len = std::strlen(subject);
  if (subject_len > MAX_SUBJECT_LEN)
    return false;
  // Reserve the largest header, write the payload behind it, then close the
  // gap once the size is known.
  const size_t reserve = 4 + subject_len + 1 + 10 + 2;
  // Second attempt after sending what is queued, if the payload did not fit.
  for (int attempt = 0; attempt < 2; attempt++) {
    if (attempt == 1)
      this->flush_();
    if (this->sock_ == nullptr)
      return false;
    if (this->tx_cap_ < this->tx_len_ + reserve + 2)
      continue;
    char *start = this->tx_buf_.get() + this->tx_len_;
    size_t room = this->tx_cap_ - this->tx_len_ - reserve - 2;
    if (room > this->max_payload_)
      room = this->max_payload_;
    JsonWriter w(start + reserve, room);
    fill.write(w);
    if (w.overflow()) {
      if (w.size() > this->max_payload_) {
        ESP_LOGE(TAG, "Payload for %s needs %u bytes; raise max_payload_size (%" PRIu32 ")", subject,
                 static_cast<unsigned>(w.size()), this->max_payload_);
        return false;
      }
      continue;
    }
    char header[PUB_HEADER_MAX];
    int n = std::snprintf(header, sizeof(header), "PUB %s %u\r\n", subject, static_cast<unsigned>(w.size()));
    std::memcpy(start, header, n);
    std::memmove(start + n, start + reserve, w.size());
    std::memcpy(start + n + w.size(), "\r\n", 2);
    this->tx_len_ += n + w.size() + 2;
    return true;
  }
  return false;
}

void NatsClient::on_info(const char *json, size_t len, bool truncated) {
  if (this->state_ != State::WAIT_INFO || this->sock_ == nullptr)
    return;  // Later INFOs only announce cluster changes.
  if (!truncated) {
    JsonValue root;
    if (json_parse_object(json, len, root)) {
      JsonIterator it(root);
      JsonValue key, value;
      while (it.next_member(key, value)) {
        if (key.equals("tls_required") && value.type == JsonType::BOOL && value.boolean) {
          ESP_LOGE(TAG, "Server requires TLS, which this component does not support");
        }
      }
    }
  }
  char connect[512];
  JsonWriter w(connect, sizeof(connect));
  w.begin_object();
  w.key("verbose");
  w.value(false);
  w.key("pedantic");
  w.value(false);
  w.key("headers");
  w.value(true);
  w.key("no_responders");
  w.value(true);
  w.key("protocol");
  w.value(1);
  w.key("lang");
  w.value("esphome");
  w.key("version");
  w.value(ESPHOME_VERSION);
  w.key("name");
  w.value(this->device_id_);
  if (this->username_ != nullptr) {
    w.key("user");
    w.value(this->username_);
    w.key("pass");
    w.value(this->password_ != nullptr ? this->password_ : "");
  }
  if (this->token_ != nullptr) {
    w.key("auth_token");
    w.value(this->token_);
  }
  w.end_object();
  if (w.overflow()) {
    this->fail_("credentials too long for CONNECT");
    return;
  }
  this->write_raw_("CONNECT ", 8);
  this->write_raw_(connect, w.size());
  // The PONG to this PING confirms that the server accepted CONNECT.
  this->write_raw_("\r\nPING\r\n", 8);
  this->set_state_(State::WAIT_PONG);
}

void NatsClient::on_ping() {
  if (this->make_room_(6))
    this->write_raw_("PONG\r\n", 6);
}

void NatsClient::on_pong() {
  if (this->state_ == State::WAIT_PONG) {
    this->on_connected_();
    return;
  }
  this->pings_outstanding_ = 0;
}

void NatsClient::on_err(const char *text, size_t len) {
  ESP_LOGW(TAG, "Server error: %.*s", static_cast<int>(len), text);
  // The server closes the connection after fatal errors (authorization,
  // parser errors); the read that sees it takes the normal failure path.
}

void NatsClient::on_connected_() {
  const Server &server = this->servers_[this->server_index_];
  ESP_LOGI(TAG, "Connected to %s:%u as %s", server.host, server.port, this->device_id_);
  this->set_state_(State::CONNECTED);
  this->status_clear_warning();
  this->logged_unreachable_ = false;
  this->backoff_ms_ = this->reconnect_min_ms_;
  this->pings_outstanding_ = 0;
  this->last_ping_ms_ = millis();

  char line[MAX_SUBJECT_LEN + 32];
  char subject[MAX_SUBJECT_LEN + 1];
  this->subject_(subject, "%s.devices.%s.*.*.command", this->device_id_);
  int n = std::snprintf(line, sizeof(line), "SUB %s %" PRIu32 "\r\n", subject, SID_COMMANDS);
  this->write_raw_(line, n);
  if (this->discovery_) {
    this->subject_(subject, "%s.discovery.request");
    n = std::snprintf(line, sizeof(line), "SUB %s %" PRIu32 "\r\n", subject, SID_DISCOVERY);
    this->write_raw_(line, n);
    this->subject_(subject, "%s.ha.status");
    n = std::snprintf(line, sizeof(line), "SUB %s %" PRIu32 "\r\n", subject, SID_HA_STATUS);
    this->write_raw_(line, n);
  }
  for (size_t i = 0; i < this->triggers_.size(); i++) {
    n = std::snprintf(line, sizeof(line), "SUB %s %u\r\n", this->triggers_[i]->get_subject(),
                      static_cast<unsigned>(SID_TRIGGERS + i));
    if (n > 0 && static_cast<size_t>(n) < sizeof(line))
      this->write_raw_(line, n);
  }
  this->announce_pending_ = this->discovery_;
  this->announce_at_ms_ = millis();
  this->announce_reply_pending_ = false;
  this->heartbeat_(true);
  this->last_heartbeat_ms_ = millis();
  if (!this->discovery_)
    this->entities_.mark_all_dirty();
}

void NatsClient::timers_() {
  const uint32_t now = millis();
  switch (this->state_) {
    case State::WAIT_INFO:
    case State::WAIT_PONG:
      if (now - this->state_since_ms_ > HANDSHAKE_TIMEOUT_MS)
        this->fail_(this->state_ == State::WAIT_INFO ? "no INFO from server" : "CONNECT not answered");
      return;
    case State::CONNECTED:
      break;
    default:
      return;
  }
  if (now - this->last_ping_ms_ >= this->keepalive_ms_) {
    if (this->pings_outstanding_ >= MAX_PINGS_OUTSTANDING) {
      this->fail_("server stopped answering PING");
      return;
    }
    if (this->make_room_(6) && this->write_raw_("PING\r\n", 6)) {
      this->pings_outstanding_++;
      this->last_ping_ms_ = now;
    }
  }
  if (now - this->last_heartbeat_ms_ >= this->heartbeat_interval_ms_ && this->heartbeat_(true))
    this->last_heartbeat_ms_ = now;
  if (this->announce_pending_ && static_cast<int32_t>(now - this->announce_at_ms_) >= 0) {
    // The reply goes first: the requester is waiting for it.
    if (this->announce_reply_pending_) {
      if (!this->announce_(this->announce_reply_))
        return;
      this->announce_reply_pending_ = false;
    }
    if (this->announce_(this->announce_subject_)) {
      this->announce_pending_ = false;
      this->entities_.mark_all_dirty();
    }
  }
}

void NatsClient::on_shutdown() {
  if (this->state_ != State::CONNECTED)
    return;
  this->shutting_down_ = true;
  this->heartbeat_(false);
  // Shutdown does not return to loop(): push the goodbye out now. A few
  // non-blocking attempts, no waiting.
  for (int i = 0; i < 8 && this->tx_len_ != 0 && this->sock_ != nullptr; i++)
    this->flush_();
}

bool NatsClient::teardown() {
  if (this->sock_ == nullptr)
    return true;
  this->flush_();
  if (this->sock_ != nullptr && this->tx_len_ != 0)
    return false;
  if (this->sock_ != nullptr) {
    this->sock_->close();
    this->sock_.reset();
  }
  this->set_state_(State::IDLE);
  return true;
}

}  // namespace esphome::nats

#endif  // USE_NATS
