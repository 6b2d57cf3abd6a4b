#include "nats_parser.h"

#include <cstring>

namespace esphome::nats {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive: the protocol's operation names are.
bool op_is(const char *op, size_t len, const char *name) {
  size_t n = std::strlen(name);
  if (len != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    if (lower(op[i]) != lower(name[i]))
      return false;
  }
  return true;
}

bool parse_u32(const char *s, size_t len, uint32_t &out) {
  if (len == 0 || len > 10)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (v > 0xFFFFFFFFull)
    return false;
  out = static_cast<uint32_t>(v);
  return true;
}

struct Token {
  size_t off;
  size_t len;
};

// Splits buf[from, len) at spaces/tabs into at most max tokens; returns the count,
// or max + 1 when there are more.
size_t split(const char *buf, size_t from, size_t len, Token *tokens, size_t max) {
  size_t count = 0;
  size_t i = from;
  while (i < len) {
    while (i < len && is_space(buf[i]))
      i++;
    if (i >= len)
      break;
    size_t start = i;
    while (i < len && !is_space(buf[i]))
      i++;
    if (count == max)
      return max + 1;
    tokens[count++] = Token{start, i - start};
  }
  return count;
}

}  // namespace

void NatsParser::reset() {
  this->line_len_ = 0;
  this->state_ = State::LINE;
  this->error_ = nullptr;
  this->remaining_ = 0;
}

bool NatsParser::fail_(const char *what) {
  this->error_ = what;
  return false;
}

bool NatsParser::feed(const uint8_t *data, size_t len, NatsParserListener &listener) {
  if (this->error_ != nullptr)
    return false;
  const char *p = reinterpret_cast<const char *>(data);
  const char *end = p + len;
  while (p < end) {
    switch (this->state_) {
      case State::LINE: {
        const char *nl = static_cast<const char *>(std::memchr(p, '\n', end - p));
        size_t n = (nl != nullptr ? nl : end) - p;
        size_t room = this->cap_ - this->line_len_;
        if (n > room) {
          std::memcpy(this->buf_ + this->line_len_, p, room);
          this->line_len_ += room;
          p += room;
          // Servers with many cluster URLs send INFO lines longer than a small
          // device buffer; only their start is needed.
          if (this->line_len_ >= 4 && op_is(this->buf_, 4, "INFO")) {
            this->state_ = State::SKIP_LINE;
            continue;
          }
          return this->fail_("control line too long");
        }
        std::memcpy(this->buf_ + this->line_len_, p, n);
        this->line_len_ += n;
        p += n;
        if (nl == nullptr)
          return true;
        p++;  // '\n'
        if (this->line_len_ > 0 && this->buf_[this->line_len_ - 1] == '\r')
          this->line_len_--;
        if (!this->handle_line_(listener))
          return false;
        break;
      }
      case State::SKIP_LINE: {
        const char *nl = static_cast<const char *>(std::memchr(p, '\n', end - p));
        if (nl == nullptr)
          return true;
        p = nl + 1;
        size_t arg = 4;
        while (arg < this->line_len_ && is_space(this->buf_[arg]))
          arg++;
        listener.on_info(this->buf_ + arg, this->line_len_ - arg, true);
        this->line_len_ = 0;
        this->state_ = State::LINE;
        break;
      }
      case State::BODY: {
        size_t body = static_cast<size_t>(this->total_size_) + 2;
        size_t n = static_cast<size_t>(end - p);
        if (n > this->remaining_)
          n = this->remaining_;
        std::memcpy(this->buf_ + this->line_len_ + (body - this->remaining_), p, n);
        this->remaining_ -= static_cast<uint32_t>(n);
        p += n;
        if (this->remaining_ == 0 && !this->finish_body_(listener))
          return false;
        break;
      }
      case State::SKIP_BODY: {
        size_t n = static_cast<size_t>(end - p);
        if (n > this->remaining_)
          n = this->remaining_;
        this->remaining_ -= static_cast<uint32_t>(n);
        p += n;
        if (this->remaining_ == 0) {
          listener.on_msg_dropped(this->buf_ + this->subject_off_, this->subject_len_, this->total_size_);
          this->line_len_ = 0;
          this->state_ = State::LINE;
        }
        break;
      }
    }
  }
  return true;
}

bool NatsParser::handle_line_(NatsParserListener &listener) {
  const char *line = this->buf_;
  size_t len = this->line_len_;
  size_t op_len = 0;
  while (op_len < len && !is_space(line[op_len]))
    op_len++;
  size_t arg = op_len;
  while (arg < len && is_space(line[arg]))
    arg++;

  if (op_is(line, op_len, "MSG"))
    return this->start_message_(false);
  if (op_is(line, op_len, "HMSG"))
    return this->start_message_(true);

  this->line_len_ = 0;
  if (len == 0)
    return true;
  if (op_is(line, op_len, "PING")) {
    listener.on_ping();
  } else if (op_is(line, op_len, "PONG")) {
    listener.on_pong();
  } else if (op_is(line, op_len, "+OK")) {
    listener.on_ok();
  } else if (op_is(line, op_len, "-ERR")) {
    size_t end = len;
    while (end > arg && is_space(line[end - 1]))
      end--;
    if (end - arg >= 2 && line[arg] == '\'' && line[end - 1] == '\'') {
      arg++;
      end--;
    }
    listener.on_err(line + arg, end - arg);
  } else if (op_is(line, op_len, "INFO")) {
    listener.on_info(line + arg, len - arg, false);
  } else {
    return this->fail_("unknown protocol operation");
  }
  return true;
}

bool NatsParser::start_message_(bool with_headers) {
  // MSG <subject> <sid> [reply-to] <#bytes>
  // HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>
  Token t[6];
  size_t count = split(this->buf_, 0, this->line_len_, t, 6);
  const size_t sizes = with_headers ? 2 : 1;
  if (count < 3 + sizes || count > 4 + sizes)
    return this->fail_("malformed MSG line");
  const bool has_reply = count == 4 + sizes;
  uint32_t header_size = 0;
  uint32_t total_size = 0;
  const Token &last = t[count - 1];
  if (!parse_u32(this->buf_ + t[2].off, t[2].len, this->sid_) ||
      !parse_u32(this->buf_ + last.off, last.len, total_size))
    return this->fail_("malformed MSG line");
  if (with_headers) {
    const Token &hdr = t[count - 2];
    if (!parse_u32(this->buf_ + hdr.off, hdr.len, header_size) || header_size > total_size)
      return this->fail_("malformed HMSG sizes");
  }
  if (total_size > MAX_MESSAGE_SIZE)
    return this->fail_("message size out of range");
  this->subject_off_ = t[1].off;
  this->subject_len_ = t[1].len;
  this->reply_off_ = has_reply ? t[3].off : 0;
  this->reply_len_ = has_reply ? t[3].len : 0;
  this->header_size_ = header_size;
  this->total_size_ = total_size;
  this->remaining_ = total_size + 2;
  // Each is followed by a separator in the retained line: terminate in place.
  this->buf_[this->subject_off_ + this->subject_len_] = '\0';
  if (has_reply)
    this->buf_[this->reply_off_ + this->reply_len_] = '\0';
  const size_t needed = this->line_len_ + static_cast<size_t>(total_size) + 2;
  this->state_ = needed <= this->cap_ ? State::BODY : State::SKIP_BODY;
  return true;
}

bool NatsParser::finish_body_(NatsParserListener &listener) {
  char *body = this->buf_ + this->line_len_;
  if (body[this->total_size_] != '\r' || body[this->total_size_ + 1] != '\n')
    return this->fail_("message not terminated by CRLF");
  NatsMessage msg{};
  msg.subject = this->buf_ + this->subject_off_;
  msg.subject_len = this->subject_len_;
  msg.sid = this->sid_;
  msg.reply = this->reply_len_ != 0 ? this->buf_ + this->reply_off_ : "";
  msg.reply_len = this->reply_len_;
  msg.headers = body;
  msg.headers_len = this->header_size_;
  msg.payload = body + this->header_size_;
  msg.payload_len = this->total_size_ - this->header_size_;
  // Handlers may treat strings as C strings.
  body[this->total_size_] = '\0';
  this->line_len_ = 0;
  this->state_ = State::LINE;
  listener.on_msg(msg);
  return true;
}

}  // namespace esphome::nats
