#include "nats_config.h"

#include <cmath>
#include <cstring>

namespace esphome::nats {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_name(const char *s, size_t len, const char *name) {
  if (std::strlen(name) != len)
    return false;
  for (size_t i = 0; i < len; i++) {
    if (lower(s[i]) != lower(name[i]))
      return false;
  }
  return true;
}

bool parse_u64(const char *s, size_t len, uint64_t &out) {
  if (len == 0 || len > 19)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  out = v;
  return true;
}

const char *trim(const char *p, const char *end, const char *&stop) {
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  stop = end;
  return p;
}

// The end of the line starting at p (its "\r\n"), or nullptr.
const char *line_end(const char *p, const char *end) {
  for (; p + 1 < end; p++) {
    if (p[0] == '\r' && p[1] == '\n')
      return p;
  }
  return nullptr;
}

// Counts the characters of well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF): a name goes into the announcement,
// which a controller refuses whole if it is not Unicode text.
bool utf8_chars(const char *s, size_t len, size_t &chars) {
  chars = 0;
  const auto *p = reinterpret_cast<const unsigned char *>(s);
  const auto *end = p + len;
  while (p < end) {
    const unsigned char c = *p;
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      n = 1;
      cp = c;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < n)
      return false;
    for (size_t i = 1; i < n; i++) {
      if ((p[i] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += n;
    chars++;
  }
  return true;
}

void write_number(JsonWriter &w, double v) {
  // Whole numbers as integers, as the controller's own encoder writes them.
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9007199254740992.0) {
    w.value(static_cast<int64_t>(v));
  } else {
    w.value_number(v);
  }
}

const char *type_word(SettingType type) {
  switch (type) {
    case SettingType::NUMBER:
      return "number";
    case SettingType::TEXT:
      return "text";
    default:
      return "switch";
  }
}

bool after(uint32_t now, uint32_t at) { return static_cast<int32_t>(now - at) >= 0; }

}  // namespace

void write_setting_declaration(const SettingSpec &spec, JsonWriter &w) {
  w.begin_object();
  w.key("id");
  w.value(spec.id);
  w.key("name");
  w.value(spec.name);
  w.key("type");
  w.value(type_word(spec.type));
  w.key("default");
  switch (spec.type) {
    case SettingType::NUMBER:
      write_number(w, spec.default_number);
      w.key("min");
      write_number(w, spec.min);
      w.key("max");
      write_number(w, spec.max);
      if (spec.step > 0) {
        w.key("step");
        write_number(w, spec.step);
      }
      if (spec.unit != nullptr) {
        w.key("unit");
        w.value(spec.unit);
      }
      break;
    case SettingType::TEXT:
      w.value(spec.default_text);
      w.key("max_length");
      w.value(static_cast<int>(spec.max_length));
      break;
    case SettingType::SWITCH:
      w.value(spec.default_switch);
      break;
  }
  w.end_object();
}

const char *read_setting_value(const SettingSpec &spec, const char *payload, size_t len, SettingValue &out,
                               char *text, size_t text_cap) {
  if (len > MAX_CONFIG_VALUE_LEN)
    return "longer than 1024 bytes";
  JsonValue v;
  if (!json_parse_value(payload, len, v))
    return "not JSON";
  switch (spec.type) {
    case SettingType::NUMBER:
      if (v.type != JsonType::NUMBER)
        return "not a number";
      // NaN (a literal too long to read) fails both comparisons.
      if (!(v.number >= spec.min && v.number <= spec.max))
        return "out of range";
      if (spec.whole && !v.is_integer())
        return "not a whole number";
      out.number = v.number;
      return nullptr;
    case SettingType::TEXT: {
      if (v.type != JsonType::STRING)
        return "not a string";
      size_t n = 0;
      if (!v.copy_string(text, text_cap, &n))
        return n + 1 >= text_cap ? "too long" : "contains U+0000";
      size_t chars;
      if (!utf8_chars(text, n, chars))
        return "not UTF-8";
      if (chars > spec.max_length)
        return "too long";
      if (spec.non_empty && chars == 0)
        return "empty";
      out.text_len = n;
      return nullptr;
    }
    case SettingType::SWITCH:
      if (v.type != JsonType::BOOL)
        return "not true or false";
      out.boolean = v.boolean;
      return nullptr;
  }
  return "unknown type";
}

bool parse_kv_headers(const char *headers, size_t len, KvHeaders &out) {
  out = KvHeaders{};
  if (len == 0)
    return true;
  const char *end = headers + len;
  const char *eol = line_end(headers, end);
  static constexpr size_t VERSION_LEN = sizeof("NATS/1.0") - 1;
  if (eol == nullptr || static_cast<size_t>(eol - headers) < VERSION_LEN ||
      std::memcmp(headers, "NATS/1.0", VERSION_LEN) != 0)
    return false;
  const char *p = headers + VERSION_LEN;
  if (p < eol) {
    // " 404" or " 404 Message Not Found": exactly three digits.
    if (*p != ' ' && *p != '\t')
      return false;
    while (p < eol && (*p == ' ' || *p == '\t'))
      p++;
    if (eol - p < 3 || p[0] < '1' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
        (eol - p > 3 && p[3] != ' ' && p[3] != '\t'))
      return false;
    out.status = static_cast<uint16_t>((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
  }
  for (p = eol + 2; p < end; p = eol + 2) {
    eol = line_end(p, end);
    if (eol == nullptr)
      return false;
    if (eol == p)
      break;  // the blank line that ends the block
    const char *colon = static_cast<const char *>(std::memchr(p, ':', eol - p));
    if (colon == nullptr || colon == p)
      return false;
    const char *value_end;
    const char *value = trim(colon + 1, eol, value_end);
    const size_t value_len = static_cast<size_t>(value_end - value);
    const size_t name_len = static_cast<size_t>(colon - p);
    if (same_name(p, name_len, "KV-Operation")) {
      out.deleted = same_name(value, value_len, "DEL") || same_name(value, value_len, "PURGE");
    } else if (same_name(p, name_len, "Nats-Sequence")) {
      if (!parse_u64(value, value_len, out.sequence))
        return false;
      out.has_sequence = true;
    } else if (same_name(p, name_len, "Nats-Expected-Last-Subject-Sequence")) {
      if (!parse_u64(value, value_len, out.expected))
        return false;
      out.has_expected = true;
    }
  }
  return true;
}

size_t config_bucket_name(const char *prefix, char *out, size_t cap) {
  static const char HEAD[] = "NATS_HOME_";
  static const char TAIL[] = "_CONFIG";
  const size_t prefix_len = std::strlen(prefix);
  const size_t len = sizeof(HEAD) - 1 + prefix_len + sizeof(TAIL) - 1;
  if (cap == 0 || len + 1 > cap) {
    if (cap > 0)
      out[0] = '\0';
    return 0;
  }
  char *p = out;
  std::memcpy(p, HEAD, sizeof(HEAD) - 1);
  p += sizeof(HEAD) - 1;
  for (size_t i = 0; i < prefix_len; i++) {
    const char c = prefix[i];
    const bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-';
    *p++ = !word ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::memcpy(p, TAIL, sizeof(TAIL));
  return len;
}

void PendingGets::ask_(Slot &slot, uint32_t now, bool first) {
  slot.phase = Phase::DUE;
  slot.first = first;
  slot.has_expected = false;
  slot.nonce = 0;
  slot.send_at = now;
  slot.deadline = now + CONFIG_GET_TIMEOUT_MS;
}

void PendingGets::begin(uint32_t now) {
  for (size_t i = 0; i < this->count_; i++)
    this->ask_(this->slots_[i], now, true);
}

int PendingGets::due(uint32_t now) const {
  for (size_t i = 0; i < this->count_; i++) {
    if (this->slots_[i].phase == Phase::DUE && after(now, this->slots_[i].send_at))
      return static_cast<int>(i);
  }
  return NONE;
}

void PendingGets::sent(size_t i) {
  Slot &slot = this->slots_[i];
  this->next_nonce_ = this->next_nonce();
  slot.nonce = this->next_nonce_;
  slot.phase = Phase::WAITING;
}

PendingGets::Outcome PendingGets::reply(uint32_t nonce, const KvHeaders &headers, uint32_t now, int &setting) {
  setting = NONE;
  for (size_t i = 0; i < this->count_; i++) {
    Slot &slot = this->slots_[i];
    if (slot.phase != Phase::WAITING || slot.nonce != nonce)
      continue;
    setting = static_cast<int>(i);
    if (slot.has_expected) {
      // The store still holds what the compare-and-set write expected to
      // replace: it has not taken the write in yet (a refused write leaves
      // another sequence behind). Ask again until the deadline.
      const bool unchanged = (headers.status == 0 && headers.has_sequence && headers.sequence == slot.expected) ||
                             (headers.status == 404 && slot.expected == 0);
      if (unchanged) {
        if (after(now, slot.deadline)) {
          this->finish_(slot);
          return Outcome::KEEP;
        }
        slot.phase = Phase::DUE;
        slot.send_at = now + CONFIG_GET_RETRY_MS;
        return Outcome::IGNORE;
      }
    }
    this->finish_(slot);
    if (headers.status == 0)
      return headers.deleted ? Outcome::DEFAULT : Outcome::VALUE;
    return headers.status == 404 ? Outcome::DEFAULT : Outcome::KEEP;
  }
  return Outcome::IGNORE;
}

bool PendingGets::change(size_t i, const KvHeaders &headers, uint32_t now) {
  Slot &slot = this->slots_[i];
  if (!headers.has_expected) {
    // Newer than anything a get still under way could return.
    this->finish_(slot);
    return true;
  }
  this->ask_(slot, now, slot.first);
  slot.has_expected = true;
  slot.expected = headers.expected;
  return false;
}

int PendingGets::expire(uint32_t now) {
  for (size_t i = 0; i < this->count_; i++) {
    Slot &slot = this->slots_[i];
    if (slot.phase != Phase::IDLE && after(now, slot.deadline)) {
      this->finish_(slot);
      return static_cast<int>(i);
    }
  }
  return NONE;
}

bool PendingGets::settling() const {
  for (size_t i = 0; i < this->count_; i++) {
    if (this->slots_[i].first && this->slots_[i].phase != Phase::IDLE)
      return true;
  }
  return false;
}

}  // namespace esphome::nats
