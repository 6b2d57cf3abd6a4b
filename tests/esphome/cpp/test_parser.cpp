// The NATS stream parser against recorded frames (tests/vectors/nats_frames):
// whole, split at every byte boundary, byte by byte, plus garbage input.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "nats_parser.h"
#include "vectors.h"

using namespace esphome::nats;

namespace {

class Recorder : public NatsParserListener {
 public:
  void on_info(const char *json, size_t len, bool truncated) override {
    events.push_back("INFO|" + std::string(json, len) + "|" + (truncated ? "1" : "0"));
  }
  void on_ping() override { events.emplace_back("PING"); }
  void on_pong() override { events.emplace_back("PONG"); }
  void on_ok() override { events.emplace_back("OK"); }
  void on_err(const char *text, size_t len) override { events.push_back("ERR|" + std::string(text, len)); }
  void on_msg(const NatsMessage &m) override {
    // Subject, reply and payload are NUL terminated for C-string users.
    EXPECT_EQ(m.subject[m.subject_len], '\0');
    EXPECT_EQ(m.reply[m.reply_len], '\0');
    EXPECT_EQ(m.payload[m.payload_len], '\0');
    events.push_back("MSG|" + std::string(m.subject, m.subject_len) + "|" + std::to_string(m.sid) + "|" +
                     std::string(m.reply, m.reply_len) + "|" + std::string(m.headers, m.headers_len) + "|" +
                     std::string(m.payload, m.payload_len));
  }
  void on_msg_dropped(const char *subject, size_t subject_len, size_t size) override {
    events.push_back("DROPPED|" + std::string(subject, subject_len) + "|" + std::to_string(size));
  }
  std::vector<std::string> events;
};

struct Run {
  std::vector<std::string> events;
  bool ok;
};

// Feeds raw in pieces cut at the given offsets; stops at the first error.
Run feed(const FrameCase &tc, const std::vector<size_t> &cuts) {
  // Exactly the buffer size, so AddressSanitizer sees any overrun.
  std::vector<char> buf(tc.buffer);
  NatsParser parser;
  parser.set_buffer(buf.data(), buf.size());
  Recorder rec;
  size_t start = 0;
  bool ok = true;
  std::vector<size_t> ends = cuts;
  ends.push_back(tc.raw.size());
  for (size_t end : ends) {
    if (end < start)
      continue;
    // A copy per piece: the parser must not keep pointers into its input.
    std::vector<uint8_t> piece(tc.raw.begin() + start, tc.raw.begin() + end);
    ok = parser.feed(piece.data(), piece.size(), rec);
    start = end;
    if (!ok) {
      EXPECT_NE(parser.error(), nullptr);
      break;
    }
  }
  return {rec.events, ok};
}

void check(const FrameCase &tc, const Run &run, const std::string &how) {
  SCOPED_TRACE(std::string(tc.name) + " / " + how);
  EXPECT_EQ(run.ok, tc.valid);
  EXPECT_EQ(run.events, tc.events);
}

}  // namespace

TEST(FrameVectors, Whole) {
  ASSERT_GT(sizeof(FRAME_CASES) / sizeof(FRAME_CASES[0]), 10u);
  for (const auto &tc : FRAME_CASES)
    check(tc, feed(tc, {}), "whole");
}

TEST(FrameVectors, SplitAtEveryByteBoundary) {
  for (const auto &tc : FRAME_CASES) {
    for (size_t cut = 1; cut < tc.raw.size(); cut++)
      check(tc, feed(tc, {cut}), "cut at " + std::to_string(cut));
  }
}

TEST(FrameVectors, ByteByByte) {
  for (const auto &tc : FRAME_CASES) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < tc.raw.size(); i++)
      cuts.push_back(i);
    check(tc, feed(tc, cuts), "byte by byte");
  }
}

TEST(FrameVectors, RandomPieces) {
  std::mt19937 rng(1234);
  for (const auto &tc : FRAME_CASES) {
    for (int round = 0; round < 50; round++) {
      std::vector<size_t> cuts;
      for (size_t i = 1; i < tc.raw.size(); i++) {
        if (rng() % 7 == 0)
          cuts.push_back(i);
      }
      check(tc, feed(tc, cuts), "random round " + std::to_string(round));
    }
  }
}

TEST(Parser, ResetRecoversAfterError) {
  std::vector<char> buf(64);
  NatsParser parser;
  parser.set_buffer(buf.data(), buf.size());
  Recorder rec;
  const std::string bad = "BOGUS\r\n";
  EXPECT_FALSE(parser.feed(reinterpret_cast<const uint8_t *>(bad.data()), bad.size(), rec));
  // Stays failed until reset: the connection is being dropped.
  const std::string ping = "PING\r\n";
  EXPECT_FALSE(parser.feed(reinterpret_cast<const uint8_t *>(ping.data()), ping.size(), rec));
  parser.reset();
  EXPECT_TRUE(parser.feed(reinterpret_cast<const uint8_t *>(ping.data()), ping.size(), rec));
  EXPECT_EQ(rec.events, std::vector<std::string>{"PING"});
}

TEST(Parser, ManyMessagesUseTheSameBuffer) {
  std::vector<char> buf(96);
  NatsParser parser;
  parser.set_buffer(buf.data(), buf.size());
  Recorder rec;
  std::string stream;
  for (int i = 0; i < 1000; i++) {
    std::string payload = "{\"n\":" + std::to_string(i) + "}";
    stream += "MSG home.devices.d.switch.s.command 1 _INBOX.r." + std::to_string(i) + " " +
              std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
  }
  ASSERT_TRUE(parser.feed(reinterpret_cast<const uint8_t *>(stream.data()), stream.size(), rec));
  ASSERT_EQ(rec.events.size(), 1000u);
  EXPECT_EQ(rec.events[999], "MSG|home.devices.d.switch.s.command|1|_INBOX.r.999||{\"n\":999}");
}

TEST(Parser, RandomGarbageNeverOverruns) {
  // Under AddressSanitizer: any input either parses or fails, never overruns.
  std::mt19937 rng(42);
  const char alphabet[] = "MSG HMSG PING PONG INFO +OK -ERR 0123456789 \r\n{}\"ab.*>_";
  for (int round = 0; round < 2000; round++) {
    std::vector<char> buf(48 + rng() % 64);
    NatsParser parser;
    parser.set_buffer(buf.data(), buf.size());
    Recorder rec;
    std::vector<uint8_t> data(rng() % 300);
    for (auto &b : data)
      b = (rng() % 4 == 0) ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(alphabet[rng() % (sizeof(alphabet) - 1)]);
    size_t pos = 0;
    while (pos < data.size()) {
      size_t n = 1 + rng() % 16;
      if (n > data.size() - pos)
        n = data.size() - pos;
      if (!parser.feed(data.data() + pos, n, rec))
        break;
      pos += n;
    }
  }
}
