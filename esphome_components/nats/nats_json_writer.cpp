#include "nats_json.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace esphome::nats {

void JsonWriter::put_(char c) {
  if (this->len_ >= this->skip_ && this->len_ - this->skip_ < this->cap_)
    this->buf_[this->len_ - this->skip_] = c;
  this->len_++;
}

void JsonWriter::put_(const char *s, size_t n) {
  // The part of [len_, len_ + n) that falls into the window [skip_, skip_ + cap_).
  const size_t end = this->len_ + n;
  const size_t from = this->len_ > this->skip_ ? this->len_ : this->skip_;
  const size_t to = end < this->skip_ + this->cap_ ? end : this->skip_ + this->cap_;
  if (from < to)
    std::memcpy(this->buf_ + (from - this->skip_), s + (from - this->len_), to - from);
  this->len_ = end;
}

size_t JsonWriter::stored() const {
  if (this->len_ <= this->skip_)
    return 0;
  const size_t n = this->len_ - this->skip_;
  return n < this->cap_ ? n : this->cap_;
}

void JsonWriter::separate_() {
  if (this->need_comma_)
    this->put_(',');
  this->need_comma_ = true;
}

void JsonWriter::string_(const char *s, size_t n) {
  static const char HEX[] = "0123456789abcdef";
  this->put_('"');
  for (size_t i = 0; i < n; i++) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      this->put_('\\');
      this->put_(static_cast<char>(c));
    } else if (c == '\n') {
      this->put_("\\n", 2);
    } else if (c == '\r') {
      this->put_("\\r", 2);
    } else if (c == '\t') {
      this->put_("\\t", 2);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 0xF]};
      this->put_(esc, sizeof(esc));
    } else {
      this->put_(static_cast<char>(c));
    }
  }
  this->put_('"');
}

void JsonWriter::begin_object() {
  this->separate_();
  this->put_('{');
  this->need_comma_ = false;
}

void JsonWriter::end_object() {
  this->put_('}');
  this->need_comma_ = true;
}

void JsonWriter::begin_array() {
  this->separate_();
  this->put_('[');
  this->need_comma_ = false;
}

void JsonWriter::end_array() {
  this->put_(']');
  this->need_comma_ = true;
}

void JsonWriter::key(const char *k) {
  this->separate_();
  this->string_(k, std::strlen(k));
  this->put_(':');
  this->need_comma_ = false;
}

void JsonWriter::value(const char *s) {
  if (s == nullptr) {
    this->value_null();
    return;
  }
  this->value(s, std::strlen(s));
}

void JsonWriter::value(const char *s, size_t len) {
  this->separate_();
  this->string_(s, len);
}

void JsonWriter::value(int64_t v) {
  char tmp[24];
  int n = std::snprintf(tmp, sizeof(tmp), "%lld", static_cast<long long>(v));
  this->separate_();
  this->put_(tmp, static_cast<size_t>(n));
}

void JsonWriter::value_number(double v, int decimals) {
  if (!std::isfinite(v)) {
    this->value_null();
    return;
  }
  char tmp[40];
  int n;
  if (decimals >= 0) {
    n = std::snprintf(tmp, sizeof(tmp), "%.*f", decimals > 10 ? 10 : decimals, v);
  } else {
    n = std::snprintf(tmp, sizeof(tmp), "%.7g", v);
  }
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(tmp)) {
    this->value_null();
    return;
  }
  this->separate_();
  this->put_(tmp, static_cast<size_t>(n));
}

void JsonWriter::value(bool v) {
  this->separate_();
  if (v) {
    this->put_("true", 4);
  } else {
    this->put_("false", 5);
  }
}

void JsonWriter::value_null() {
  this->separate_();
  this->put_("null", 4);
}

}  // namespace esphome::nats
