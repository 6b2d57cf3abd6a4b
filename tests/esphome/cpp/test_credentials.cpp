// Renewed credentials (nats_credentials.*): every case of
// tests/vectors/credentials.json through the device's check, with the key
// derived from the vectors' seed as the firmware derives it.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "nats_credentials.h"
#include "nats_json.h"
#include "nats_nkey.h"
#include "vectors.h"

namespace esphome::nats {
namespace {

// Exactly what the check may use: AddressSanitizer catches a byte more.
char scratch[JWT_CLAIMS_SCRATCH];

std::string device_public() {
  NkeyUser user;
  EXPECT_TRUE(user.set_seed(CREDENTIALS_DEVICE_SEED, std::strlen(CREDENTIALS_DEVICE_SEED)));
  return user.public_key();
}

/// The JWT of a payload that has one, as any JSON reader sees it.
std::string jwt_of(const std::string &raw) {
  JsonValue root, key, value;
  if (!json_parse_object(raw.data(), raw.size(), root))
    return "";
  JsonIterator it(root);
  std::string jwt;
  while (it.next_member(key, value)) {
    if (key.equals("jwt") && value.type == JsonType::STRING)
      jwt.assign(value.text, value.len);
  }
  return jwt;
}

TEST(Credentials, TheVectorsBoundIsTheFirmwares) {
  EXPECT_EQ(CREDENTIALS_MAX_JWT_LEN, MAX_JWT_LEN);
  EXPECT_EQ(device_public(), CREDENTIALS_DEVICE_PUBLIC);
}

TEST(Credentials, EveryVector) {
  const std::string key = device_public();
  size_t valid = 0, invalid = 0;
  for (const auto &c : CREDENTIALS_CASES) {
    SCOPED_TRACE(c.name);
    const char *jwt = nullptr;
    size_t jwt_len = 0;
    UserJwtClaims claims;
    const char *error =
        read_credentials_renewal(c.raw.data(), c.raw.size(), key.c_str(), CREDENTIALS_NOW, scratch, jwt, jwt_len, claims);
    if (c.valid || c.signature_only) {
      // A signature is not the device's to check (nats_credentials.h).
      ASSERT_EQ(error, nullptr) << error;
      ASSERT_NE(jwt, nullptr);
      EXPECT_GE(jwt, c.raw.data());
      EXPECT_LE(jwt + jwt_len, c.raw.data() + c.raw.size());
      EXPECT_EQ(std::string(jwt, jwt_len), jwt_of(c.raw));
      if (c.valid) {
        EXPECT_EQ(claims.iat, c.iat);
        EXPECT_EQ(claims.has_exp, c.has_exp);
        if (c.has_exp) {
          EXPECT_EQ(claims.exp, c.exp);
        }
      }
      valid++;
    } else {
      ASSERT_NE(error, nullptr);
      EXPECT_GT(std::strlen(error), 0u);
      EXPECT_LE(std::strlen(error), MAX_JWT_LEN);
      EXPECT_EQ(jwt, nullptr);
      if (c.too_long) {
        EXPECT_NE(std::strstr(error, "longer"), nullptr) << error;
      }
      invalid++;
    }
  }
  EXPECT_GE(valid, 3u);
  EXPECT_GE(invalid, 8u);
}

TEST(Credentials, ReasonsNameWhatIsWrong) {
  const std::string key = device_public();
  for (const auto &c : CREDENTIALS_CASES) {
    const char *jwt;
    size_t jwt_len;
    UserJwtClaims claims;
    const char *error =
        read_credentials_renewal(c.raw.data(), c.raw.size(), key.c_str(), CREDENTIALS_NOW, scratch, jwt, jwt_len, claims);
    const std::string name = c.name;
    const char *expected = name == "for another key"                      ? "the JWT is for another key"
                           : name == "not a user JWT"                     ? "not a user JWT"
                           : name == "expired"                            ? "the JWT has expired"
                           : name == "no jwt" || name == "jwt not a string" ? "no jwt string"
                                                                            : nullptr;
    if (expected != nullptr) {
      EXPECT_STREQ(error, expected) << name;
    }
  }
}

TEST(Credentials, NoClockNoExpiryCheck) {
  // A device whose clock is not set cannot tell an expired JWT: the server will.
  const std::string key = device_public();
  bool seen = false;
  for (const auto &c : CREDENTIALS_CASES) {
    if (std::string(c.name) != "expired")
      continue;
    seen = true;
    const char *jwt;
    size_t jwt_len;
    UserJwtClaims claims;
    for (int64_t unset : {int64_t{0}, int64_t{3600}, CREDENTIALS_CLOCK_VALID_FROM - 1})
      EXPECT_EQ(read_credentials_renewal(c.raw.data(), c.raw.size(), key.c_str(), unset, scratch, jwt, jwt_len, claims),
                nullptr);
    EXPECT_TRUE(claims.has_exp);
    EXPECT_LE(claims.exp, CREDENTIALS_NOW);
  }
  EXPECT_TRUE(seen);
}

TEST(Credentials, TheJwtAloneChecksTheSame) {
  const std::string key = device_public();
  for (const auto &c : CREDENTIALS_CASES) {
    if (!c.valid)
      continue;
    SCOPED_TRACE(c.name);
    const std::string jwt = jwt_of(c.raw);
    UserJwtClaims claims;
    EXPECT_EQ(check_user_jwt(jwt.data(), jwt.size(), key.c_str(), CREDENTIALS_NOW, scratch, claims), nullptr);
    EXPECT_EQ(claims.iat, c.iat);
    // Another key's JWT, and the JWT cut or damaged in its claims.
    EXPECT_NE(check_user_jwt(jwt.data(), jwt.size(), "UDFJHLAXAUMHA4OWPOB4P7YO72AQR2HMIUYFOXLXE2DZGM633K7HYREV",
                             CREDENTIALS_NOW, scratch, claims),
              nullptr);
    EXPECT_NE(check_user_jwt(jwt.data(), jwt.size() / 2, key.c_str(), CREDENTIALS_NOW, scratch, claims), nullptr);
    std::string damaged = jwt;
    damaged[damaged.find('.') + 5] = '!';
    EXPECT_NE(check_user_jwt(damaged.data(), damaged.size(), key.c_str(), CREDENTIALS_NOW, scratch, claims), nullptr);
  }
}

TEST(Credentials, EscapedOrVersionedPayloads) {
  const std::string key = device_public();
  const std::string jwt = jwt_of(CREDENTIALS_CASES[0].raw);
  const char *out;
  size_t out_len;
  UserJwtClaims claims;
  // JSON may escape '/', never needed in a JWT: refused rather than copied.
  std::string escaped = "{\"jwt\":\"" + jwt + "\"}";
  escaped.insert(escaped.find('.'), "\\/");
  EXPECT_STREQ(read_credentials_renewal(escaped.data(), escaped.size(), key.c_str(), 0, scratch, out, out_len, claims),
               "not a JWT");
  const std::string v2 = "{\"v\":2,\"jwt\":\"" + jwt + "\"}";
  EXPECT_STREQ(read_credentials_renewal(v2.data(), v2.size(), key.c_str(), 0, scratch, out, out_len, claims),
               "unsupported version");
  const std::string repeated = "{\"jwt\":\"x\",\"jwt\":\"" + jwt + "\"}";
  EXPECT_EQ(read_credentials_renewal(repeated.data(), repeated.size(), key.c_str(), 0, scratch, out, out_len, claims),
            nullptr);
}

TEST(Credentials, TheLaterIssuedJwtIsUsed) {
  EXPECT_TRUE(prefer_kept_jwt(1800000001, 1800000000));
  EXPECT_FALSE(prefer_kept_jwt(1800000000, 1800000001));
  EXPECT_FALSE(prefer_kept_jwt(1800000000, 1800000000));
}

TEST(Base64Url, DecodesWhatItEncodes) {
  for (size_t len = 0; len < 40; len++) {
    uint8_t data[40], back[40];
    for (size_t i = 0; i < len; i++)
      data[i] = static_cast<uint8_t>(i * 37 + 11);
    char text[64];
    const size_t n = base64url_encode(data, len, text);
    size_t back_len;
    ASSERT_TRUE(base64url_decode(text, n, back, back_len));
    ASSERT_EQ(back_len, len);
    EXPECT_EQ(std::memcmp(data, back, len), 0);
  }
  uint8_t out[8];
  size_t out_len;
  EXPECT_FALSE(base64url_decode("abcde", 5, out, out_len));  // no encoding is 5 characters long
  EXPECT_FALSE(base64url_decode("ab+d", 4, out, out_len));   // base64, not base64url
  EXPECT_FALSE(base64url_decode("ab=", 3, out, out_len));    // padded
}

}  // namespace
}  // namespace esphome::nats
