#pragma once

// Ed25519 signing (RFC 8032) for NKey authentication: SHA-512, arithmetic
// mod 2^255-19, scalar multiplication of the base point and the signature.
// Only what signing needs (no verification, no point decoding), self-contained
// so that it builds alike for host, ESP32 and ESP8266 without mbedTLS or
// libsodium. Pure C++ with no ESPHome dependency: the unit tests build it alone.
//
// Secret-dependent work runs in constant time: the scalar multiplication
// walks all 256 bits with a conditional swap (no branch or index on a secret
// bit), and the field and scalar arithmetic has no data-dependent branches.

#include <cstddef>
#include <cstdint>

namespace esphome::nats {

/// SHA-512 (FIPS 180-4), streaming, so a message is hashed where it lies.
class Sha512 {
 public:
  static constexpr size_t DIGEST_SIZE = 64;
  Sha512() { this->reset(); }
  void reset();
  void update(const uint8_t *data, size_t len);
  void finish(uint8_t digest[DIGEST_SIZE]);

 private:
  void block_(const uint8_t *block);
  uint64_t h_[8];
  uint8_t buf_[128];
  size_t buf_len_;
  uint64_t total_len_;  // bytes; messages here are far below 2^61 bytes
};

void sha512(const uint8_t *data, size_t len, uint8_t digest[Sha512::DIGEST_SIZE]);

static constexpr size_t ED25519_SEED_SIZE = 32;
static constexpr size_t ED25519_PUBLIC_KEY_SIZE = 32;
static constexpr size_t ED25519_SIGNATURE_SIZE = 64;

/// The public key of a 32-byte private key (the seed), RFC 8032 section 5.1.5.
void ed25519_public_key(const uint8_t seed[ED25519_SEED_SIZE], uint8_t public_key[ED25519_PUBLIC_KEY_SIZE]);

/// Signs msg with the seed whose public key is given (RFC 8032 section 5.1.6).
void ed25519_sign(const uint8_t seed[ED25519_SEED_SIZE], const uint8_t public_key[ED25519_PUBLIC_KEY_SIZE],
                  const uint8_t *msg, size_t len, uint8_t signature[ED25519_SIGNATURE_SIZE]);

}  // namespace esphome::nats
