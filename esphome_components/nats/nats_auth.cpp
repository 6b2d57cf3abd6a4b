// The credentials CONNECT carries: user/password, token, or an NKey that
// signs the server's nonce (with the user JWT instead of the public key in
// operator mode; a renewed one replaces the firmware's, see
// nats_credentials_store.cpp). The NATS protocol's CONNECT: `nkey` + `sig` for an NKey
// user, `jwt` + `sig` for a JWT user.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/core/log.h"
#include "esphome/core/version.h"

#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

#ifdef USE_NATS_JWT
bool NatsClient::set_jwt(const char *jwt) {
  // The YAML's string (or the host's environment) lives as long as the
  // firmware: it is the JWT to fall back to, never copied or replaced.
  this->firmware_jwt_ = is_valid_jwt_text(jwt, std::strlen(jwt)) ? jwt : nullptr;
  return this->firmware_jwt_ != nullptr;
}
#endif

const char *NatsClient::jwt_text_() const {
#ifdef USE_NATS_JWT
  // A renewal kept (nats_credentials_store.cpp) replaces the firmware's JWT.
  if (this->firmware_jwt_ == nullptr)
    return nullptr;
  return this->use_kept_jwt_ ? this->kept_jwt_ : this->firmware_jwt_;
#else
  return nullptr;
#endif
}

bool NatsClient::setup_auth_() {
#ifdef USE_NATS_NKEY
  if (this->nkey_seed_ != nullptr && !this->nkey_.set_seed(this->nkey_seed_, std::strlen(this->nkey_seed_))) {
    ESP_LOGE(TAG, "[%s] nkey_seed is not an NKey user seed (58 characters, SU...)", this->device_id_);
    return false;
  }
  if (this->jwt_text_() != nullptr && !this->nkey_.valid()) {
    ESP_LOGE(TAG, "[%s] A user JWT needs the user's nkey_seed to sign with", this->device_id_);
    return false;
  }
#endif
#ifdef USE_NATS_JWT
  this->setup_credentials_();
#endif
  return true;
}

void NatsClient::read_info_auth_(const JsonValue &key, const JsonValue &value) {
#ifdef USE_NATS_NKEY
  if (key.equals("nonce") && value.type == JsonType::STRING &&
      !value.copy_string(this->nonce_, sizeof(this->nonce_))) {
    this->nonce_[0] = '\0';
  }
#else
  (void) key;
  (void) value;
#endif
}

void NatsClient::sign_nonce_(char *sig, size_t cap) {
  sig[0] = '\0';
#ifdef USE_NATS_NKEY
  if (!this->nkey_.valid() || cap < NKEY_SIGNATURE_B64_SIZE)
    return;
  if (this->nonce_[0] == '\0') {
    ESP_LOGW(TAG, "[%s] The server sent no nonce to sign: it does not expect NKey or JWT authentication",
             this->device_id_);
    return;
  }
  this->nkey_.sign_nonce(this->nonce_, std::strlen(this->nonce_), sig);
  this->nonce_[0] = '\0';
#else
  (void) cap;
#endif
}

void NatsClient::write_connect_(JsonWriter &w, const char *sig) const {
  w.begin_object();
  w.key("verbose");
  w.value(false);
  w.key("pedantic");
  w.value(false);
  w.key("headers");
  w.value(true);
  w.key("no_responders");
  w.value(true);
  w.key("protocol");
  w.value(1);
  w.key("lang");
  w.value("esphome");
  w.key("version");
  w.value(ESPHOME_VERSION);
  w.key("name");
  w.value(this->device_id_);
  if (this->username_ != nullptr) {
    w.key("user");
    w.value(this->username_);
    w.key("pass");
    w.value(this->password_ != nullptr ? this->password_ : "");
  }
  if (this->token_ != nullptr) {
    w.key("auth_token");
    w.value(this->token_);
  }
#ifdef USE_NATS_NKEY
  if (this->nkey_.valid()) {
    // With a JWT the server takes the public key from it.
    const char *jwt = this->jwt_text_();
    w.key(jwt != nullptr ? "jwt" : "nkey");
    w.value(jwt != nullptr ? jwt : this->nkey_.public_key());
    if (sig[0] != '\0') {
      w.key("sig");
      w.value(sig);
    }
  }
#else
  (void) sig;
#endif
  w.end_object();
}

const char *NatsClient::auth_kind_() const {
  if (this->jwt_text_() != nullptr)
    return "user JWT";
#ifdef USE_NATS_NKEY
  if (this->nkey_.valid())
    return "NKey";
#endif
  if (this->username_ != nullptr)
    return "user and password";
  if (this->token_ != nullptr)
    return "token";
  return "no credentials";
}

void NatsClient::log_auth_config_() const {
  if (this->username_ != nullptr) {
    ESP_LOGCONFIG(TAG, "  Username: " LOG_SECRET("'%s'"), this->username_);
    ESP_LOGCONFIG(TAG, "  Password: " LOG_SECRET("'%s'"), this->password_ != nullptr ? this->password_ : "");
  }
  if (this->token_ != nullptr)
    ESP_LOGCONFIG(TAG, "  Token: " LOG_SECRET("'%s'"), this->token_);
#ifdef USE_NATS_NKEY
  // The public key is no secret: it is what the server's configuration names.
  if (this->nkey_.valid()) {
    ESP_LOGCONFIG(TAG, "  NKey: %s%s", this->nkey_.public_key(),
                  this->jwt_text_() != nullptr ? " (with a user JWT)" : "");
  }
#endif
#ifdef USE_NATS_JWT
  this->log_credentials_config_();
#endif
}

}  // namespace esphome::nats

#endif  // USE_NATS
