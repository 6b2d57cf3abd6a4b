// The event platform's pure part: which event types are announced (a
// ModeList, as for every 1.4 mode list) and the queue of fired events.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nats_mode_list.h"
#include "nats_platform_event.h"

namespace esphome::nats::test {

namespace {

struct Types {
  std::vector<std::string> text;
  std::vector<const char *> ptrs;
  explicit Types(std::vector<std::string> t) : text(std::move(t)) {
    for (const auto &s : this->text)
      this->ptrs.push_back(s.c_str());
  }
  size_t size() const { return this->ptrs.size(); }
  const char *operator[](size_t i) const { return this->ptrs[i]; }
};

std::vector<std::string> announced(const Types &types) {
  std::vector<std::string> out;
  for (size_t i = 0; i < types.size(); i++) {
    if (is_announced_event_type(types, i))
      out.push_back(types[i]);
  }
  return out;
}

}  // namespace

TEST(EventTypes, EveryTypeOfAPlainListIsAnnounced) {
  const Types types({"single", "double", "long"});
  EXPECT_EQ(announced(types), (std::vector<std::string>{"single", "double", "long"}));
  EXPECT_FALSE(is_announced_event_type(types, 3));
}

TEST(EventTypes, WhatTheProtocolCannotCarryIsLeftOut) {
  const Types types({"", "ring", std::string(65, 'x'), "ring", std::string(64, 'y'), "press"});
  EXPECT_EQ(announced(types), (std::vector<std::string>{"ring", std::string(64, 'y'), "press"}));
}

TEST(EventTypes, AtMost64) {
  std::vector<std::string> many;
  for (int i = 0; i < 70; i++)
    many.push_back("t" + std::to_string(i));
  const Types types(many);
  EXPECT_EQ(announced(types).size(), 64u);
  EXPECT_TRUE(is_announced_event_type(types, 63));
  EXPECT_FALSE(is_announced_event_type(types, 64));
}

TEST(ModeListTest, KeepsOrderAndRefusesRepeats) {
  ModeList list;
  EXPECT_TRUE(list.add("auto"));
  EXPECT_TRUE(list.add("low"));
  EXPECT_FALSE(list.add("auto"));
  EXPECT_FALSE(list.add(""));
  EXPECT_TRUE(list.add("Auto"));  // words are compared exactly, case included
  ASSERT_EQ(list.size(), 3u);
  EXPECT_STREQ(list.at(0), "auto");
  EXPECT_STREQ(list.at(2), "Auto");
  EXPECT_TRUE(list.contains("low"));
  EXPECT_FALSE(list.contains("high"));
}

TEST(EventQueueTest, OldestFirst) {
  EventQueue<4> q;
  EXPECT_TRUE(q.empty());
  q.push({1, 0});
  q.push({2, 1});
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q.front().entry, 1);
  q.pop();
  EXPECT_EQ(q.front().entry, 2);
  EXPECT_EQ(q.front().type, 1);
  q.pop();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.take_dropped(), 0u);
}

TEST(EventQueueTest, FullDropsTheOldestAndCountsIt) {
  EventQueue<4> q;
  for (uint16_t i = 0; i < 11; i++)
    q.push({i, static_cast<uint8_t>(i % 3)});
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.take_dropped(), 7u);
  EXPECT_EQ(q.take_dropped(), 0u);  // counted once
  for (uint16_t want = 7; want < 11; want++) {
    ASSERT_FALSE(q.empty());
    EXPECT_EQ(q.front().entry, want);
    q.pop();
  }
  EXPECT_TRUE(q.empty());
}

TEST(EventQueueTest, WrapsAroundWithoutLoss) {
  EventQueue<3> q;
  for (uint16_t round = 0; round < 10; round++) {
    q.push({round, 0});
    q.push({static_cast<uint16_t>(round + 100), 1});
    EXPECT_EQ(q.front().entry, round);
    q.pop();
    EXPECT_EQ(q.front().entry, round + 100);
    q.pop();
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.take_dropped(), 0u);
}

TEST(EventQueueTest, ClearCountsWhatItForgets) {
  EventQueue<EVENT_QUEUE_SIZE> q;
  q.push({0, 0});
  q.push({1, 0});
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.take_dropped(), 2u);
  q.push({5, 2});
  EXPECT_EQ(q.front().entry, 5);
}

}  // namespace esphome::nats::test
