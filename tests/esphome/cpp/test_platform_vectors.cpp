// Every platform's vectors (tests/vectors/platforms/<name>.json) against the
// firmware's pure command code, through the platform's adapter
// (platform_adapter.h): commands.valid read to the expected command,
// commands.invalid refused naming the field, and apply cases refused with
// the spec's text or accepted.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "nats_json.h"
#include "nats_protocol.h"
#include "platform_adapter.h"
#include "vectors.h"

using namespace esphome::nats;
using namespace esphome::nats::test;

namespace esphome::nats::test {

namespace {

std::vector<const PlatformAdapter *> &registry() {
  static std::vector<const PlatformAdapter *> adapters;
  return adapters;
}

}  // namespace

RegisterAdapter::RegisterAdapter(const PlatformAdapter &adapter) { registry().push_back(&adapter); }

const PlatformAdapter *find_adapter(const char *platform) {
  for (const auto *adapter : registry()) {
    if (std::strcmp(adapter->platform, platform) == 0)
      return adapter;
  }
  return nullptr;
}

bool entity_flag(const JsonValue &entity, const char *key) {
  JsonIterator it(entity);
  JsonValue k, v;
  bool flag = false;
  while (it.next_member(k, v)) {
    if (k.equals(key))
      flag = v.type == JsonType::BOOL && v.boolean;
  }
  return flag;
}

bool entity_has(const JsonValue &entity, const char *key) {
  JsonIterator it(entity);
  JsonValue k, v;
  bool has = false;
  while (it.next_member(k, v)) {
    if (k.equals(key))
      has = v.type != JsonType::NUL;
  }
  return has;
}

}  // namespace esphome::nats::test

namespace {

std::string decoded(const JsonValue &v) {
  std::string out(v.len + 1, '\0');
  size_t n = 0;
  EXPECT_TRUE(v.copy_string(out.data(), out.size(), &n));
  out.resize(n);
  return out;
}

/// Structural equality: members in any order, numbers by value.
bool json_equal(const JsonValue &a, const JsonValue &b) {
  if (a.type != b.type)
    return false;
  switch (a.type) {
    case JsonType::NUMBER:
      return a.number == b.number;
    case JsonType::STRING:
      return decoded(a) == decoded(b);
    case JsonType::BOOL:
      return a.boolean == b.boolean;
    case JsonType::NUL:
      return true;
    case JsonType::ARRAY: {
      JsonIterator ia(a), ib(b);
      JsonValue va, vb;
      while (ia.next_element(va)) {
        if (!ib.next_element(vb) || !json_equal(va, vb))
          return false;
      }
      return !ib.next_element(vb);
    }
    case JsonType::OBJECT: {
      size_t members_a = 0, members_b = 0;
      JsonIterator count(b);
      JsonValue k, v;
      while (count.next_member(k, v))
        members_b++;
      JsonIterator ia(a);
      JsonValue ka, va;
      while (ia.next_member(ka, va)) {
        members_a++;
        bool found = false;
        JsonIterator ib(b);
        JsonValue kb, vb;
        while (!found && ib.next_member(kb, vb))
          found = decoded(ka) == decoded(kb) && json_equal(va, vb);
        if (!found)
          return false;
      }
      return members_a == members_b;
    }
    default:
      return false;
  }
}

bool contains_ignoring_case(const char *text, const char *part) {
  std::string t(text), p(part);
  auto lower = [](std::string &s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  };
  lower(t);
  lower(p);
  return t.find(p) != std::string::npos;
}

/// The command as read: the platform's fields, then the envelope's.
std::string written_command(const PlatformAdapter &adapter, const std::string &payload, bool &ok, const char *&error) {
  char buf[2048];
  JsonWriter w(buf, sizeof(buf));
  CommandEnvelope envelope;
  w.begin_object();
  ok = adapter.read(payload.data(), payload.size(), envelope, w, error);
  if (envelope.has_version) {
    w.key("v");
    w.value(envelope.version);
  }
  if (envelope.has_expiry) {
    w.key("clock");
    w.value(envelope.stamp.clock, envelope.stamp.clock_len);
    w.key("sent");
    w.value(envelope.stamp.sent);
    w.key("ttl");
    w.value(envelope.ttl);
  }
  w.end_object();
  EXPECT_FALSE(w.overflow());
  return std::string(buf, std::min(w.size(), sizeof(buf)));
}

class PlatformVectors : public ::testing::TestWithParam<const char *> {
 protected:
  const PlatformAdapter *adapter() const { return find_adapter(this->GetParam()); }
};

TEST_P(PlatformVectors, Commands) {
  const PlatformAdapter *adapter = this->adapter();
  for (const auto &tc : PLATFORM_COMMAND_CASES) {
    if (std::strcmp(tc.platform, this->GetParam()) != 0)
      continue;
    // A platform whose vectors have commands has its adapter (tests/esphome/cpp/platform_<name>.cpp).
    ASSERT_NE(adapter, nullptr) << "no adapter for " << this->GetParam();
    SCOPED_TRACE(tc.name);
    SCOPED_TRACE(tc.payload);
    bool ok = false;
    const char *error = nullptr;
    const std::string actual = written_command(*adapter, tc.payload, ok, error);
    if (!tc.valid) {
      EXPECT_FALSE(ok) << "accepted as " << actual;
      ASSERT_NE(error, nullptr);
      EXPECT_LE(std::strlen(error), MAX_ERROR_LEN);
      EXPECT_TRUE(contains_ignoring_case(error, tc.error)) << "error \"" << error << "\" lacks \"" << tc.error << "\"";
      continue;
    }
    ASSERT_TRUE(ok) << error;
    JsonValue got, want;
    ASSERT_TRUE(json_parse_object(actual.data(), actual.size(), got)) << actual;
    ASSERT_TRUE(json_parse_object(tc.command.data(), tc.command.size(), want));
    EXPECT_TRUE(json_equal(got, want)) << "read as " << actual << ", expected " << tc.command;
  }
}

TEST_P(PlatformVectors, Apply) {
  const PlatformAdapter *adapter = this->adapter();
  for (const auto &tc : PLATFORM_APPLY_CASES) {
    if (std::strcmp(tc.platform, this->GetParam()) != 0)
      continue;
    // A platform with apply cases checks capabilities (a platform without commands has none).
    ASSERT_TRUE(adapter != nullptr && adapter->refusal != nullptr)
        << "no capability check for " << this->GetParam();
    SCOPED_TRACE(tc.name);
    JsonValue entity;
    ASSERT_TRUE(json_parse_object(tc.entity.data(), tc.entity.size(), entity));
    const char *refusal = adapter->refusal(entity, tc.command.data(), tc.command.size());
    if (tc.error == nullptr) {
      EXPECT_EQ(refusal, nullptr) << tc.command << " refused: " << refusal;
    } else {
      ASSERT_NE(refusal, nullptr) << tc.command << " accepted";
      EXPECT_LE(std::strlen(refusal), MAX_ERROR_LEN);
      EXPECT_TRUE(contains_ignoring_case(refusal, tc.error))
          << "refusal \"" << refusal << "\" lacks \"" << tc.error << "\"";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Platforms, PlatformVectors, ::testing::ValuesIn(VECTOR_PLATFORMS),
                         [](const ::testing::TestParamInfo<const char *> &info) { return std::string(info.param); });

}  // namespace
