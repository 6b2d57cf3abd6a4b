// The bounded JSON reader and writer.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "nats_json.h"

using namespace esphome::nats;

namespace {

JsonType validate(const std::string &s) { return json_validate(s.data(), s.size()); }

std::string write(void (*fill)(JsonWriter &), size_t cap = 256) {
  std::string buf(cap, '\0');
  JsonWriter w(buf.data(), cap);
  fill(w);
  EXPECT_FALSE(w.overflow());
  return buf.substr(0, w.size());
}

}  // namespace

TEST(JsonReader, AcceptsValidDocuments) {
  EXPECT_EQ(validate("{}"), JsonType::OBJECT);
  EXPECT_EQ(validate(" { \"a\" : [1, -2.5e3, true, false, null, \"x\\n\\u00e9\"], \"b\": {} } "), JsonType::OBJECT);
  EXPECT_EQ(validate("[]"), JsonType::ARRAY);
  EXPECT_EQ(validate("0"), JsonType::NUMBER);
  EXPECT_EQ(validate("\"s\""), JsonType::STRING);
}

TEST(JsonReader, RejectsInvalidDocuments) {
  const char *bad[] = {"",        "ON",        "{",         "{\"a\"}",     "{\"a\":}",   "{\"a\":1,}", "[1,]",
                       "01",      "1.",        "-",         "1e",          "+1",         "{'a':1}",    "\"\\x\"",
                       "\"\\u12\"", "{\"a\":1} x", "tru",     "nul",         "[1 2]",      "{\"a\" 1}",  "\"a\nb\"",
                       "NaN",     "Infinity",  "{\"a\":1}}", "[[[[[[[[[[1]]]]]]]]]]"};
  for (const char *s : bad) {
    SCOPED_TRACE(s);
    EXPECT_EQ(validate(s), JsonType::INVALID);
  }
}

TEST(JsonReader, IteratesMembersAndDecodesStrings) {
  const std::string doc = R"({"state":"ON","rgb":[1,2,3],"s":"a\"b\\c\u0041\ud83d\ude00","n":-1.5})";
  JsonValue root;
  ASSERT_TRUE(json_parse_object(doc.data(), doc.size(), root));
  JsonIterator it(root);
  JsonValue key, value;
  ASSERT_TRUE(it.next_member(key, value));
  EXPECT_TRUE(key.equals("state"));
  EXPECT_TRUE(value.equals("ON"));
  EXPECT_FALSE(value.equals("O"));
  EXPECT_FALSE(value.equals("ONX"));
  ASSERT_TRUE(it.next_member(key, value));
  EXPECT_EQ(value.type, JsonType::ARRAY);
  JsonIterator items(value);
  JsonValue item;
  int sum = 0;
  while (items.next_element(item))
    sum += static_cast<int>(item.number);
  EXPECT_EQ(sum, 6);
  ASSERT_TRUE(it.next_member(key, value));
  char out[32];
  size_t n;
  ASSERT_TRUE(value.copy_string(out, sizeof(out), &n));
  EXPECT_STREQ(out, "a\"b\\cA\xf0\x9f\x98\x80");
  EXPECT_EQ(n, std::strlen(out));
  char small[4];
  EXPECT_FALSE(value.copy_string(small, sizeof(small)));
  EXPECT_EQ(std::strlen(small), 3u);
  ASSERT_TRUE(it.next_member(key, value));
  EXPECT_DOUBLE_EQ(value.number, -1.5);
  EXPECT_FALSE(value.is_integer());
  EXPECT_FALSE(it.next_member(key, value));
}

TEST(JsonReader, NotAnObjectIsRejected) {
  JsonValue root;
  EXPECT_FALSE(json_parse_object("[1]", 3, root));
  EXPECT_FALSE(json_parse_object("\"ON\"", 4, root));
}

TEST(JsonWriter, WritesCompactEscapedJson) {
  auto out = write([](JsonWriter &w) {
    w.begin_object();
    w.key("s");
    w.value("a\"b\\c\n\x01");
    w.key("i");
    w.value(-42);
    w.key("f");
    w.value_number(21.5);
    w.key("p");
    w.value_number(21.0, 1);
    w.key("nan");
    w.value_number(NAN);
    w.key("b");
    w.value(true);
    w.key("l");
    w.begin_array();
    w.value(1);
    w.begin_object();
    w.end_object();
    w.value_null();
    w.end_array();
    w.end_object();
  });
  EXPECT_EQ(out, R"({"s":"a\"b\\c\n\u0001","i":-42,"f":21.5,"p":21.0,"nan":null,"b":true,"l":[1,{},null]})");
  EXPECT_EQ(validate(out), JsonType::OBJECT);
}

TEST(JsonWriter, OverflowIsReportedWithTheNeededSize) {
  char buf[8];
  std::memset(buf, '#', sizeof(buf));
  JsonWriter w(buf, 6);
  w.begin_object();
  w.key("state");
  w.value("ON");
  w.end_object();
  EXPECT_TRUE(w.overflow());
  EXPECT_EQ(w.size(), std::strlen(R"({"state":"ON"})"));
  EXPECT_EQ(buf[6], '#');  // nothing written past the capacity
  EXPECT_EQ(buf[7], '#');
}

// An announcement larger than the send buffer is written window by window;
// the windows must add up to exactly what one large buffer would hold.
TEST(JsonWriter, WindowsAddUpToTheWholeDocument) {
  auto fill = [](JsonWriter &w) {
    w.begin_object();
    w.key("name");
    w.value("K\xc3\xbc"
            "che \"1\"\n");
    w.key("list");
    w.begin_array();
    for (int i = 0; i < 20; i++)
      w.value_number(i * 1.5);
    w.end_array();
    w.end_object();
  };
  char whole[512];
  JsonWriter reference(whole, sizeof(whole));
  fill(reference);
  ASSERT_FALSE(reference.overflow());
  const std::string expected(whole, reference.size());
  for (size_t window = 1; window <= 17; window++) {
    std::string joined;
    for (size_t skip = 0; skip < expected.size(); skip += window) {
      std::string buf(window, '\0');
      JsonWriter w(buf.data(), window, skip);
      fill(w);
      EXPECT_EQ(w.size(), expected.size());
      joined.append(buf.data(), w.stored());
    }
    EXPECT_EQ(joined, expected) << "window " << window;
  }
  JsonWriter counter(nullptr, 0);
  fill(counter);
  EXPECT_EQ(counter.size(), expected.size());
  EXPECT_EQ(counter.stored(), 0u);
}

// Parts of one document written separately (the announcement's entities)
// join into valid JSON: after_value() supplies the comma, raw() the close.
TEST(JsonWriter, PartsJoinIntoOneDocument) {
  std::string doc;
  char buf[64];
  JsonWriter head(buf, sizeof(buf));
  head.begin_object();
  head.key("entities");
  head.begin_array();
  doc.append(buf, head.size());
  for (int i = 0; i < 3; i++) {
    JsonWriter part(buf, sizeof(buf));
    if (i > 0)
      part.after_value();
    part.begin_object();
    part.key("id");
    part.value(i);
    part.end_object();
    doc.append(buf, part.size());
  }
  JsonWriter tail(buf, sizeof(buf));
  tail.raw("]}", 2);
  doc.append(buf, tail.size());
  EXPECT_EQ(doc, R"({"entities":[{"id":0},{"id":1},{"id":2}]})");
  EXPECT_EQ(json_validate(doc.data(), doc.size()), JsonType::OBJECT);
}
