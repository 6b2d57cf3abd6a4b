// The O(1) bookkeeping behind state changes (EntityIndex, DirtyQueue) and
// the reconnect back-off's jitter.

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "nats_backoff.h"
#include "nats_entity_index.h"

using namespace esphome::nats;

TEST(EntityIndex, FindsEveryEntityAndNothingElse) {
  for (size_t count : {0u, 1u, 7u, 256u}) {
    SCOPED_TRACE(count);
    // Entities are objects next to each other in memory, as in ESPHome.
    std::vector<uint64_t> objects(count + 8);
    EntityIndex index;
    index.init(count);
    for (size_t i = 0; i < count; i++)
      index.insert(&objects[i], static_cast<uint16_t>(i));
    for (size_t i = 0; i < count; i++)
      EXPECT_EQ(index.find(&objects[i]), i);
    for (size_t i = count; i < objects.size(); i++)
      EXPECT_EQ(index.find(&objects[i]), EntityIndex::NONE);
  }
}

TEST(EntityIndex, EmptyBeforeInit) {
  EntityIndex index;
  int x = 0;
  EXPECT_EQ(index.find(&x), EntityIndex::NONE);
}

TEST(DirtyQueue, OldestFirstEachOnce) {
  DirtyQueue q;
  q.init(5);
  EXPECT_TRUE(q.empty());
  for (uint16_t i : {3, 1, 3, 4, 1, 0})
    q.mark(i);
  ASSERT_EQ(q.size(), 4u);
  std::vector<uint16_t> order;
  while (!q.empty()) {
    order.push_back(q.front());
    q.pop();
  }
  EXPECT_EQ(order, (std::vector<uint16_t>{3, 1, 4, 0}));
  // Clean again: marking queues once more, and the ring wraps around.
  for (int round = 0; round < 3; round++) {
    for (uint16_t i = 0; i < 5; i++)
      q.mark(i);
    EXPECT_EQ(q.size(), 5u);
    for (uint16_t i = 0; i < 5; i++) {
      EXPECT_EQ(q.front(), i);
      q.pop();
    }
  }
  q.mark(9);  // not an entry
  EXPECT_TRUE(q.empty());
}

TEST(DirtyQueue, RemoveKeepsTheOthersInOrder) {
  DirtyQueue q;
  q.init(5);
  // Wrap the ring first, so removal crosses its end.
  for (uint16_t i : {0, 1, 2})
    q.mark(i);
  q.pop();
  q.pop();
  for (uint16_t i : {4, 0, 3})
    q.mark(i);  // queue: 2, 4, 0, 3 (ring slots 2, 3, 4, 0)
  q.remove(0);
  q.remove(1);  // not queued: nothing happens
  q.remove(7);  // not an entry
  ASSERT_EQ(q.size(), 3u);
  std::vector<uint16_t> order;
  while (!q.empty()) {
    order.push_back(q.front());
    q.pop();
  }
  EXPECT_EQ(order, (std::vector<uint16_t>{2, 4, 3}));
  q.mark(0);  // removed entries queue again
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.front(), 0);
}

TEST(DirtyQueue, NoEntities) {
  DirtyQueue q;
  q.init(0);
  q.mark(0);
  EXPECT_TRUE(q.empty());
}

TEST(Backoff, JitterSpreadsHalfToOneAndAHalfTimes) {
  for (uint32_t base : {100u, 1000u, 30000u, 3600000u}) {
    SCOPED_TRACE(base);
    EXPECT_EQ(jittered_backoff(base, 0), base / 2);
    EXPECT_EQ(jittered_backoff(base, UINT32_MAX), base / 2 + base);
    std::set<uint32_t> seen;
    for (uint32_t r = 0; r < 1000; r++) {
      const uint32_t wait = jittered_backoff(base, r * 4294967u);
      EXPECT_GE(wait, base / 2);
      EXPECT_LE(wait, base / 2 + base);
      seen.insert(wait);
    }
    // Devices drawing different numbers wait different times.
    EXPECT_GT(seen.size(), base < 1000 ? base / 2 : 500u);
  }
}

TEST(Backoff, DoublesUpToTheMaximum) {
  EXPECT_EQ(next_backoff(1000, 30000), 2000u);
  EXPECT_EQ(next_backoff(16000, 30000), 30000u);
  EXPECT_EQ(next_backoff(30000, 30000), 30000u);
  EXPECT_EQ(next_backoff(UINT32_MAX / 2 + 1, UINT32_MAX), UINT32_MAX);
}
