// The configuration store's pure part (docs/protocol.md, device configuration):
// stored values read against their settings (the shared vectors of
// config_settings.json and more), the header block of a bucket message or
// direct get reply (frames recorded from nats-server), the bucket name, the
// declarations, and the direct gets of a connection.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "nats_config.h"
#include "nats_json.h"
#include "nats_parser.h"
#include "vectors.h"

using namespace esphome::nats;

namespace {

SettingSpec heartbeat_spec() {
  SettingSpec spec{"heartbeat_interval", "Heartbeat interval", SettingType::NUMBER};
  spec.min = 5;
  spec.max = 3600;
  spec.step = 1;
  spec.unit = "s";
  spec.whole = true;
  spec.default_number = 60;
  return spec;
}

SettingSpec name_spec() {
  SettingSpec spec{"name", "Name", SettingType::TEXT};
  spec.max_length = NAME_SETTING_MAX_CHARS;
  spec.non_empty = true;
  spec.default_text = "Kitchen";
  return spec;
}

SettingSpec switch_spec() {
  SettingSpec spec{"report_raw", "Report raw values", SettingType::SWITCH};
  spec.default_switch = true;
  return spec;
}

// nullptr when accepted, else the reason.
const char *read(const SettingSpec &spec, const std::string &payload, SettingValue &value, std::string *text = nullptr) {
  char buf[NAME_SETTING_BUF];
  const char *why = read_setting_value(spec, payload.data(), payload.size(), value, buf, sizeof(buf));
  if (why == nullptr && text != nullptr)
    *text = std::string(buf, value.text_len);
  return why;
}

std::string declaration(const SettingSpec &spec) {
  char buf[512];
  JsonWriter w(buf, sizeof(buf));
  write_setting_declaration(spec, w);
  EXPECT_FALSE(w.overflow());
  return std::string(buf, w.size());
}

struct Collector final : NatsParserListener {
  std::vector<std::string> headers;
  std::vector<std::string> payloads;
  std::vector<std::string> subjects;
  void on_info(const char *, size_t, bool) override {}
  void on_ping() override {}
  void on_pong() override {}
  void on_err(const char *, size_t) override {}
  void on_msg(const NatsMessage &msg) override {
    this->subjects.emplace_back(msg.subject, msg.subject_len);
    this->headers.emplace_back(msg.headers, msg.headers_len);
    this->payloads.emplace_back(msg.payload, msg.payload_len);
  }
  void on_msg_dropped(const char *, size_t, size_t) override {}
};

// Recorded from nats-server: direct gets of a value, of a deleted key, of a
// key never written, and of a bucket that does not exist.
const char DIRECT_GET_REPLIES[] =
    "HMSG _INBOX.x.0 1 172 175\r\nNATS/1.0\r\nNats-Stream: KV_NATS_HOME_HOME_CONFIG\r\nNats-Subject: "
    "$KV.NATS_HOME_HOME_CONFIG.kitchen.name\r\nNats-Sequence: 1\r\nNats-Time-Stamp: "
    "2026-11-30T04:24:21.005140449Z\r\n\r\n\"K\"\r\n"
    "HMSG _INBOX.x.1 1 204 204\r\nNATS/1.0\r\nKV-Operation: DEL\r\nNats-Stream: KV_NATS_HOME_HOME_CONFIG\r\n"
    "Nats-Subject: $KV.NATS_HOME_HOME_CONFIG.kitchen.heartbeat_interval\r\nNats-Sequence: 2\r\nNats-Time-Stamp: "
    "2026-11-30T04:24:21.00566494Z\r\n\r\n\r\n"
    "HMSG _INBOX.x.2 1 34 34\r\nNATS/1.0 404 Message Not Found\r\n\r\n\r\n"
    "HMSG _INBOX.x.9 1 71 71\r\nNATS/1.0 503\r\nNats-Subject: $JS.API.DIRECT.GET.KV_NOPE.$KV.NOPE.a.b\r\n\r\n\r\n";

// A setting as config_settings.json declares it, with the rules a receiver
// adds for the reserved ids (whole seconds, a name that is not empty).
struct DeclaredSetting {
  std::string id, name, unit, text;
  SettingSpec spec{"", "", SettingType::NUMBER};
};

void declare(const std::string &json, DeclaredSetting &d) {
  JsonValue root;
  ASSERT_TRUE(json_parse_object(json.data(), json.size(), root)) << json;
  char buf[1024];
  JsonIterator it(root);
  JsonValue key, value;
  bool has_unit = false;
  while (it.next_member(key, value)) {
    if (key.equals("id") && value.copy_string(buf, sizeof(buf))) {
      d.id = buf;
    } else if (key.equals("name") && value.copy_string(buf, sizeof(buf))) {
      d.name = buf;
    } else if (key.equals("type")) {
      d.spec.type = value.equals("number") ? SettingType::NUMBER
                    : value.equals("text") ? SettingType::TEXT
                                           : SettingType::SWITCH;
    } else if (key.equals("min")) {
      d.spec.min = value.number;
    } else if (key.equals("max")) {
      d.spec.max = value.number;
    } else if (key.equals("step")) {
      d.spec.step = value.number;
    } else if (key.equals("unit") && value.copy_string(buf, sizeof(buf))) {
      d.unit = buf;
      has_unit = true;
    } else if (key.equals("max_length")) {
      d.spec.max_length = static_cast<uint16_t>(value.number);
    } else if (key.equals("default")) {
      d.spec.default_number = value.number;
      d.spec.default_switch = value.boolean;
      if (value.copy_string(buf, sizeof(buf)))
        d.text = buf;
    }
  }
  d.spec.id = d.id.c_str();
  d.spec.name = d.name.c_str();
  d.spec.unit = has_unit ? d.unit.c_str() : nullptr;
  d.spec.default_text = d.text.c_str();
  d.spec.whole = d.id == "heartbeat_interval";
  d.spec.non_empty = d.id == "name";
  if (d.id == "name" && d.spec.max_length == 255)
    d.spec.max_length = NAME_SETTING_MAX_CHARS;
}

KvHeaders headers_of(const std::string &block) {
  KvHeaders h;
  EXPECT_TRUE(parse_kv_headers(block.data(), block.size(), h)) << block;
  return h;
}

KvHeaders status(uint16_t code) {
  KvHeaders h;
  h.status = code;
  return h;
}

KvHeaders stored(uint64_t sequence, bool deleted = false) {
  KvHeaders h;
  h.has_sequence = true;
  h.sequence = sequence;
  h.deleted = deleted;
  return h;
}

KvHeaders compare_and_set(uint64_t expected) {
  KvHeaders h;
  h.has_expected = true;
  h.expected = expected;
  return h;
}

}  // namespace

TEST(ConfigValue, NumbersWithinRangeAndWhole) {
  SettingValue v;
  EXPECT_EQ(read(heartbeat_spec(), "7", v), nullptr);
  EXPECT_EQ(v.number, 7);
  EXPECT_EQ(read(heartbeat_spec(), " 3600 ", v), nullptr);
  EXPECT_EQ(read(heartbeat_spec(), "5.0", v), nullptr);
  EXPECT_EQ(read(heartbeat_spec(), "1e2", v), nullptr);
  EXPECT_EQ(v.number, 100);
  EXPECT_STREQ(read(heartbeat_spec(), "4", v), "out of range");
  EXPECT_STREQ(read(heartbeat_spec(), "3601", v), "out of range");
  EXPECT_STREQ(read(heartbeat_spec(), "-7", v), "out of range");
  EXPECT_STREQ(read(heartbeat_spec(), "1e999", v), "out of range");
  EXPECT_STREQ(read(heartbeat_spec(), "7.5", v), "not a whole number");
  EXPECT_STREQ(read(heartbeat_spec(), "\"7\"", v), "not a number");
  EXPECT_STREQ(read(heartbeat_spec(), "true", v), "not a number");
  EXPECT_STREQ(read(heartbeat_spec(), "null", v), "not a number");
  EXPECT_STREQ(read(heartbeat_spec(), "[7]", v), "not a number");
  EXPECT_EQ(v.number, 100);  // a refused value leaves the output alone
  SettingSpec fractional = heartbeat_spec();
  fractional.whole = false;
  EXPECT_EQ(read(fractional, "7.5", v), nullptr);
  EXPECT_EQ(v.number, 7.5);
}

TEST(ConfigValue, NotJsonOrTooLong) {
  SettingValue v;
  for (const char *bad : {"", " ", "abc", "7 8", "07", "{", "\"open", "NaN", "Infinity", "'x'", "7,"})
    EXPECT_STREQ(read(heartbeat_spec(), bad, v), "not JSON") << bad;
  const std::string long_value = "\"" + std::string(1023, 'x') + "\"";
  EXPECT_STREQ(read(name_spec(), long_value, v), "longer than 1024 bytes");
  const std::string spaced = std::string(1020, ' ') + "7";
  EXPECT_EQ(read(heartbeat_spec(), spaced, v), nullptr);
}

TEST(ConfigValue, TextsCountCharactersNotBytes) {
  SettingValue v;
  std::string text;
  EXPECT_EQ(read(name_spec(), R"("Living room")", v, &text), nullptr);
  EXPECT_EQ(text, "Living room");
  EXPECT_EQ(read(name_spec(), R"("K\u00fcche \"2\"")", v, &text), nullptr);
  EXPECT_EQ(text, "K\xc3\xbc" "che \"2\"");
  // 64 characters of 4 bytes each fit; a 65th does not.
  std::string emoji;
  for (int i = 0; i < 64; i++)
    emoji += "\xf0\x9f\x8f\xa0";
  EXPECT_EQ(read(name_spec(), "\"" + emoji + "\"", v, &text), nullptr);
  EXPECT_EQ(text, emoji);
  EXPECT_STREQ(read(name_spec(), "\"" + emoji + "x\"", v), "too long");
  EXPECT_EQ(read(name_spec(), "\"" + std::string(64, 'x') + "\"", v), nullptr);
  EXPECT_STREQ(read(name_spec(), "\"" + std::string(65, 'x') + "\"", v), "too long");
  EXPECT_STREQ(read(name_spec(), "\"" + std::string(300, 'x') + "\"", v), "too long");
  EXPECT_STREQ(read(name_spec(), R"("")", v), "empty");
  EXPECT_STREQ(read(name_spec(), R"("a\u0000b")", v), "not JSON");  // the reader refuses U+0000
  EXPECT_STREQ(read(name_spec(), "\"\xff\"", v), "not UTF-8");
  EXPECT_STREQ(read(name_spec(), "\"\xc0\xaf\"", v), "not UTF-8");          // overlong
  EXPECT_STREQ(read(name_spec(), "\"\xed\xa0\x80\"", v), "not UTF-8");      // surrogate
  EXPECT_STREQ(read(name_spec(), "\"\xf4\x90\x80\x80\"", v), "not UTF-8");  // above U+10FFFF
  EXPECT_STREQ(read(name_spec(), "\"\xe2\x82\"", v), "not UTF-8");          // cut short
  EXPECT_STREQ(read(name_spec(), "42", v), "not a string");
  SettingSpec optional = name_spec();
  optional.non_empty = false;
  EXPECT_EQ(read(optional, R"("")", v, &text), nullptr);
  EXPECT_EQ(text, "");
}

TEST(ConfigValue, Switches) {
  SettingValue v;
  EXPECT_EQ(read(switch_spec(), "false", v), nullptr);
  EXPECT_FALSE(v.boolean);
  EXPECT_EQ(read(switch_spec(), "true", v), nullptr);
  EXPECT_TRUE(v.boolean);
  EXPECT_STREQ(read(switch_spec(), "1", v), "not true or false");
  EXPECT_STREQ(read(switch_spec(), "\"true\"", v), "not true or false");
}

TEST(ConfigDeclaration, AsTheAnnouncementCarriesIt) {
  EXPECT_EQ(declaration(heartbeat_spec()),
            R"({"id":"heartbeat_interval","name":"Heartbeat interval","type":"number","default":60,)"
            R"("min":5,"max":3600,"step":1,"unit":"s"})");
  EXPECT_EQ(declaration(name_spec()), R"({"id":"name","name":"Name","type":"text","default":"Kitchen","max_length":64})");
  EXPECT_EQ(declaration(switch_spec()), R"({"id":"report_raw","name":"Report raw values","type":"switch","default":true})");
  SettingSpec fractional = heartbeat_spec();
  fractional.step = 0.5;
  fractional.unit = nullptr;
  fractional.default_number = 7.5;
  EXPECT_EQ(declaration(fractional),
            R"({"id":"heartbeat_interval","name":"Heartbeat interval","type":"number","default":7.5,)"
            R"("min":5,"max":3600,"step":0.5})");
}

TEST(ConfigBucket, NamedAfterThePrefix) {
  char out[MAX_BUCKET_LEN + 1];
  EXPECT_EQ(config_bucket_name("home", out, sizeof(out)), 21u);
  EXPECT_STREQ(out, "NATS_HOME_HOME_CONFIG");
  config_bucket_name("flat.2", out, sizeof(out));
  EXPECT_STREQ(out, "NATS_HOME_FLAT_2_CONFIG");
  config_bucket_name("Site-1.my_home", out, sizeof(out));
  EXPECT_STREQ(out, "NATS_HOME_SITE-1_MY_HOME_CONFIG");
  const std::string longest(64, 'p');
  EXPECT_EQ(config_bucket_name(longest.c_str(), out, sizeof(out)), MAX_BUCKET_LEN);
  char small[21];
  EXPECT_EQ(config_bucket_name("home", small, sizeof(small)), 0u);
  EXPECT_STREQ(small, "");
}

TEST(KvHeaders, RecordedDirectGetReplies) {
  NatsParser parser;
  char buf[1024];
  parser.set_buffer(buf, sizeof(buf));
  Collector c;
  ASSERT_TRUE(parser.feed(reinterpret_cast<const uint8_t *>(DIRECT_GET_REPLIES), sizeof(DIRECT_GET_REPLIES) - 1, c));
  ASSERT_EQ(c.headers.size(), 4u);

  const KvHeaders value = headers_of(c.headers[0]);
  EXPECT_EQ(value.status, 0);
  EXPECT_FALSE(value.deleted);
  EXPECT_TRUE(value.has_sequence);
  EXPECT_EQ(value.sequence, 1u);
  EXPECT_FALSE(value.has_expected);
  EXPECT_EQ(c.payloads[0], "\"K\"");

  const KvHeaders deleted = headers_of(c.headers[1]);
  EXPECT_EQ(deleted.status, 0);
  EXPECT_TRUE(deleted.deleted);
  EXPECT_EQ(deleted.sequence, 2u);
  EXPECT_EQ(c.payloads[1], "");

  EXPECT_EQ(headers_of(c.headers[2]).status, 404);
  EXPECT_EQ(headers_of(c.headers[3]).status, 503);
  EXPECT_FALSE(headers_of(c.headers[3]).has_sequence);
}

TEST(KvHeaders, ChangesAsPublished) {
  // A plain put has no headers at all (MSG); delete, purge, compare-and-set.
  KvHeaders h;
  ASSERT_TRUE(parse_kv_headers("", 0, h));
  EXPECT_EQ(h.status, 0);
  EXPECT_FALSE(h.deleted || h.has_sequence || h.has_expected);
  EXPECT_TRUE(headers_of("NATS/1.0\r\nKV-Operation: DEL\r\n\r\n").deleted);
  EXPECT_TRUE(headers_of("NATS/1.0\r\nKV-Operation: PURGE\r\nNats-Rollup: sub\r\n\r\n").deleted);
  EXPECT_TRUE(headers_of("NATS/1.0\r\nkv-operation:  purge \r\n\r\n").deleted);
  EXPECT_FALSE(headers_of("NATS/1.0\r\nKV-Operation: PUT\r\n\r\n").deleted);
  EXPECT_FALSE(headers_of("NATS/1.0\r\nKV-Operation-X: DEL\r\n\r\n").deleted);
  const KvHeaders cas = headers_of("NATS/1.0\r\nNats-Expected-Last-Subject-Sequence: 0\r\n\r\n");
  EXPECT_TRUE(cas.has_expected);
  EXPECT_EQ(cas.expected, 0u);
  EXPECT_EQ(headers_of("NATS/1.0\r\nNats-Expected-Last-Subject-Sequence: 1234567890123456789\r\n\r\n").expected,
            1234567890123456789u);
}

TEST(KvHeaders, StatusLines) {
  EXPECT_EQ(headers_of("NATS/1.0 408 Request Timeout\r\n\r\n").status, 408);
  EXPECT_EQ(headers_of("NATS/1.0 503\r\n\r\n").status, 503);
  EXPECT_EQ(headers_of("NATS/1.0\r\n\r\n").status, 0);
  // Without the blank line (some senders stop after the last header).
  EXPECT_EQ(headers_of("NATS/1.0 404\r\n").status, 404);
}

TEST(KvHeaders, MalformedBlocksAreRefused) {
  KvHeaders h;
  for (const std::string bad :
       {"NATS/1.0", "HTTP/1.0\r\n\r\n", "NATS/1.0404\r\n\r\n", "NATS/1.0 40\r\n\r\n", "NATS/1.0 4044\r\n\r\n",
        "NATS/1.0 abc\r\n\r\n", "NATS/1.0 099\r\n\r\n", "NATS/1.0\r\nno colon\r\n\r\n", "NATS/1.0\r\n: x\r\n\r\n",
        "NATS/1.0\r\nNats-Sequence: x\r\n\r\n", "NATS/1.0\r\nNats-Sequence: \r\n\r\n",
        "NATS/1.0\r\nNats-Sequence: 12345678901234567890\r\n\r\n", "NATS/1.0\r\nKV-Operation: DEL"})
    EXPECT_FALSE(parse_kv_headers(bad.data(), bad.size(), h)) << bad;
}

TEST(PendingGets, EveryConnectionAsksEachSettingOnce) {
  PendingGets gets(2);
  EXPECT_EQ(gets.due(0), PendingGets::NONE);
  EXPECT_FALSE(gets.settling());
  gets.begin(1000);
  EXPECT_TRUE(gets.settling());
  ASSERT_EQ(gets.due(1000), 0);
  const uint32_t first = gets.next_nonce();
  gets.sent(0);
  ASSERT_EQ(gets.due(1000), 1);
  const uint32_t second = gets.next_nonce();
  gets.sent(1);
  EXPECT_NE(first, second);
  EXPECT_EQ(gets.due(1000), PendingGets::NONE);

  int setting;
  EXPECT_EQ(gets.reply(second, stored(4), 1010, setting), PendingGets::Outcome::VALUE);
  EXPECT_EQ(setting, 1);
  EXPECT_TRUE(gets.settling());
  // A reply nobody waits for (answered already, unknown nonce) is ignored.
  EXPECT_EQ(gets.reply(second, stored(4), 1011, setting), PendingGets::Outcome::IGNORE);
  EXPECT_EQ(gets.reply(12345, stored(4), 1011, setting), PendingGets::Outcome::IGNORE);
  EXPECT_EQ(setting, PendingGets::NONE);
  EXPECT_EQ(gets.reply(first, status(404), 1012, setting), PendingGets::Outcome::DEFAULT);
  EXPECT_EQ(setting, 0);
  EXPECT_FALSE(gets.settling());

  // The next connection asks again, with new nonces: old replies are ignored.
  gets.begin(5000);
  gets.sent(static_cast<size_t>(gets.due(5000)));
  gets.sent(static_cast<size_t>(gets.due(5000)));
  EXPECT_EQ(gets.reply(first, stored(4), 5001, setting), PendingGets::Outcome::IGNORE);
}

TEST(PendingGets, StatusRepliesAndTimeoutsKeepTheValue) {
  PendingGets gets(2);
  gets.begin(0);
  const uint32_t first = gets.next_nonce();
  gets.sent(0);
  gets.sent(1);
  int setting;
  EXPECT_EQ(gets.reply(first, status(503), 10, setting), PendingGets::Outcome::KEEP);
  EXPECT_EQ(gets.reply(first + 1, stored(9, true), 10, setting), PendingGets::Outcome::DEFAULT);

  gets.begin(100);
  const uint32_t late = gets.next_nonce();
  gets.sent(0);
  gets.sent(1);
  EXPECT_EQ(gets.expire(100 + CONFIG_GET_TIMEOUT_MS - 1), PendingGets::NONE);
  EXPECT_TRUE(gets.settling());
  EXPECT_EQ(gets.expire(100 + CONFIG_GET_TIMEOUT_MS), 0);
  EXPECT_EQ(gets.expire(100 + CONFIG_GET_TIMEOUT_MS), 1);
  EXPECT_EQ(gets.expire(100 + CONFIG_GET_TIMEOUT_MS), PendingGets::NONE);
  EXPECT_FALSE(gets.settling());
  EXPECT_EQ(gets.reply(late, stored(1), 100 + CONFIG_GET_TIMEOUT_MS + 1, setting), PendingGets::Outcome::IGNORE);

  // A get that could not even be sent gives up at the same deadline; millis() wraps.
  gets.begin(UINT32_MAX - 10);
  EXPECT_EQ(gets.expire(UINT32_MAX), PendingGets::NONE);
  EXPECT_EQ(gets.expire(CONFIG_GET_TIMEOUT_MS - 11), 0);
}

TEST(PendingGets, APlainChangeSupersedesTheGet) {
  PendingGets gets(2);
  gets.begin(0);
  const uint32_t nonce = gets.next_nonce();
  gets.sent(0);
  EXPECT_TRUE(gets.change(0, KvHeaders{}, 5));
  int setting;
  // The reply may carry the value from before the change: not applied.
  EXPECT_EQ(gets.reply(nonce, stored(3), 6, setting), PendingGets::Outcome::IGNORE);
  EXPECT_TRUE(gets.settling());  // setting 1 still waits
  EXPECT_TRUE(gets.change(1, KvHeaders{}, 7));
  EXPECT_FALSE(gets.settling());
}

TEST(PendingGets, ACompareAndSetWriteIsReadBackFromTheStore) {
  PendingGets gets(1);
  gets.begin(0);
  gets.sent(0);
  int setting;
  EXPECT_EQ(gets.reply(gets.next_nonce() - 1, stored(3), 1, setting), PendingGets::Outcome::VALUE);

  // The write expects sequence 3: not applied, the store is asked.
  EXPECT_FALSE(gets.change(0, compare_and_set(3), 100));
  EXPECT_FALSE(gets.settling());  // only a connection's first get holds the announcement
  ASSERT_EQ(gets.due(100), 0);
  uint32_t nonce = gets.next_nonce();
  gets.sent(0);
  // Still sequence 3: the store has not taken the write in yet. Asked again a little later.
  EXPECT_EQ(gets.reply(nonce, stored(3), 101, setting), PendingGets::Outcome::IGNORE);
  EXPECT_EQ(gets.due(101), PendingGets::NONE);
  ASSERT_EQ(gets.due(101 + CONFIG_GET_RETRY_MS), 0);
  nonce = gets.next_nonce();
  gets.sent(0);
  // Sequence 5: the write (or whichever won) is what the store keeps.
  EXPECT_EQ(gets.reply(nonce, stored(5), 210, setting), PendingGets::Outcome::VALUE);

  // A create (expected 0) that the store has not taken in yet: 404, asked again.
  EXPECT_FALSE(gets.change(0, compare_and_set(0), 300));
  nonce = gets.next_nonce();
  gets.sent(0);
  EXPECT_EQ(gets.reply(nonce, status(404), 301, setting), PendingGets::Outcome::IGNORE);
  nonce = gets.next_nonce();
  gets.sent(static_cast<size_t>(gets.due(401)));
  EXPECT_EQ(gets.reply(nonce, stored(6, true), 402, setting), PendingGets::Outcome::DEFAULT);

  // Never taken in: after the deadline the device keeps what it has.
  EXPECT_FALSE(gets.change(0, compare_and_set(6), 1000));
  nonce = gets.next_nonce();
  gets.sent(0);
  EXPECT_EQ(gets.reply(nonce, stored(6), 1000 + CONFIG_GET_TIMEOUT_MS, setting), PendingGets::Outcome::KEEP);
}

TEST(PendingGets, ACompareAndSetWriteDuringTheFirstGetStillHoldsTheAnnouncement) {
  PendingGets gets(1);
  gets.begin(0);
  gets.sent(0);
  EXPECT_FALSE(gets.change(0, compare_and_set(2), 1));
  EXPECT_TRUE(gets.settling());
  const uint32_t nonce = gets.next_nonce();
  gets.sent(static_cast<size_t>(gets.due(1)));
  int setting;
  EXPECT_EQ(gets.reply(nonce, stored(3), 2, setting), PendingGets::Outcome::VALUE);
  EXPECT_FALSE(gets.settling());
}

TEST(ConfigVectors, StoredValuesOfConfigSettingsJson) {
  ASSERT_GE(sizeof(CONFIG_VALUE_CASES) / sizeof(CONFIG_VALUE_CASES[0]), 20u);
  for (const auto &c : CONFIG_VALUE_CASES) {
    SCOPED_TRACE(c.name);
    DeclaredSetting d;
    declare(c.setting, d);
    SettingValue value;
    char text[255 * 4 + 1];
    const char *why = read_setting_value(d.spec, c.raw.data(), c.raw.size(), value, text, sizeof(text));
    if (!c.valid) {
      EXPECT_NE(why, nullptr);
      continue;
    }
    ASSERT_EQ(why, nullptr);
    JsonValue expect;
    ASSERT_TRUE(json_parse_value(c.expect.data(), c.expect.size(), expect));
    switch (d.spec.type) {
      case SettingType::NUMBER:
        EXPECT_DOUBLE_EQ(value.number, expect.number);
        break;
      case SettingType::TEXT: {
        char expected[sizeof(text)];
        ASSERT_TRUE(expect.copy_string(expected, sizeof(expected)));
        EXPECT_EQ(std::string(text, value.text_len), expected);
        break;
      }
      case SettingType::SWITCH:
        EXPECT_EQ(value.boolean, expect.boolean);
        break;
    }
  }
}

TEST(ConfigVectors, BucketNamesAndDeletes) {
  for (const auto &c : CONFIG_BUCKET_CASES) {
    char out[MAX_BUCKET_LEN + 1];
    ASSERT_GT(config_bucket_name(c.prefix, out, sizeof(out)), 0u) << c.prefix;
    EXPECT_STREQ(out, c.bucket);
  }
  for (const auto &c : CONFIG_DELETED_CASES) {
    SCOPED_TRACE(c.headers);
    EXPECT_EQ(headers_of(c.headers).deleted, c.deleted);
  }
}
