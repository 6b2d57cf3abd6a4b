#include "nats_credentials.h"

#include <cmath>
#include <cstring>

#include "nats_json.h"
#include "nats_nkey.h"

namespace esphome::nats {

namespace {

// 2^53: every integer up to it is exact in the JSON reader's double.
constexpr double MAX_EXACT = 9007199254740992.0;

bool read_seconds(const JsonValue &v, int64_t &out) {
  if (!v.is_integer() || v.number < 0 || v.number > MAX_EXACT)
    return false;
  out = static_cast<int64_t>(v.number);
  return true;
}

bool is_user(const JsonValue &nats) {
  JsonIterator it(nats);
  JsonValue key, value;
  bool user = false;
  while (it.next_member(key, value)) {
    if (key.equals("type"))
      user = value.equals("user");  // a repeated key: the last wins
  }
  return user;
}

}  // namespace

const char *check_user_jwt(const char *jwt, size_t len, const char *public_key, int64_t now, char *scratch,
                           UserJwtClaims &claims) {
  claims = UserJwtClaims{};
  if (len > MAX_JWT_LEN)
    return "the JWT is longer than this device keeps (2048 characters)";
  if (!is_valid_jwt_text(jwt, len))
    return "not a JWT";
  const char *payload = static_cast<const char *>(std::memchr(jwt, '.', len)) + 1;
  const size_t payload_len = static_cast<const char *>(std::memchr(payload, '.', len - (payload - jwt))) - payload;
  size_t decoded_len;
  JsonValue root;
  if (!base64url_decode(payload, payload_len, reinterpret_cast<uint8_t *>(scratch), decoded_len) ||
      !json_parse_object(scratch, decoded_len, root))
    return "not a JWT: its claims do not decode";
  bool user = false, has_iat = false, own_key = false;
  JsonIterator it(root);
  JsonValue key, value;
  while (it.next_member(key, value)) {
    if (key.equals("nats")) {
      user = value.type == JsonType::OBJECT && is_user(value);
    } else if (key.equals("sub")) {
      own_key = value.equals(public_key);
    } else if (key.equals("iat")) {
      has_iat = read_seconds(value, claims.iat);
    } else if (key.equals("exp")) {
      // null, or absent, or 0: the JWT does not expire (as nats-server reads it).
      claims.has_exp = value.type != JsonType::NUL && !(value.type == JsonType::NUMBER && value.number == 0);
      if (claims.has_exp && !read_seconds(value, claims.exp))
        return "the JWT's exp is not a time";
    }
  }
  if (!user)
    return "not a user JWT";
  if (!own_key)
    return "the JWT is for another key";
  if (!has_iat)
    return "the JWT has no iat (issue time)";
  if (claims.has_exp && now >= CREDENTIALS_CLOCK_VALID_FROM && claims.exp <= now)
    return "the JWT has expired";
  return nullptr;
}

const char *read_credentials_renewal(const char *payload, size_t len, const char *public_key, int64_t now,
                                     char *scratch, const char *&jwt, size_t &jwt_len, UserJwtClaims &claims) {
  jwt = nullptr;
  jwt_len = 0;
  claims = UserJwtClaims{};
  JsonValue root;
  if (!json_parse_object(payload, len, root))
    return "the credentials payload is not a JSON object";
  JsonIterator it(root);
  JsonValue key, value, found;
  while (it.next_member(key, value)) {
    if (key.equals("v") && !(value.is_integer() && value.number == 1)) {
      return "unsupported version";
    } else if (key.equals("jwt")) {
      found = value;
    }
  }
  if (found.type != JsonType::STRING)
    return "no jwt string";
  if (std::memchr(found.text, '\\', found.len) != nullptr)
    return "not a JWT";
  const char *error = check_user_jwt(found.text, found.len, public_key, now, scratch, claims);
  if (error != nullptr)
    return error;
  jwt = found.text;
  jwt_len = found.len;
  return nullptr;
}

}  // namespace esphome::nats
