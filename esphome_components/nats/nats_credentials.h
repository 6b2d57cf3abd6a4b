#pragma once

// Renewed credentials (docs/protocol.md, "Credentials"): the controller sends
// `{"v":1,"jwt":"<user JWT>"}` on P.devices.<device>.credentials and the
// device keeps the JWT if it is a user JWT for the device's own key that fits
// and has not expired. Pure C++ (no ESPHome), shared with the unit tests and
// the fuzzer; nats_credentials_store.cpp keeps and uses what passes.
//
// The device does not verify the JWT's signature: it does not know its
// account's key, and the server refuses a badly signed JWT at connect, after
// which the device falls back to the JWT its firmware carries.

#include <cstddef>
#include <cstdint>

#include "nats_nkey.h"

namespace esphome::nats {

/// How a kept JWT is stored: in pieces, since the host's preferences take at
/// most 255 bytes a key (ESP32's NVS takes more, but one layout serves both).
static constexpr size_t KEPT_JWT_PIECE = 240;
static constexpr size_t KEPT_JWT_PIECES = (MAX_JWT_LEN + KEPT_JWT_PIECE - 1) / KEPT_JWT_PIECE;

/// Bytes check_user_jwt() decodes a JWT's claims into: three for every four
/// characters. The caller lends them (the firmware from the heap, for the
/// moment of a renewal: on an ESP8266's 4 KB stack they would not fit
/// beside the JSON reader).
static constexpr size_t JWT_CLAIMS_SCRATCH = MAX_JWT_LEN * 3 / 4;

/// A clock before this (2024-01-01) is not set: the expiry check is skipped.
static constexpr int64_t CREDENTIALS_CLOCK_VALID_FROM = 1704067200;

/// What the device needs of a user JWT's claims.
struct UserJwtClaims {
  /// Issued at (unix seconds): of two JWTs for the key, the later one is used.
  int64_t iat{0};
  /// Expires at (unix seconds); has_exp false for a JWT that never expires.
  bool has_exp{false};
  int64_t exp{0};
};

/// Checks that jwt (len characters) is a user JWT for public_key (`U...`),
/// at most MAX_JWT_LEN long, with an integer `iat`, and, when now is a set
/// clock (>= CREDENTIALS_CLOCK_VALID_FROM), not expired at now. Returns
/// nullptr with claims filled, or why not: a short text for a reply's
/// `error` and the log. scratch holds JWT_CLAIMS_SCRATCH bytes; nothing
/// allocates.
const char *check_user_jwt(const char *jwt, size_t len, const char *public_key, int64_t now, char *scratch,
                           UserJwtClaims &claims);

/// Reads a renewal request's payload and checks its JWT (check_user_jwt).
/// On success jwt/jwt_len point at the JWT inside payload: a JWT is base64url
/// and dots, which JSON never escapes, so it is checked where it lies and
/// needs no second buffer; an escaped one is refused.
const char *read_credentials_renewal(const char *payload, size_t len, const char *public_key, int64_t now,
                                     char *scratch, const char *&jwt, size_t &jwt_len, UserJwtClaims &claims);

/// Of a kept (renewed) JWT and the firmware's own, true when the kept one is
/// to be used: it was issued later. A tie goes to the firmware's JWT, the one
/// a person put there.
inline bool prefer_kept_jwt(int64_t kept_iat, int64_t firmware_iat) { return kept_iat > firmware_iat; }

}  // namespace esphome::nats
