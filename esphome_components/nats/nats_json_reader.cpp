#include "nats_json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace esphome::nats {

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char *skip_ws(const char *p, const char *end) {
  while (p < end && is_ws(*p))
    p++;
  return p;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// The code unit of four hex digits at p, or -1.
int hex4(const char *p, const char *end) {
  if (end - p < 4)
    return -1;
  int unit = 0;
  for (int i = 0; i < 4; i++) {
    int h = hex_value(p[i]);
    if (h < 0)
      return -1;
    unit = unit * 16 + h;
  }
  return unit;
}

// p points after the opening quote; returns the position of the closing quote.
const char *scan_string(const char *p, const char *end) {
  while (p < end) {
    char c = *p;
    if (c == '"')
      return p;
    if (static_cast<unsigned char>(c) < 0x20)
      return nullptr;
    if (c == '\\') {
      if (++p >= end)
        return nullptr;
      switch (*p) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          break;
        case 'u': {
          // Also in fields nobody reads: U+0000 and lone surrogates make the
          // whole payload invalid (docs/protocol.md), as on the Python side.
          int unit = hex4(p + 1, end);
          if (unit <= 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
            return nullptr;
          p += 4;
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (end - p < 3 || p[1] != '\\' || p[2] != 'u')
              return nullptr;
            int low = hex4(p + 3, end);
            if (low < 0xDC00 || low > 0xDFFF)
              return nullptr;
            p += 6;
          }
          break;
        }
        default:
          return nullptr;
      }
    }
    p++;
  }
  return nullptr;
}

const char *scan_number(const char *p, const char *end) {
  if (p < end && *p == '-')
    p++;
  if (p >= end)
    return nullptr;
  if (*p == '0') {
    p++;
  } else if (is_digit(*p)) {
    while (p < end && is_digit(*p))
      p++;
  } else {
    return nullptr;
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !is_digit(*p))
      return nullptr;
    while (p < end && is_digit(*p))
      p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-'))
      p++;
    if (p >= end || !is_digit(*p))
      return nullptr;
    while (p < end && is_digit(*p))
      p++;
  }
  return p;
}

double number_of(const char *text, size_t len) {
  // strtod needs a terminator; literals longer than this are not numbers we use.
  char tmp[40];
  if (len >= sizeof(tmp))
    return NAN;
  std::memcpy(tmp, text, len);
  tmp[len] = '\0';
  return std::strtod(tmp, nullptr);
}

bool literal(const char *p, const char *end, const char *word, size_t n) {
  return static_cast<size_t>(end - p) >= n && std::memcmp(p, word, n) == 0;
}

// Parses one value starting at p (no leading whitespace). Returns the position
// after it, or nullptr when the text is not valid JSON.
const char *parse_value(const char *p, const char *end, uint8_t depth, JsonValue *out) {
  if (p >= end)
    return nullptr;
  JsonValue v;
  const char *start = p;
  switch (*p) {
    case '"': {
      const char *close = scan_string(p + 1, end);
      if (close == nullptr)
        return nullptr;
      v.type = JsonType::STRING;
      v.text = p + 1;
      v.len = close - (p + 1);
      p = close + 1;
      break;
    }
    case '{':
    case '[': {
      if (depth >= JSON_MAX_DEPTH)
        return nullptr;
      const bool object = *p == '{';
      const char close = object ? '}' : ']';
      p = skip_ws(p + 1, end);
      if (p < end && *p == close) {
        p++;
      } else {
        while (true) {
          if (object) {
            if (p >= end || *p != '"')
              return nullptr;
            JsonValue key;
            p = parse_value(p, end, depth + 1, &key);
            if (p == nullptr)
              return nullptr;
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
              return nullptr;
            p = skip_ws(p + 1, end);
          }
          p = parse_value(p, end, depth + 1, nullptr);
          if (p == nullptr)
            return nullptr;
          p = skip_ws(p, end);
          if (p >= end)
            return nullptr;
          if (*p == close) {
            p++;
            break;
          }
          if (*p != ',')
            return nullptr;
          p = skip_ws(p + 1, end);
        }
      }
      v.type = object ? JsonType::OBJECT : JsonType::ARRAY;
      v.text = start;
      v.len = p - start;
      break;
    }
    case 't':
    case 'f':
      if (literal(p, end, "true", 4)) {
        v.boolean = true;
        p += 4;
      } else if (literal(p, end, "false", 5)) {
        p += 5;
      } else {
        return nullptr;
      }
      v.type = JsonType::BOOL;
      break;
    case 'n':
      if (!literal(p, end, "null", 4))
        return nullptr;
      v.type = JsonType::NUL;
      p += 4;
      break;
    default: {
      const char *after = scan_number(p, end);
      if (after == nullptr)
        return nullptr;
      v.type = JsonType::NUMBER;
      v.text = p;
      v.len = after - p;
      v.number = number_of(p, v.len);
      if (std::isnan(v.number))
        return nullptr;
      p = after;
      break;
    }
  }
  if (out != nullptr)
    *out = v;
  return p;
}

// Decodes escapes of a validated string body. Calls sink for each output byte;
// stops (returning false) as soon as sink refuses one.
template<typename Sink> bool decode_string(const char *p, size_t len, Sink sink) {
  const char *end = p + len;
  while (p < end) {
    char c = *p++;
    if (c != '\\') {
      if (!sink(c))
        return false;
      continue;
    }
    c = *p++;
    switch (c) {
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'n':
        c = '\n';
        break;
      case 'r':
        c = '\r';
        break;
      case 't':
        c = '\t';
        break;
      case 'u': {
        uint32_t cp = 0;
        for (int i = 0; i < 4; i++)
          cp = (cp << 4) | static_cast<uint32_t>(hex_value(*p++));
        // A surrogate pair is joined; a lone surrogate is not Unicode text
        // (docs/protocol.md), so the string does not decode.
        if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          uint32_t lo = 0;
          for (int i = 2; i < 6; i++)
            lo = (lo << 4) | static_cast<uint32_t>(hex_value(p[i]));
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF)
          return false;
        char utf8[4];
        size_t n;
        if (cp < 0x80) {
          utf8[0] = static_cast<char>(cp);
          n = 1;
        } else if (cp < 0x800) {
          utf8[0] = static_cast<char>(0xC0 | (cp >> 6));
          utf8[1] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 2;
        } else if (cp < 0x10000) {
          utf8[0] = static_cast<char>(0xE0 | (cp >> 12));
          utf8[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          utf8[2] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 3;
        } else {
          utf8[0] = static_cast<char>(0xF0 | (cp >> 18));
          utf8[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          utf8[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          utf8[3] = static_cast<char>(0x80 | (cp & 0x3F));
          n = 4;
        }
        for (size_t i = 0; i < n; i++) {
          if (!sink(utf8[i]))
            return false;
        }
        continue;
      }
      default:  // '"', '\\', '/'
        break;
    }
    if (!sink(c))
      return false;
  }
  return true;
}

}  // namespace

bool JsonValue::is_integer() const {
  return this->type == JsonType::NUMBER && std::isfinite(this->number) && std::floor(this->number) == this->number;
}

bool JsonValue::equals(const char *s) const {
  if (this->type != JsonType::STRING)
    return false;
  const char *q = s;
  bool same = decode_string(this->text, this->len, [&q](char c) {
    if (*q == '\0' || *q != c)
      return false;
    q++;
    return true;
  });
  return same && *q == '\0';
}

bool JsonValue::copy_string(char *out, size_t cap, size_t *out_len) const {
  if (this->type != JsonType::STRING || cap == 0)
    return false;
  size_t n = 0;
  bool fits = decode_string(this->text, this->len, [&](char c) {
    // "\u0000" cannot live inside a C string: it would silently cut it short.
    if (c == '\0' || n + 1 >= cap)
      return false;
    out[n++] = c;
    return true;
  });
  out[n] = '\0';
  if (out_len != nullptr)
    *out_len = n;
  return fits;
}

JsonType json_validate(const char *text, size_t len) {
  const char *end = text + len;
  JsonValue root;
  const char *p = parse_value(skip_ws(text, end), end, 0, &root);
  if (p == nullptr || skip_ws(p, end) != end)
    return JsonType::INVALID;
  return root.type;
}

bool json_parse_value(const char *text, size_t len, JsonValue &root) {
  const char *end = text + len;
  JsonValue v;
  const char *p = parse_value(skip_ws(text, end), end, 0, &v);
  if (p == nullptr || skip_ws(p, end) != end)
    return false;
  root = v;
  return true;
}

bool json_parse_object(const char *text, size_t len, JsonValue &root) {
  JsonValue v;
  if (!json_parse_value(text, len, v) || v.type != JsonType::OBJECT)
    return false;
  root = v;
  return true;
}

JsonIterator::JsonIterator(const JsonValue &container) {
  if (container.type == JsonType::OBJECT || container.type == JsonType::ARRAY) {
    this->pos_ = container.text + 1;
    this->end_ = container.text + container.len - 1;
  } else {
    this->pos_ = this->end_ = nullptr;
  }
}

// The container was validated, so the only checks left are for its end.
bool JsonIterator::next_member(JsonValue &key, JsonValue &value) {
  const char *p = skip_ws(this->pos_, this->end_);
  if (p >= this->end_)
    return false;
  if (*p == ',')
    p = skip_ws(p + 1, this->end_);
  p = parse_value(p, this->end_, 1, &key);
  if (p == nullptr)
    return false;
  p = skip_ws(p, this->end_);
  p = skip_ws(p + 1, this->end_);  // ':'
  p = parse_value(p, this->end_, 1, &value);
  if (p == nullptr)
    return false;
  this->pos_ = p;
  return true;
}

bool JsonIterator::next_element(JsonValue &value) {
  const char *p = skip_ws(this->pos_, this->end_);
  if (p >= this->end_)
    return false;
  if (*p == ',')
    p = skip_ws(p + 1, this->end_);
  p = parse_value(p, this->end_, 1, &value);
  if (p == nullptr)
    return false;
  this->pos_ = p;
  return true;
}

}  // namespace esphome::nats
