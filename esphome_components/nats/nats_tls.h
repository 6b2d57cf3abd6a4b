#pragma once

// One TLS client session over an ESPHome socket, with mbedTLS: the same code
// for ESP32 (ESP-IDF and Arduino, mbedTLS 3.x) and the host (Debian's 2.28).
//
// Non-blocking throughout: mbedTLS reads and writes the socket through the
// BIO callbacks, which turn "would block" into WANT_READ/WANT_WRITE, and the
// handshake advances step by step from the client's loop(). The record
// buffers are allocated once, in setup(); a new connection only resets the
// session.

#include "esphome/core/defines.h"

#ifdef USE_NATS_TLS

#include "esphome/components/socket/socket.h"

#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>

#if MBEDTLS_VERSION_MAJOR < 2 || MBEDTLS_VERSION_MAJOR > 3
#error "nats_tls supports mbedTLS 2.28 and 3.x (ESP-IDF 5, Debian bookworm)"
#endif

namespace esphome::nats {

class NatsTls {
 public:
  enum class Handshake : uint8_t { DONE, PENDING, FAILED };

  NatsTls();
  ~NatsTls();
  NatsTls(const NatsTls &) = delete;
  NatsTls &operator=(const NatsTls &) = delete;

  /// PEM text, kept by pointer: it must outlive the session (string literals
  /// from the YAML, or buffers of the host's environment).
  void set_certificate_authority(const char *pem) { this->ca_pem_ = pem; }
  void set_client_certificate(const char *cert_pem, const char *key_pem) {
    this->cert_pem_ = cert_pem;
    this->key_pem_ = key_pem;
  }
  void set_skip_cert_cn_check(bool skip) { this->skip_cn_check_ = skip; }
  bool configured() const { return this->ca_pem_ != nullptr; }
  bool has_client_certificate() const { return this->cert_pem_ != nullptr; }
  bool skips_cert_cn_check() const { return this->skip_cn_check_; }

  /// Parses the certificates and allocates the record buffers. False, with
  /// the reason logged, when a certificate or the key cannot be used.
  bool setup();
  /// Starts a session on a connected socket; host is the name (or IPv4
  /// address) the server's certificate must be issued for.
  bool begin(socket::Socket *sock, const char *host);
  /// Advances the handshake for at most about budget_ms of computation.
  Handshake handshake(uint32_t budget_ms);
  /// Like Socket::read: bytes read, 0 when the server closed, -1 with errno
  /// (EAGAIN when nothing is there yet; see error() otherwise).
  ssize_t read(uint8_t *buf, size_t len);
  /// Like Socket::write. Bytes once encrypted count as taken even if the
  /// socket has not taken all of them yet; flush() sends the rest.
  ssize_t write(const uint8_t *buf, size_t len);
  /// Sends what an earlier write left in the session. True when nothing is
  /// left; false when some still is (errno EAGAIN) or on failure.
  bool flush();
  bool pending() const { return this->pending_len_ != 0; }
  /// Ends the session (a close_notify, if the socket takes it at once).
  void end();
  bool active() const { return this->sock_ != nullptr; }
  /// Why the last handshake, read or write failed, for the log.
  const char *error() const { return this->error_; }

 protected:
  static int bio_send_(void *ctx, const unsigned char *buf, size_t len);
  static int bio_recv_(void *ctx, unsigned char *buf, size_t len);
  static int verify_(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);
  static int random_(void *ctx, unsigned char *out, size_t len);
  bool handshake_over_() const;
  /// Puts the reason for ret (an mbedTLS error) into error_.
  void describe_(int ret);
  bool fail_setup_(const char *what, int ret);

  mbedtls_ssl_context ssl_;
  mbedtls_ssl_config conf_;
  mbedtls_x509_crt ca_;
  mbedtls_x509_crt cert_;
  mbedtls_pk_context key_;
  const char *ca_pem_{nullptr};
  const char *cert_pem_{nullptr};
  const char *key_pem_{nullptr};
  bool skip_cn_check_{false};
  bool ready_{false};
  socket::Socket *sock_{nullptr};
  /// The IPv4 address the server was dialled at, when it was given as one:
  /// mbedTLS 2.28 matches names only, so verify_() checks IP address SANs.
  uint8_t host_ip_[4]{};
  bool host_is_ip_{false};
  /// Bytes of the last write still in the session's output buffer.
  size_t pending_len_{0};
  /// The socket's errno when a BIO call failed, for error().
  int sock_errno_{0};
  char error_[160]{};
};

}  // namespace esphome::nats

#endif  // USE_NATS_TLS
