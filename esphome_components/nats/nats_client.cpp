// The client's lifecycle: setup, the loop that drives connection, reading,
// timers and sending, and a clean goodbye at shutdown.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/components/network/util.h"
#include "esphome/core/hal.h"
#include "esphome/core/log.h"

#include <cinttypes>
#include <cstdio>

namespace esphome::nats {

static const char *const TAG = "nats";

// Unanswered keepalive PINGs before the connection counts as dead.
static constexpr uint8_t MAX_PINGS_OUTSTANDING = 2;
static constexpr uint32_t HANDSHAKE_TIMEOUT_MS = 5000;
// Room for a MSG control line ahead of the payload in the receive buffer.
static constexpr size_t RX_LINE_RESERVE = 512;

void NatsClient::setup() {
#ifdef USE_HOST
  this->apply_environment_();
#endif
  if (!this->setup_auth_()) {
    this->mark_failed();
    return;
  }
#ifdef USE_NATS_TLS
  // Certificates are parsed and the record buffers allocated once, here.
  if (!this->tls_.setup()) {
    this->mark_failed();
    return;
  }
#endif
  this->boot_ms_ = millis_64();
  this->rx_buf_.reset(new char[this->rx_size_ + RX_LINE_RESERVE]);  // NOLINT
  this->tx_buf_.reset(new char[this->tx_cap_]);                      // NOLINT
  this->parser_.set_buffer(this->rx_buf_.get(), this->rx_size_ + RX_LINE_RESERVE);
  this->entities_.collect();
#ifdef USE_NATS_CONFIG_STORE
  this->default_heartbeat_ms_ = this->heartbeat_interval_ms_;
  std::snprintf(this->name_, sizeof(this->name_), "%s", this->device_name_);
  this->inbox_nonce_ = random_uint32();
  this->snapshot_announced_();
#endif
  // Fixed subjects: without them the device could only publish on wrong ones.
  if (this->subject_(this->announce_subject_, "%s.discovery.announce.%s", this->device_id_) == 0 ||
      this->subject_(this->status_subject_, "%s.devices.%s.status", this->device_id_) == 0) {
    this->mark_failed();
    return;
  }
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
                "  Receive buffer: %" PRIu32 " bytes\n"
                "  Send buffer: %u bytes\n"
                "  Entities: %u",
                this->device_id_, this->prefix_, this->heartbeat_interval_ms_ / 1000, YESNO(this->discovery_),
                this->rx_size_, static_cast<unsigned>(this->tx_cap_), static_cast<unsigned>(this->entities_.size()));
  for (const auto &server : this->servers_)
    ESP_LOGCONFIG(TAG, "  Server: %s:%u", server.host, server.port);
  this->log_auth_config_();
#ifdef USE_NATS_TLS
  if (this->tls_.configured()) {
    ESP_LOGCONFIG(TAG, "  TLS: yes (client certificate: %s, skip_cert_cn_check: %s)",
                  YESNO(this->tls_.has_client_certificate()), YESNO(this->tls_.skips_cert_cn_check()));
  }
#endif
  for (auto *trigger : this->triggers_)
    ESP_LOGCONFIG(TAG, "  on_message: %s", trigger->get_subject());
#ifdef USE_NATS_CONFIG_STORE
  char bucket[MAX_BUCKET_LEN + 1];
  config_bucket_name(this->prefix_, bucket, sizeof(bucket));
  ESP_LOGCONFIG(TAG, "  Configuration store: bucket %s (heartbeat_interval, name)", bucket);
#endif
}

size_t NatsClient::subject_(char *buf, const char *fmt, const char *a, const char *b, const char *c) {
  const int n = std::snprintf(buf, MAX_SUBJECT_LEN + 1, fmt, this->prefix_, a, b, c);
  if (n > 0 && static_cast<size_t>(n) <= MAX_SUBJECT_LEN)
    return static_cast<size_t>(n);
  // The code generator bounds the prefix so that this cannot happen; a cut
  // subject would address other subjects, so it is not used at all.
  ESP_LOGE(TAG, "[%s] Subject %s... is longer than %u characters; not using it", this->device_id_, buf,
           static_cast<unsigned>(MAX_SUBJECT_LEN));
  buf[0] = '\0';
  return 0;
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
#ifdef USE_NATS_TLS
    case State::TLS_HANDSHAKE:
      this->tls_handshake_();
      if (this->state_ != State::WAIT_PONG)
        return;
      break;  // CONNECT is queued: read and send as usual
#endif
    default:
      break;
  }
  this->read_();
  if (this->state_ == State::IDLE)
    return;
  this->timers_();
  if (this->state_ == State::CONNECTED) {
    this->subscribe_();
#ifdef USE_NATS_CONFIG_STORE
    this->config_loop_();
#endif
    this->announce_when_due_();
    this->publish_states_();
#ifdef USE_EVENT
    this->publish_events_();
#endif
  }
  this->flush_();
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
    // A PING that cannot even be queued counts as unanswered: a server that
    // takes none of our bytes is as dead as one that does not answer.
    if (this->make_room_(6))
      this->write_raw_("PING\r\n", 6);
    this->pings_outstanding_++;
    this->last_ping_ms_ = now;
  }
  // A PING queued behind a stuck announcement never reaches the server.
  if (this->stream_.active && now - this->stream_.progress_ms > this->keepalive_ms_ * MAX_PINGS_OUTSTANDING) {
    this->fail_("the server stopped taking the announcement");
    return;
  }
  if (now - this->last_heartbeat_ms_ >= this->heartbeat_interval_ms_ && this->heartbeat_(true))
    this->last_heartbeat_ms_ = now;
}

void NatsClient::on_shutdown() {
  if (this->state_ != State::CONNECTED)
    return;
  this->shutting_down_ = true;
  this->heartbeat_(false);
  // Shutdown does not return to loop(): push the goodbye out now (behind an
  // announcement still streaming). Non-blocking attempts, no waiting.
  for (int i = 0; i < 64 && (this->tx_len_ != 0 || this->stream_.active || this->transport_pending_()) &&
                  this->sock_ != nullptr;
       i++)
    this->flush_();
}

bool NatsClient::teardown() {
  if (this->sock_ == nullptr)
    return true;
  this->flush_();
  if (this->sock_ != nullptr && (this->tx_len_ != 0 || this->stream_.active || this->transport_pending_()))
    return false;
  this->close_socket_();
  this->set_state_(State::IDLE);
  return true;
}

}  // namespace esphome::nats

#endif  // USE_NATS
