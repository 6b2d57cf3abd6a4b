// Renewed user JWTs on the device (docs/protocol.md, "Credentials"): the
// subscription's messages are checked (nats_credentials.cpp), kept, answered,
// and used from the next connect on. Kept in flash with ESPHome's preferences
// on ESP32 and host; on ESP8266 in RAM only (its flash preference area, 256
// bytes, 512 with restore_from_flash, holds no 1-2 KB JWT: docs/esphome.md).

#include "nats_client.h"

#if defined(USE_NATS) && defined(USE_NATS_JWT)

#include "esphome/core/helpers.h"
#include "esphome/core/log.h"
#include "esphome/core/preferences.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>

namespace esphome::nats {

static const char *const TAG = "nats";

namespace {

/// The kept JWT's pieces follow its header under consecutive keys.
struct KeptJwtHeader {
  uint32_t len;
  /// fnv1 of the text: pieces saved without their header (power lost
  /// mid-save) do not pass for a JWT.
  uint32_t hash;
  int64_t iat;
};

struct KeptJwtPiece {
  char text[KEPT_JWT_PIECE];
};

/// What check_user_jwt() decodes claims into, borrowed from the heap for the
/// moment of a check (at boot, and per renewal: every few weeks), so that
/// it does not sit on the stack beside the JSON reader's recursion.
std::unique_ptr<char[]> claims_scratch() { return std::unique_ptr<char[]>(new (std::nothrow) char[JWT_CLAIMS_SCRATCH]); }

/// The device's clock in unix seconds; check_user_jwt() skips the expiry
/// check while it is not set (before the time component's first sync).
int64_t wall_clock() { return static_cast<int64_t>(::time(nullptr)); }

/// "2026-11-30 07:35:00 UTC", or the seconds when they do not format.
const char *format_time(int64_t t, char (&out)[32]) {
  const time_t tt = static_cast<time_t>(t);
  struct tm parts {};
  if (gmtime_r(&tt, &parts) == nullptr || std::strftime(out, sizeof(out), "%Y-%m-%d %H:%M:%S UTC", &parts) == 0)
    std::snprintf(out, sizeof(out), "%" PRId64, t);
  return out;
}

}  // namespace

void NatsClient::setup_credentials_() {
  if (this->firmware_jwt_ == nullptr)
    return;
#ifndef USE_ESP8266
  const uint32_t key = fnv1_hash("nats_kept_jwt");
  this->kept_header_pref_ = global_preferences->make_preference<KeptJwtHeader>(key, true);
  for (size_t i = 0; i < KEPT_JWT_PIECES; i++)
    this->kept_piece_prefs_[i] = global_preferences->make_preference<KeptJwtPiece>(key + 1 + i, true);
#endif
  std::unique_ptr<char[]> scratch = claims_scratch();
  if (scratch == nullptr) {
    ESP_LOGE(TAG, "[%s] No memory to read the user JWTs; using the firmware's", this->device_id_);
    return;
  }
  // Issue times only: which of two JWTs is later does not depend on the clock.
  const char *error = check_user_jwt(this->firmware_jwt_, std::strlen(this->firmware_jwt_), this->nkey_.public_key(),
                                     0, scratch.get(), this->firmware_claims_);
  if (error != nullptr) {
    ESP_LOGW(TAG, "[%s] The firmware's user JWT: %s", this->device_id_, error);
    this->firmware_claims_ = UserJwtClaims{};
    this->firmware_claims_.iat = -1;
  }
#ifndef USE_ESP8266
  KeptJwtHeader header{};
  if (!this->kept_header_pref_.load(&header) || header.len == 0 || header.len > MAX_JWT_LEN)
    return;
  for (size_t i = 0; i * KEPT_JWT_PIECE < header.len; i++) {
    KeptJwtPiece piece{};
    if (!this->kept_piece_prefs_[i].load(&piece)) {
      this->kept_jwt_[0] = '\0';
      return;
    }
    const size_t n = std::min(KEPT_JWT_PIECE, static_cast<size_t>(header.len) - i * KEPT_JWT_PIECE);
    std::memcpy(this->kept_jwt_ + i * KEPT_JWT_PIECE, piece.text, n);
  }
  this->kept_jwt_[header.len] = '\0';
  // A JWT kept for another seed (the device was re-flashed with new
  // credentials) fails the key check and stays unused.
  error = fnv1_hash(this->kept_jwt_) != header.hash
              ? "damaged"
              : check_user_jwt(this->kept_jwt_, header.len, this->nkey_.public_key(), 0, scratch.get(),
                               this->kept_claims_);
  if (error != nullptr) {
    ESP_LOGW(TAG, "[%s] Not using the user JWT kept in flash: %s", this->device_id_, error);
    this->kept_jwt_[0] = '\0';
    return;
  }
  char issued[32], firmware_issued[32];
  if (prefer_kept_jwt(this->kept_claims_.iat, this->firmware_claims_.iat)) {
    this->use_kept_jwt_ = true;
    ESP_LOGI(TAG, "[%s] Using the renewed user JWT kept in flash (issued %s, after the firmware's)", this->device_id_,
             format_time(this->kept_claims_.iat, issued));
  } else {
    ESP_LOGI(TAG, "[%s] Using the firmware's user JWT (issued %s): the one kept in flash was issued %s",
             this->device_id_, format_time(this->firmware_claims_.iat, firmware_issued),
             format_time(this->kept_claims_.iat, issued));
  }
#endif
}

void NatsClient::handle_credentials_(const NatsMessage &msg) {
  const char *reply = msg.reply_len > 0 ? msg.reply : nullptr;
  const char *jwt;
  size_t len;
  UserJwtClaims claims;
  std::unique_ptr<char[]> scratch = claims_scratch();
  const char *error = scratch == nullptr
                          ? "no memory to check the JWT now"
                          : read_credentials_renewal(msg.payload, msg.payload_len, this->nkey_.public_key(),
                                                     wall_clock(), scratch.get(), jwt, len, claims);
  if (error != nullptr) {
    ESP_LOGW(TAG, "[%s] Refused the credentials on %s: %s; keeping the JWT in use", this->device_id_, msg.subject,
             error);
    this->reply_error_(reply, error);
    return;
  }
  // A controller that missed the reply sends the same JWT again: nothing to write.
  const bool known = this->kept_jwt_[0] != '\0' && std::strlen(this->kept_jwt_) == len &&
                     std::memcmp(this->kept_jwt_, jwt, len) == 0;
  std::memcpy(this->kept_jwt_, jwt, len);
  this->kept_jwt_[len] = '\0';
  this->kept_claims_ = claims;
  this->use_kept_jwt_ = true;
  this->fell_back_ = false;
  const bool stored = known || this->store_kept_jwt_();
  char issued[32], expires[32];
  ESP_LOGI(TAG, "[%s] Renewed user JWT on %s kept%s (issued %s, expires %s); used from the next connect",
           this->device_id_, msg.subject, stored ? "" : " in RAM only", format_time(claims.iat, issued),
           claims.has_exp ? format_time(claims.exp, expires) : "never");
  if (reply != nullptr && !this->publish_json_(reply, [](JsonWriter &w) {
        w.begin_object();
        w.key("ok");
        w.value(true);
        w.end_object();
      })) {
    ESP_LOGW(TAG, "[%s] No room to reply on %s", this->device_id_, msg.subject);
  }
}

bool NatsClient::store_kept_jwt_() {
#ifdef USE_ESP8266
  return false;
#else
  const size_t len = std::strlen(this->kept_jwt_);
  for (size_t i = 0; i * KEPT_JWT_PIECE < len; i++) {
    KeptJwtPiece piece{};
    std::memcpy(piece.text, this->kept_jwt_ + i * KEPT_JWT_PIECE, std::min(KEPT_JWT_PIECE, len - i * KEPT_JWT_PIECE));
    if (!this->kept_piece_prefs_[i].save(&piece))
      return false;
  }
  // The header last: until it is written, the previous JWT's header does
  // not match these pieces, and the previous JWT's hash fails.
  const KeptJwtHeader header{static_cast<uint32_t>(len), fnv1_hash(this->kept_jwt_), this->kept_claims_.iat};
  // Written at once, not at the next periodic sync: a renewal comes every few
  // weeks, and one lost to a power cut would leave the device with a JWT the
  // controller thinks replaced.
  return this->kept_header_pref_.save(&header) && global_preferences->sync();
#endif
}

void NatsClient::on_credentials_refused_() {
  const UserJwtClaims &claims = this->use_kept_jwt_ ? this->kept_claims_ : this->firmware_claims_;
  const int64_t now = wall_clock();
  if (claims.has_exp && now >= CREDENTIALS_CLOCK_VALID_FROM && claims.exp <= now) {
    char expires[32];
    ESP_LOGE(TAG, "[%s] The %s user JWT expired at %s", this->device_id_,
             this->use_kept_jwt_ ? "renewed" : "firmware's", format_time(claims.exp, expires));
  }
  if (!this->use_kept_jwt_ || this->fell_back_)
    return;
  // A renewal the server does not take (signed by a key it does not trust,
  // revoked): the firmware's JWT may still be good. Once: should it be
  // refused as well, the device does not alternate between the two.
  this->use_kept_jwt_ = false;
  this->fell_back_ = true;
  char issued[32];
  ESP_LOGW(TAG, "[%s] The server refused the renewed user JWT (issued %s); falling back to the firmware's JWT",
           this->device_id_, format_time(this->kept_claims_.iat, issued));
}

void NatsClient::log_credentials_config_() const {
  if (this->firmware_jwt_ == nullptr)
    return;
#ifdef USE_ESP8266
  ESP_LOGCONFIG(TAG, "  Renewed JWTs: kept in RAM until reboot (the ESP8266's flash preferences are too small)");
#else
  ESP_LOGCONFIG(TAG, "  Renewed JWTs: kept in flash%s", this->use_kept_jwt_ ? " (one in use)" : "");
#endif
}

}  // namespace esphome::nats

#endif  // USE_NATS && USE_NATS_JWT
