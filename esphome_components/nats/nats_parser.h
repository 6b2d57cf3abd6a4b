#pragma once

// Incremental parser for what a NATS server sends a client: INFO, MSG, HMSG,
// PING, PONG, +OK and -ERR. Pure C++ so the host unit tests can feed it
// recorded frames split at any byte boundary.
//
// Everything lives in one caller-owned buffer: the control line, then the
// message body right behind it. A message that does not fit is skipped byte
// by byte and reported as dropped, so memory never grows with the input.

#include <cstddef>
#include <cstdint>

namespace esphome::nats {

struct NatsMessage {
  const char *subject;
  size_t subject_len;
  uint32_t sid;
  /// Empty (reply_len == 0) when the publisher expects no answer.
  const char *reply;
  size_t reply_len;
  /// NATS/1.0 header block of an HMSG, empty for MSG.
  const char *headers;
  size_t headers_len;
  const char *payload;
  size_t payload_len;
};

class NatsParserListener {
 public:
  /// json is the INFO argument; truncated when the line did not fit the
  /// buffer (the client still answers it with CONNECT).
  virtual void on_info(const char *json, size_t len, bool truncated) = 0;
  virtual void on_ping() = 0;
  virtual void on_pong() = 0;
  virtual void on_ok() {}
  virtual void on_err(const char *text, size_t len) = 0;
  virtual void on_msg(const NatsMessage &msg) = 0;
  /// A message larger than the buffer was skipped.
  virtual void on_msg_dropped(const char *subject, size_t subject_len, size_t size) = 0;

 protected:
  ~NatsParserListener() = default;
};

class NatsParser {
 public:
  /// Largest size field accepted; anything above is a corrupt stream.
  static constexpr uint32_t MAX_MESSAGE_SIZE = 64u * 1024u * 1024u;

  void set_buffer(char *buf, size_t cap) {
    this->buf_ = buf;
    this->cap_ = cap;
    this->reset();
  }
  /// Back to the start of a line (new connection).
  void reset();
  /// Feed received bytes. Returns false on a protocol violation; error()
  /// names it and the connection must be dropped (then reset()).
  bool feed(const uint8_t *data, size_t len, NatsParserListener &listener);
  const char *error() const { return this->error_; }

 protected:
  enum class State : uint8_t { LINE, SKIP_LINE, BODY, SKIP_BODY };

  bool fail_(const char *what);
  bool handle_line_(NatsParserListener &listener);
  bool start_message_(bool with_headers);
  bool finish_body_(NatsParserListener &listener);

  char *buf_{nullptr};
  size_t cap_{0};
  size_t line_len_{0};
  State state_{State::LINE};
  const char *error_{nullptr};

  // The message whose body is being read; offsets into buf_.
  size_t subject_off_{0};
  size_t subject_len_{0};
  size_t reply_off_{0};
  size_t reply_len_{0};
  uint32_t sid_{0};
  uint32_t header_size_{0};
  uint32_t total_size_{0};
  /// Body bytes (payload + CRLF) still to read or skip.
  uint32_t remaining_{0};
};

}  // namespace esphome::nats
