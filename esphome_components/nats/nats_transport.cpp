// The bytes' way to and from the server: the plain socket, or a TLS session
// over it (nats_tls.h), and the choice between them when INFO arrives.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/core/hal.h"
#include "esphome/core/log.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>

namespace esphome::nats {

static const char *const TAG = "nats";

#ifdef USE_NATS_TLS
// Milliseconds the TLS handshake may take, as each connection step may.
static constexpr uint32_t TLS_HANDSHAKE_TIMEOUT_MS = 10000;
// Computation one loop() may spend on the TLS handshake before it yields;
// a single public-key step may take longer on an ESP32, but only one runs.
static constexpr uint32_t TLS_STEP_BUDGET_MS = 10;
#endif

void NatsClient::close_socket_() {
#ifdef USE_NATS_TLS
  this->tls_.end();
#endif
  if (this->sock_ != nullptr) {
    this->sock_->close();
    this->sock_.reset();
  }
}

ssize_t NatsClient::transport_read_(uint8_t *buf, size_t len) {
#ifdef USE_NATS_TLS
  if (this->tls_.active())
    return this->tls_.read(buf, len);
#endif
  return this->sock_->read(buf, len);
}

ssize_t NatsClient::transport_write_(const void *buf, size_t len) {
#ifdef USE_NATS_TLS
  if (this->tls_.active())
    return this->tls_.write(static_cast<const uint8_t *>(buf), len);
#endif
  return this->sock_->write(buf, len);
}

bool NatsClient::transport_flush_() {
#ifdef USE_NATS_TLS
  if (this->tls_.active() && !this->tls_.flush()) {
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      this->fail_(this->tls_.error(), errno);
    return false;
  }
#endif
  return true;
}

bool NatsClient::transport_pending_() const {
#ifdef USE_NATS_TLS
  return this->tls_.active() && this->tls_.pending();
#else
  return false;
#endif
}

bool NatsClient::plain_connect_(bool tls_required, bool tls_offered) {
  const Server &server = this->servers_[this->server_index_];
#ifdef USE_NATS_TLS
  if (this->tls_.configured()) {
    if (!tls_offered) {
      // Never fall back to plain text: credentials and commands would travel unprotected.
      this->fail_("TLS is configured (certificate_authority) but the server does not offer TLS");
      return false;
    }
    if (!this->tls_.begin(this->sock_.get(), server.host)) {
      this->fail_(this->tls_.error());
      return false;
    }
    this->set_state_(State::TLS_HANDSHAKE);
    return false;
  }
  if (tls_required) {
    this->fail_("the server requires TLS; set certificate_authority: in the nats: block");
    return false;
  }
#else
  if (tls_required) {
    this->fail_("the server requires TLS, which this device's platform does not support");
    return false;
  }
#endif
  return true;
}

#ifdef USE_NATS_TLS
void NatsClient::tls_handshake_() {
  switch (this->tls_.handshake(TLS_STEP_BUDGET_MS)) {
    case NatsTls::Handshake::DONE:
      ESP_LOGD(TAG, "[%s] TLS handshake done in %" PRIu32 " ms", this->device_id_, millis() - this->state_since_ms_);
      this->send_connect_();
      return;
    case NatsTls::Handshake::FAILED: {
      char why[200];
      std::snprintf(why, sizeof(why), "TLS handshake failed: %s", this->tls_.error());
      this->fail_(why);
      return;
    }
    case NatsTls::Handshake::PENDING:
      if (millis() - this->state_since_ms_ > TLS_HANDSHAKE_TIMEOUT_MS)
        this->fail_("TLS handshake timed out");
      return;
  }
}
#endif

}  // namespace esphome::nats

#endif  // USE_NATS
