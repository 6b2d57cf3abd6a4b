// Getting and keeping a connection: resolve, TCP connect, the INFO/CONNECT
// handshake (with TLS between the two when configured), subscriptions,
// reading, and the jittered back-off after a failure.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/core/hal.h"
#include "esphome/core/helpers.h"
#include "esphome/core/log.h"
#include "esphome/core/version.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "nats_backoff.h"

namespace esphome::nats {

static const char *const TAG = "nats";

// Milliseconds a server may take for each connection step before we give up on it.
static constexpr uint32_t CONNECT_TIMEOUT_MS = 10000;
static constexpr size_t READ_CHUNK = 256;
// Reads per loop(): bounds the time one loop spends on a flood. The rest is
// read on the next loop (the client reads every loop, not only on ready()).
static constexpr uint8_t MAX_READS_PER_LOOP = 32;

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
    ESP_LOGW(TAG, "[%s] Disconnected from %s:%u: %s (%d)", this->device_id_, server.host, server.port, why, err);
  } else if (!this->logged_unreachable_) {
    ESP_LOGW(TAG, "[%s] Cannot connect to %s:%u: %s (%d)", this->device_id_, server.host, server.port, why, err);
  } else {
    ESP_LOGD(TAG, "[%s] Cannot connect to %s:%u: %s (%d)", this->device_id_, server.host, server.port, why, err);
  }
  // Log the first failure of a series loudly, the retries quietly.
  this->logged_unreachable_ = this->state_ != State::CONNECTED;
  this->close_socket_();
  this->resolve_.forget();
  this->tx_len_ = 0;
  this->end_announcement_();
  this->server_index_ = (this->server_index_ + 1) % this->servers_.size();
  // Every device of a home loses the connection at the same instant when
  // the server restarts; jitter keeps them from all coming back together.
  const uint32_t wait = jittered_backoff(this->backoff_ms_, random_uint32());
  ESP_LOGD(TAG, "[%s] Next attempt in %" PRIu32 " ms", this->device_id_, wait);
  this->next_attempt_ms_ = millis() + wait;
  this->backoff_ms_ = next_backoff(this->backoff_ms_, this->reconnect_max_ms_);
  this->set_state_(State::IDLE);
  this->status_set_warning();
}

void NatsClient::read_() {
  uint8_t chunk[READ_CHUNK];
  // INFO may start the TLS handshake: what follows it is read through TLS.
  for (uint8_t reads = 0; reads < MAX_READS_PER_LOOP && this->sock_ != nullptr && this->state_ != State::TLS_HANDSHAKE;
       reads++) {
    ssize_t n = this->transport_read_(chunk, sizeof(chunk));
    if (n == 0) {
      this->fail_("connection closed by server");
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
#ifdef USE_NATS_TLS
        if (this->tls_.active()) {
          this->fail_(this->tls_.error(), errno);
          return;
        }
#endif
        this->fail_("read failed", errno);
      }
      return;
    }
    if (!this->parser_.feed(chunk, static_cast<size_t>(n), *this)) {
      this->fail_(this->parser_.error());
      return;
    }
  }
}

void NatsClient::on_info(const char *json, size_t len, bool truncated) {
  if (this->state_ != State::WAIT_INFO || this->sock_ == nullptr)
    return;  // Later INFOs only announce cluster changes.
  bool tls_required = false;
  // Unread, TLS is assumed on offer: a plain server then fails the handshake.
  bool tls_offered = truncated;
  if (!truncated) {
    JsonValue root;
    if (json_parse_object(json, len, root)) {
      JsonIterator it(root);
      JsonValue key, value;
      while (it.next_member(key, value)) {
        this->read_info_auth_(key, value);
        const bool yes = value.type == JsonType::BOOL && value.boolean;
        if (key.equals("tls_required")) {
          tls_required = yes;
        } else if (key.equals("tls_available")) {
          tls_offered = yes;  // allow_non_tls: TLS offered, not required
        }
      }
    }
  }
  if (this->plain_connect_(tls_required, tls_offered || tls_required))
    this->send_connect_();
}

void NatsClient::send_connect_() {
  char sig[NKEY_SIGNATURE_B64_SIZE];
  this->sign_nonce_(sig, sizeof(sig));
  JsonWriter measure(nullptr, 0);
  this->write_connect_(measure, sig);
  // The PONG to this PING confirms that the server accepted CONNECT.
  if (!this->make_room_(8 + measure.size() + 8)) {
    this->fail_("CONNECT with these credentials does not fit the send buffer; raise tx_buffer_size");
    return;
  }
  // Straight into the send buffer: a JWT makes CONNECT too large for the stack.
  this->write_raw_("CONNECT ", 8);
  JsonWriter w(this->tx_buf_.get() + this->tx_len_, this->tx_free_());
  this->write_connect_(w, sig);
  this->tx_len_ += w.size();
  this->write_raw_("\r\nPING\r\n", 8);
  this->set_state_(State::WAIT_PONG);
}

void NatsClient::on_ping() {
  if (!this->make_room_(6) || !this->write_raw_("PONG\r\n", 6))
    ESP_LOGW(TAG, "[%s] No room to answer the server's PING", this->device_id_);
}

void NatsClient::on_pong() {
  if (this->state_ == State::WAIT_PONG) {
    this->on_connected_();
    return;
  }
  this->pings_outstanding_ = 0;
}

void NatsClient::on_err(const char *text, size_t len) {
  ESP_LOGW(TAG, "[%s] Server error: %.*s", this->device_id_, static_cast<int>(len), text);
  static constexpr char AUTH_VIOLATION[] = "Authorization Violation";
  for (size_t i = 0; i + sizeof(AUTH_VIOLATION) - 1 <= len; i++) {
    if (std::memcmp(text + i, AUTH_VIOLATION, sizeof(AUTH_VIOLATION) - 1) == 0) {
      const Server &server = this->servers_[this->server_index_];
      ESP_LOGE(TAG, "[%s] %s:%u refused this device's credentials (%s); check them against the server's users",
               this->device_id_, server.host, server.port, this->auth_kind_());
#ifdef USE_NATS_JWT
      if (this->state_ != State::CONNECTED)
        this->on_credentials_refused_();
#endif
      break;
    }
  }
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
  this->subs_queued_ = 0;
  this->subscribe_();
  this->announce_pending_ = this->discovery_;
  this->announce_at_ms_ = millis();
  this->announce_reply_pending_ = false;
  this->heartbeat_(true);
  this->last_heartbeat_ms_ = millis();
#ifdef USE_NATS_CONFIG_STORE
  this->config_connected_();
#endif
  if (!this->discovery_)
    this->entities_.mark_all_dirty();
#ifdef USE_EVENT
  // Events fired on the connection that failed would arrive late and out
  // of place: an event is never sent again, nor after the fact.
  this->events_.clear();
#endif
}

void NatsClient::subscription_(size_t i, char *subject, uint32_t &sid) {
  if (i == 0) {
    sid = SID_COMMANDS;
    this->subject_(subject, "%s.devices.%s.*.*.command", this->device_id_);
    return;
  }
  i--;
  if (this->discovery_) {
    if (i < 2) {
      sid = i == 0 ? SID_DISCOVERY : SID_HA_STATUS;
      this->subject_(subject, i == 0 ? "%s.discovery.request" : "%s.ha.status");
      return;
    }
    i -= 2;
  }
#ifdef USE_NATS_CONFIG_STORE
  // Changes first: the direct gets go out after both SUBs, so no change
  // made meanwhile is missed.
  if (i < CONFIG_SUBS) {
    sid = i == 0 ? SID_CONFIG_CHANGES : SID_CONFIG_REPLIES;
    const size_t n = i == 0 ? this->config_key_prefix_(subject) : this->config_inbox_(subject);
    if (n == 0 || n + (i == 0 ? 1 : 2) > MAX_SUBJECT_LEN) {
      subject[0] = '\0';
      return;
    }
    std::memcpy(subject + n, i == 0 ? "*" : ".*", i == 0 ? 2 : 3);
    return;
  }
  i -= CONFIG_SUBS;
#endif
  if (i < this->credential_subs_()) {
    sid = SID_CREDENTIALS;
    this->subject_(subject, "%s.devices.%s.credentials", this->device_id_);
    return;
  }
  i -= this->credential_subs_();
  sid = static_cast<uint32_t>(SID_TRIGGERS + i);
  std::snprintf(subject, MAX_SUBJECT_LEN + 1, "%s", this->triggers_[i]->get_subject());
}

void NatsClient::subscribe_() {
  while (this->subs_queued_ < this->subs_total_()) {
    char subject[MAX_SUBJECT_LEN + 1];
    uint32_t sid;
    this->subscription_(this->subs_queued_, subject, sid);
    char line[MAX_SUBJECT_LEN + 32];
    const int n = std::snprintf(line, sizeof(line), "SUB %s %" PRIu32 "\r\n", subject, sid);
    if (subject[0] == '\0' || n <= 0 || static_cast<size_t>(n) >= sizeof(line) ||
        static_cast<size_t>(n) > this->tx_cap_) {
      // Only a broken configuration gets here; without the subscription the
      // device would silently miss what it was set up to receive.
      ESP_LOGE(TAG, "[%s] Cannot subscribe to '%s'", this->device_id_, subject);
      this->mark_failed();
      return;
    }
    if (!this->make_room_(static_cast<size_t>(n)) || !this->write_raw_(line, static_cast<size_t>(n))) {
      ESP_LOGV(TAG, "[%s] SUB %s waits for room in the send buffer", this->device_id_, subject);
      return;  // the next loop tries again; a dead socket ends in fail_()
    }
    this->subs_queued_++;
  }
}

}  // namespace esphome::nats

#endif  // USE_NATS
