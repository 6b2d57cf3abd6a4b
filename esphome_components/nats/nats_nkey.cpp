#include "nats_nkey.h"

#include <cstring>

namespace esphome::nats {

namespace {

constexpr char BASE32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
// nkeys' prefix bytes: the seed's first byte carries its own kind (18 << 3)
// and the top bits of the key kind, the second byte the rest; a user is 20 << 3.
constexpr uint8_t PREFIX_SEED = 18 << 3;
constexpr uint8_t PREFIX_USER = 20 << 3;
constexpr size_t SEED_RAW_LEN = 2 + ED25519_SEED_SIZE + 2;
constexpr size_t PUBLIC_RAW_LEN = 1 + ED25519_PUBLIC_KEY_SIZE + 2;

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

// Unpadded base32 of exactly out_len bytes; false on a foreign character or
// a length that does not match.
bool base32_decode(const char *text, size_t len, uint8_t *out, size_t out_len) {
  if (len != (out_len * 8 + 4) / 5)
    return false;
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    const int v = base32_value(text[i]);
    if (v < 0)
      return false;
    acc = (acc << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return n == out_len;
}

size_t base32_encode(const uint8_t *data, size_t len, char *out) {
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[n++] = BASE32[(acc >> bits) & 31];
    }
  }
  if (bits > 0)
    out[n++] = BASE32[(acc << (5 - bits)) & 31];
  out[n] = '\0';
  return n;
}

}  // namespace

uint16_t nkey_crc16(const uint8_t *data, size_t len) {
  // CRC-16/XMODEM: polynomial 0x1021, initial value 0, as nkeys' crc16.go.
  uint16_t crc = 0;
  for (size_t i = 0; i < len; i++) {
    crc ^= static_cast<uint16_t>(data[i]) << 8;
    for (int b = 0; b < 8; b++)
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
  }
  return crc;
}

bool nkey_decode_user_seed(const char *text, size_t len, uint8_t seed[ED25519_SEED_SIZE]) {
  uint8_t raw[SEED_RAW_LEN];
  bool ok = len == NKEY_SEED_LEN && base32_decode(text, len, raw, sizeof(raw));
  if (ok) {
    const uint16_t crc = nkey_crc16(raw, SEED_RAW_LEN - 2);
    ok = raw[SEED_RAW_LEN - 2] == (crc & 0xff) && raw[SEED_RAW_LEN - 1] == (crc >> 8) &&
         (raw[0] & 0xf8) == PREFIX_SEED &&
         static_cast<uint8_t>(((raw[0] & 7) << 5) | ((raw[1] & 0xf8) >> 3)) == PREFIX_USER;
  }
  if (ok) {
    std::memcpy(seed, raw + 2, ED25519_SEED_SIZE);
  } else {
    std::memset(seed, 0, ED25519_SEED_SIZE);
  }
  std::memset(raw, 0, sizeof(raw));
  return ok;
}

void nkey_encode_user_public_key(const uint8_t public_key[ED25519_PUBLIC_KEY_SIZE],
                                 char out[NKEY_PUBLIC_KEY_LEN + 1]) {
  uint8_t raw[PUBLIC_RAW_LEN];
  raw[0] = PREFIX_USER;
  std::memcpy(raw + 1, public_key, ED25519_PUBLIC_KEY_SIZE);
  const uint16_t crc = nkey_crc16(raw, PUBLIC_RAW_LEN - 2);
  raw[PUBLIC_RAW_LEN - 2] = static_cast<uint8_t>(crc & 0xff);
  raw[PUBLIC_RAW_LEN - 1] = static_cast<uint8_t>(crc >> 8);
  base32_encode(raw, sizeof(raw), out);
}

bool is_valid_jwt_text(const char *text, size_t len) {
  if (len == 0 || len > MAX_JWT_LEN)
    return false;
  size_t dots = 0, part = 0;
  for (size_t i = 0; i < len; i++) {
    const char c = text[i];
    if (c == '.') {
      if (part == 0)
        return false;
      dots++;
      part = 0;
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      part++;
    } else {
      return false;
    }
  }
  return dots == 2 && part > 0;
}

size_t base64url_encode(const uint8_t *data, size_t len, char *out) {
  static constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t n = 0;
  uint32_t acc = 0;
  unsigned bits = 0;
  for (size_t i = 0; i < len; i++) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out[n++] = ALPHABET[(acc >> bits) & 63];
    }
  }
  if (bits > 0)
    out[n++] = ALPHABET[(acc << (6 - bits)) & 63];
  out[n] = '\0';
  return n;
}

bool base64url_decode(const char *text, size_t len, uint8_t *out, size_t &out_len) {
  out_len = 0;
  if (len % 4 == 1)
    return false;
  uint32_t acc = 0;
  unsigned bits = 0;
  for (size_t i = 0; i < len; i++) {
    const char c = text[i];
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[out_len++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return true;
}

bool NkeyUser::set_seed(const char *text, size_t len) {
  this->valid_ = nkey_decode_user_seed(text, len, this->seed_);
  if (!this->valid_) {
    this->public_text_[0] = '\0';
    return false;
  }
  ed25519_public_key(this->seed_, this->public_key_);
  nkey_encode_user_public_key(this->public_key_, this->public_text_);
  return true;
}

void NkeyUser::sign_nonce(const char *nonce, size_t len, char out[NKEY_SIGNATURE_B64_SIZE]) const {
  uint8_t signature[ED25519_SIGNATURE_SIZE];
  ed25519_sign(this->seed_, this->public_key_, reinterpret_cast<const uint8_t *>(nonce), len, signature);
  base64url_encode(signature, sizeof(signature), out);
}

}  // namespace esphome::nats
