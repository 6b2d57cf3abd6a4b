#pragma once

// NATS NKeys (github.com/nats-io/nkeys): a user seed `SU...` is base32
// (RFC 4648, no padding) of two prefix bytes, the 32-byte Ed25519 seed and a
// CRC-16/XMODEM, little endian; a public key `U...` is one prefix byte, the
// 32-byte key and the CRC. The server's nonce is signed and sent as base64url
// without padding (the `sig` of CONNECT). Pure C++, no ESPHome dependency.

#include <cstddef>
#include <cstdint>

#include "nats_ed25519.h"

namespace esphome::nats {

static constexpr size_t NKEY_SEED_LEN = 58;        // characters of an encoded seed
static constexpr size_t NKEY_PUBLIC_KEY_LEN = 56;  // characters of an encoded public key
/// base64url of a 64-byte signature, unpadded, plus the terminator.
static constexpr size_t NKEY_SIGNATURE_B64_SIZE = 87;
/// The longest user JWT kept. Minted device JWTs are 500-1,100 characters
/// (more with long permission lists); the YAML check and the firmware use
/// this bound (MAX_JWT_LEN in __init__.py).
static constexpr size_t MAX_JWT_LEN = 2048;
/// The longest server nonce kept (nats-server sends 22 characters).
static constexpr size_t MAX_NONCE_LEN = 64;

uint16_t nkey_crc16(const uint8_t *data, size_t len);

/// Decodes a user seed (`SU...`) into its Ed25519 seed. False, with seed
/// zeroed, for anything else: wrong length, alphabet, checksum or kind.
bool nkey_decode_user_seed(const char *text, size_t len, uint8_t seed[ED25519_SEED_SIZE]);

/// Writes the user public key (`U...`, NKEY_PUBLIC_KEY_LEN characters and a
/// terminator) of an Ed25519 public key.
void nkey_encode_user_public_key(const uint8_t public_key[ED25519_PUBLIC_KEY_SIZE],
                                 char out[NKEY_PUBLIC_KEY_LEN + 1]);

/// A JWT's shape: three non-empty base64url parts joined by dots, at most
/// MAX_JWT_LEN characters (so it goes into JSON as it is).
bool is_valid_jwt_text(const char *text, size_t len);

/// base64url without padding (RFC 4648 section 5); out needs 4*ceil(len/3)+1
/// bytes. Returns the characters written (without the terminator).
size_t base64url_encode(const uint8_t *data, size_t len, char *out);

/// Decodes unpadded base64url (a JWT part) into out, which needs
/// len * 3 / 4 bytes. False for a foreign character or a length no encoding
/// has (len % 4 == 1); leftover bits are ignored, as Go's decoder does.
bool base64url_decode(const char *text, size_t len, uint8_t *out, size_t &out_len);

/// An NKey user: the seed decoded once, the public key derived once, then
/// one signature per connection.
class NkeyUser {
 public:
  /// False for a seed that is not a valid user seed.
  bool set_seed(const char *text, size_t len);
  bool valid() const { return this->valid_; }
  /// The `U...` public key (the CONNECT `nkey` field).
  const char *public_key() const { return this->public_text_; }
  /// Signs the server's nonce: base64url of the signature into out.
  void sign_nonce(const char *nonce, size_t len, char out[NKEY_SIGNATURE_B64_SIZE]) const;

 private:
  uint8_t seed_[ED25519_SEED_SIZE]{};
  uint8_t public_key_[ED25519_PUBLIC_KEY_SIZE]{};
  char public_text_[NKEY_PUBLIC_KEY_LEN + 1]{};
  bool valid_{false};
};

}  // namespace esphome::nats
