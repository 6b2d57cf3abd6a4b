// The TLS session of the NATS connection (nats_tls.h): certificates, the
// non-blocking handshake, encrypted reads and writes, and a reason in plain
// words for every failure.

#include "nats_tls.h"

#ifdef USE_NATS_TLS

#include "esphome/core/hal.h"
#include "esphome/core/helpers.h"
#include "esphome/core/log.h"

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

// The GeneralName tag of an iPAddress subject alternative name (RFC 5280).
static constexpr int SAN_IP_ADDRESS_TAG = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;

NatsTls::NatsTls() {
  mbedtls_ssl_init(&this->ssl_);
  mbedtls_ssl_config_init(&this->conf_);
  mbedtls_x509_crt_init(&this->ca_);
  mbedtls_x509_crt_init(&this->cert_);
  mbedtls_pk_init(&this->key_);
}

NatsTls::~NatsTls() {
  mbedtls_ssl_free(&this->ssl_);
  mbedtls_ssl_config_free(&this->conf_);
  mbedtls_x509_crt_free(&this->ca_);
  mbedtls_x509_crt_free(&this->cert_);
  mbedtls_pk_free(&this->key_);
}

// The platform's cryptographic RNG (ESP32: the hardware RNG; host:
// /dev/urandom); no DRBG context or entropy pool of our own to keep in RAM.
int NatsTls::random_(void * /*ctx*/, unsigned char *out, size_t len) {
  return random_bytes(out, len) ? 0 : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

bool NatsTls::fail_setup_(const char *what, int ret) {
  ESP_LOGE(TAG, "TLS: %s (mbedTLS -0x%04x)", what, static_cast<unsigned>(-ret));
  return false;
}

bool NatsTls::setup() {
  if (this->ready_ || this->ca_pem_ == nullptr)
    return true;
#if defined(MBEDTLS_PSA_CRYPTO_C)
  // mbedTLS 3 runs TLS 1.3 and its PSA-backed ciphers through PSA Crypto,
  // which must be initialised before any handshake; a second call is a no-op.
  if (psa_crypto_init() != PSA_SUCCESS)
    return fail_setup_("cannot initialise PSA Crypto", MBEDTLS_ERR_SSL_INTERNAL_ERROR);
#endif
  // PEM parsing wants the terminating NUL counted in the length.
  int ret = mbedtls_x509_crt_parse(&this->ca_, reinterpret_cast<const unsigned char *>(this->ca_pem_),
                                   std::strlen(this->ca_pem_) + 1);
  if (ret < 0 || this->ca_.version == 0)
    return fail_setup_("certificate_authority is not a PEM certificate", ret);
  if (this->cert_pem_ != nullptr) {
    ret = mbedtls_x509_crt_parse(&this->cert_, reinterpret_cast<const unsigned char *>(this->cert_pem_),
                                 std::strlen(this->cert_pem_) + 1);
    if (ret != 0)
      return fail_setup_("client_certificate is not a PEM certificate", ret);
    const auto *key = reinterpret_cast<const unsigned char *>(this->key_pem_);
    const size_t key_len = this->key_pem_ != nullptr ? std::strlen(this->key_pem_) + 1 : 0;
#if MBEDTLS_VERSION_MAJOR >= 3
    ret = mbedtls_pk_parse_key(&this->key_, key, key_len, nullptr, 0, random_, nullptr);
#else
    ret = mbedtls_pk_parse_key(&this->key_, key, key_len, nullptr, 0);
#endif
    if (ret != 0)
      return fail_setup_("client_certificate_key is not an unencrypted PEM private key", ret);
#if MBEDTLS_VERSION_MAJOR >= 3
    ret = mbedtls_pk_check_pair(&this->cert_.pk, &this->key_, random_, nullptr);
#else
    ret = mbedtls_pk_check_pair(&this->cert_.pk, &this->key_);
#endif
    if (ret != 0)
      return fail_setup_("client_certificate_key is not the key of client_certificate", ret);
  }
  ret = mbedtls_ssl_config_defaults(&this->conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0)
    return fail_setup_("cannot set up the TLS configuration", ret);
  mbedtls_ssl_conf_authmode(&this->conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&this->conf_, &this->ca_, nullptr);
  mbedtls_ssl_conf_rng(&this->conf_, random_, nullptr);
  mbedtls_ssl_conf_verify(&this->conf_, verify_, this);
  if (this->cert_pem_ != nullptr) {
    ret = mbedtls_ssl_conf_own_cert(&this->conf_, &this->cert_, &this->key_);
    if (ret != 0)
      return fail_setup_("cannot use client_certificate", ret);
  }
  // Allocates the record buffers, once: reconnects reuse them.
  ret = mbedtls_ssl_setup(&this->ssl_, &this->conf_);
  if (ret != 0)
    return fail_setup_("no memory for the TLS record buffers", ret);
  this->ready_ = true;
  return true;
}

// Dotted-quad IPv4 into out; false for anything else (a host name).
static bool parse_ipv4(const char *text, uint8_t out[4]) {
  for (int i = 0; i < 4; i++) {
    unsigned value = 0;
    int digits = 0;
    for (; *text >= '0' && *text <= '9' && digits < 4; text++, digits++)
      value = value * 10 + static_cast<unsigned>(*text - '0');
    if (digits == 0 || value > 255 || *text != (i == 3 ? '\0' : '.'))
      return false;
    out[i] = static_cast<uint8_t>(value);
    if (i < 3)
      text++;
  }
  return true;
}

bool NatsTls::begin(socket::Socket *sock, const char *host) {
  this->error_[0] = '\0';
  this->pending_len_ = 0;
  this->sock_errno_ = 0;
  int ret = mbedtls_ssl_session_reset(&this->ssl_);
  if (ret == 0)
    ret = mbedtls_ssl_set_hostname(&this->ssl_, host);
  if (ret != 0) {
    this->describe_(ret);
    return false;
  }
  this->host_is_ip_ = parse_ipv4(host, this->host_ip_);
  mbedtls_ssl_set_bio(&this->ssl_, this, bio_send_, bio_recv_, nullptr);
  this->sock_ = sock;
  return true;
}

int NatsTls::bio_send_(void *ctx, const unsigned char *buf, size_t len) {
  auto *self = static_cast<NatsTls *>(ctx);
  const ssize_t n = self->sock_->write(buf, len);
  if (n >= 0)
    return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  self->sock_errno_ = errno;
  return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

int NatsTls::bio_recv_(void *ctx, unsigned char *buf, size_t len) {
  auto *self = static_cast<NatsTls *>(ctx);
  const ssize_t n = self->sock_->read(buf, len);
  if (n >= 0)
    return static_cast<int>(n);  // 0: the server closed; mbedTLS reports CONN_EOF
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return MBEDTLS_ERR_SSL_WANT_READ;
  self->sock_errno_ = errno;
  return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

// Called for each certificate of the server's chain with what mbedTLS found
// wrong with it. The name check of the server's own certificate (depth 0) is
// decided here: skipped when so configured, and for an IPv4 address done
// against its iPAddress names, which mbedTLS 2.28 does not look at.
int NatsTls::verify_(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  auto *self = static_cast<NatsTls *>(ctx);
  if (depth != 0)
    return 0;
  if (self->skip_cn_check_) {
    *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
    return 0;
  }
  if (!self->host_is_ip_)
    return 0;
  bool match = false;
  for (const mbedtls_x509_sequence *san = &crt->subject_alt_names; san != nullptr && !match; san = san->next) {
    match = san->buf.tag == SAN_IP_ADDRESS_TAG && san->buf.len == 4 &&
            std::memcmp(san->buf.p, self->host_ip_, 4) == 0;
  }
  if (match) {
    *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
  } else {
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  return 0;
}

bool NatsTls::handshake_over_() const {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
  return mbedtls_ssl_is_handshake_over(const_cast<mbedtls_ssl_context *>(&this->ssl_)) != 0;
#else
  return this->ssl_.state == MBEDTLS_SSL_HANDSHAKE_OVER;
#endif
}

NatsTls::Handshake NatsTls::handshake(uint32_t budget_ms) {
  // One step at a time: each step holds at most one public-key operation
  // (about 0.1-0.3 s on an ESP32), so loop() is never held for the whole
  // handshake. Cheap steps run on until the budget is used up.
  const uint32_t start = millis();
  while (!this->handshake_over_()) {
    const int ret = mbedtls_ssl_handshake_step(&this->ssl_);
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
      return Handshake::PENDING;
    if (ret != 0) {
      this->describe_(ret);
      return Handshake::FAILED;
    }
    if (millis() - start >= budget_ms)
      return Handshake::PENDING;
  }
  return Handshake::DONE;
}

ssize_t NatsTls::read(uint8_t *buf, size_t len) {
  while (true) {
    const int ret = mbedtls_ssl_read(&this->ssl_, buf, len);
    if (ret > 0)
      return ret;
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
      return 0;
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
      errno = EAGAIN;
      return -1;
    }
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
    // TLS 1.3 servers send session tickets after the handshake: not data.
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
      continue;
#endif
    this->describe_(ret);
    errno = this->sock_errno_ != 0 ? this->sock_errno_ : EIO;
    return -1;
  }
}

bool NatsTls::flush() {
  if (this->pending_len_ == 0)
    return true;
  // mbedTLS wants the interrupted write repeated with the same length; its
  // record is already encrypted, so the bytes themselves are not read again.
  static const unsigned char UNUSED[1] = {0};
  const int ret = mbedtls_ssl_write(&this->ssl_, UNUSED, this->pending_len_);
  if (ret >= 0) {
    this->pending_len_ = 0;
    return true;
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
    errno = EAGAIN;
    return false;
  }
  this->describe_(ret);
  errno = this->sock_errno_ != 0 ? this->sock_errno_ : EIO;
  return false;
}

ssize_t NatsTls::write(const uint8_t *buf, size_t len) {
  if (!this->flush())
    return -1;
  // Never more than one record: the length of a write that must be repeated
  // is then exactly what was encrypted.
  const int max = mbedtls_ssl_get_max_out_record_payload(&this->ssl_);
  if (max > 0 && len > static_cast<size_t>(max))
    len = static_cast<size_t>(max);
  const int ret = mbedtls_ssl_write(&this->ssl_, buf, len);
  if (ret >= 0)
    return ret;
  if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
    // Encrypted, partly on the wire: taken. The caller may reuse its buffer.
    this->pending_len_ = len;
    return static_cast<ssize_t>(len);
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
    errno = EAGAIN;
    return -1;
  }
  this->describe_(ret);
  errno = this->sock_errno_ != 0 ? this->sock_errno_ : EIO;
  return -1;
}

void NatsTls::end() {
  if (this->sock_ != nullptr && this->handshake_over_() && this->pending_len_ == 0)
    mbedtls_ssl_close_notify(&this->ssl_);  // best effort: the socket closes next
  this->sock_ = nullptr;
  this->pending_len_ = 0;
}

void NatsTls::describe_(int ret) {
  const size_t cap = sizeof(this->error_);
  if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    const uint32_t flags = mbedtls_ssl_get_verify_result(&this->ssl_);
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
      std::snprintf(this->error_, cap, "the server's certificate is not signed by certificate_authority");
    } else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
      std::snprintf(this->error_, cap,
                    "the server's certificate is not issued for this host name or address "
                    "(skip_cert_cn_check: true accepts it)");
    } else if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
      std::snprintf(this->error_, cap, "the server's certificate has expired or is not valid yet");
    } else {
      std::snprintf(this->error_, cap, "the server's certificate was refused (verify flags 0x%x)",
                    static_cast<unsigned>(flags));
    }
    return;
  }
  const char *what;
  switch (ret) {
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
      what = "the server sent a TLS alert (does it require a client certificate, or not accept this one?)";
      break;
#if MBEDTLS_VERSION_MAJOR >= 3
    case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE:
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
#else
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
#endif
      what = "no TLS version or cipher suite in common with the server";
      break;
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
      what = "out of memory for TLS";
      break;
    default:
      what = this->sock_errno_ != 0 ? "socket error during TLS" : "TLS failed";
      break;
  }
  // A server that wants a client certificate and gets none (or one it does
  // not trust) sends an alert and hangs up; which of the two the device sees
  // first depends on timing.
  const bool hung_up = ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE || ret == MBEDTLS_ERR_SSL_CONN_EOF ||
                       this->sock_errno_ == ECONNRESET || this->sock_errno_ == EPIPE;
  if (hung_up && !this->handshake_over_())
    what = "the server ended the TLS handshake (does it require a client certificate, or not accept this one?)";
  std::snprintf(this->error_, cap, "%s (mbedTLS -0x%04x)", what, static_cast<unsigned>(-ret));
}

}  // namespace esphome::nats

#endif  // USE_NATS_TLS
