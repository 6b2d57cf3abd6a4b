#include "nats_protocol.h"

#include <cmath>
#include <cstring>

#include "nats_json.h"

namespace esphome::nats {

namespace {

const char *const PLATFORM_NAMES[] = {"sensor", "binary_sensor", "switch", "light", "button", "number", "select"};

bool token_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

bool prefix_char(char c) { return token_char(c) || (c >= 'A' && c <= 'Z'); }

// Consumes "<text>." at p when the next len bytes equal text. Advances p.
bool take(const char *&p, const char *end, const char *text) {
  size_t n = std::strlen(text);
  if (static_cast<size_t>(end - p) < n + 1 || std::memcmp(p, text, n) != 0 || p[n] != '.')
    return false;
  p += n + 1;
  return true;
}

bool integer_in(const JsonValue &v, double lo, double hi) {
  return v.is_integer() && v.number >= lo && v.number <= hi;
}

bool parse_state(const JsonValue &v, OnOff &out) {
  if (v.equals("ON")) {
    out = OnOff::ON;
  } else if (v.equals("OFF")) {
    out = OnOff::OFF;
  } else {
    return false;
  }
  return true;
}

bool parse_rgb(const JsonValue &v, uint8_t rgb[3]) {
  if (v.type != JsonType::ARRAY)
    return false;
  JsonIterator it(v);
  JsonValue item;
  size_t n = 0;
  while (it.next_element(item)) {
    if (n == 3 || !integer_in(item, 0, 255))
      return false;
    rgb[n++] = static_cast<uint8_t>(item.number);
  }
  return n == 3;
}

// An integer from 0 to max read from its literal's digits: as a double,
// 2^53 + 1 would round down into range, and the reference (Python) takes
// neither 5.0 nor 5e0 for an integer.
bool integer_literal(const JsonValue &v, int64_t max, int64_t &out) {
  if (v.type != JsonType::NUMBER || v.len == 0)
    return false;
  const char *p = v.text;
  const char *end = v.text + v.len;
  const bool negative = *p == '-';
  if (negative)
    p++;
  if (p == end)
    return false;
  int64_t n = 0;
  for (; p < end; p++) {
    if (*p < '0' || *p > '9')
      return false;  // a fraction or an exponent
    n = n * 10 + (*p - '0');
    if (n > max)
      return false;  // checked per digit, so n never overflows
  }
  if (negative && n != 0)
    return false;
  out = n;
  return true;
}

bool parse_clock(const JsonValue &v, ClockStamp &out) {
  size_t n = 0;
  if (!v.copy_string(out.clock, sizeof(out.clock), &n) || !is_valid_token(out.clock, n))
    return false;
  out.clock_len = n;
  return true;
}

}  // namespace

const char *platform_name(Platform platform) { return PLATFORM_NAMES[static_cast<uint8_t>(platform)]; }

bool platform_from_name(const char *name, size_t len, Platform &out) {
  for (uint8_t i = 0; i < sizeof(PLATFORM_NAMES) / sizeof(PLATFORM_NAMES[0]); i++) {
    if (std::strlen(PLATFORM_NAMES[i]) == len && std::memcmp(PLATFORM_NAMES[i], name, len) == 0) {
      out = static_cast<Platform>(i);
      return true;
    }
  }
  return false;
}

bool is_valid_token(const char *s, size_t len) {
  if (len == 0 || len > MAX_TOKEN_LEN)
    return false;
  for (size_t i = 0; i < len; i++) {
    if (!token_char(s[i]))
      return false;
  }
  return true;
}

bool is_valid_prefix(const char *s, size_t len) {
  size_t token = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '.') {
      if (token == 0)
        return false;
      token = 0;
    } else if (prefix_char(s[i])) {
      token++;
    } else {
      return false;
    }
  }
  return token != 0;
}

size_t sanitize_token(const char *in, size_t len, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < len && n < MAX_TOKEN_LEN && n + 1 < cap; i++) {
    char c = in[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    out[n++] = token_char(c) ? c : '_';
  }
  if (n == 0 && cap > 1)
    out[n++] = '_';
  out[n] = '\0';
  return n;
}

bool parse_command_subject(const char *subject, size_t len, const char *prefix, const char *device,
                           Platform &platform, const char *&entity, size_t &entity_len) {
  const char *p = subject;
  const char *end = subject + len;
  if (!take(p, end, prefix) || !take(p, end, "devices") || !take(p, end, device))
    return false;
  const char *dot = static_cast<const char *>(std::memchr(p, '.', end - p));
  if (dot == nullptr || !platform_from_name(p, dot - p, platform))
    return false;
  p = dot + 1;
  dot = static_cast<const char *>(std::memchr(p, '.', end - p));
  if (dot == nullptr || !is_valid_token(p, dot - p))
    return false;
  entity = p;
  entity_len = dot - p;
  p = dot + 1;
  return static_cast<size_t>(end - p) == 7 && std::memcmp(p, "command", 7) == 0;
}

bool parse_command(Platform platform, const char *payload, size_t len, Command &out, const char *&error) {
  out = Command{};
  JsonValue root;
  if (!json_parse_object(payload, len, root)) {
    error = "command is not a JSON object";
    return false;
  }
  bool has_state = false;
  bool has_action = false;
  bool has_clock = false;
  bool has_sent = false;
  bool has_ttl = false;
  JsonIterator it(root);
  JsonValue key;
  JsonValue v;
  // A repeated key is validated each time; the last value wins.
  while (it.next_member(key, v)) {
    if (key.equals("v")) {
      if (!v.is_integer() || v.number < 1) {
        error = "v must be a positive integer";
        return false;
      }
      if (v.number != PROTOCOL_VERSION) {
        error = "unsupported protocol version";
        return false;
      }
      out.has_version = true;
      out.version = PROTOCOL_VERSION;
      continue;
    }
    // Command expiry (docs/protocol.md): the same fields on every platform.
    if (key.equals("clock")) {
      if (!parse_clock(v, out.stamp)) {
        error = "clock must be a token of 1 to 64 characters a-z, 0-9, _ or -";
        return false;
      }
      has_clock = true;
      continue;
    }
    if (key.equals("sent")) {
      if (!integer_literal(v, MAX_SENT, out.stamp.sent)) {
        error = "sent must be an integer from 0 to 2^53";
        return false;
      }
      has_sent = true;
      continue;
    }
    if (key.equals("ttl")) {
      int64_t ttl = 0;
      if (!integer_literal(v, MAX_TTL, ttl) || ttl < 1) {
        error = "ttl must be an integer from 1 to 3600000";
        return false;
      }
      out.ttl = static_cast<uint32_t>(ttl);
      has_ttl = true;
      continue;
    }
    switch (platform) {
      case Platform::SWITCH:
      case Platform::LIGHT:
        if (key.equals("state")) {
          if (!parse_state(v, out.state)) {
            error = "state must be \"ON\" or \"OFF\"";
            return false;
          }
          has_state = true;
        } else if (platform == Platform::LIGHT && key.equals("brightness")) {
          if (!integer_in(v, 0, 255)) {
            error = "brightness must be an integer from 0 to 255";
            return false;
          }
          out.has_brightness = true;
          out.brightness = static_cast<uint8_t>(v.number);
        } else if (platform == Platform::LIGHT && key.equals("rgb")) {
          if (!parse_rgb(v, out.rgb)) {
            error = "rgb must be three integers from 0 to 255";
            return false;
          }
          out.has_rgb = true;
        } else if (platform == Platform::LIGHT && key.equals("color_temp_kelvin")) {
          if (!integer_in(v, MIN_KELVIN, MAX_KELVIN)) {
            error = "color_temp_kelvin must be an integer from 1000 to 20000";
            return false;
          }
          out.has_color_temp_kelvin = true;
          out.color_temp_kelvin = static_cast<uint16_t>(v.number);
        } else if (platform == Platform::LIGHT && key.equals("transition")) {
          // An hour bounds the conversion to milliseconds.
          if (v.type != JsonType::NUMBER || v.number < 0 || v.number > 3600) {
            error = "transition must be a number of seconds from 0 to 3600";
            return false;
          }
          out.has_transition = true;
          out.transition = static_cast<float>(v.number);
        }
        break;
      case Platform::BUTTON:
        if (key.equals("action")) {
          if (!v.equals("press")) {
            error = "action must be \"press\"";
            return false;
          }
          has_action = true;
          out.press = true;
        }
        break;
      case Platform::NUMBER:
        if (key.equals("value")) {
          if (v.type != JsonType::NUMBER) {
            error = "value must be a number";
            return false;
          }
          out.has_value = true;
          out.value = v.number;
        }
        break;
      case Platform::SELECT:
        if (key.equals("option")) {
          size_t n = 0;
          if (!v.copy_string(out.option, sizeof(out.option), &n) || n == 0) {
            error = "option must be a non-empty string of at most 64 bytes";
            return false;
          }
          out.has_option = true;
        }
        break;
      case Platform::SENSOR:
      case Platform::BINARY_SENSOR:
        break;
    }
  }
  switch (platform) {
    case Platform::SENSOR:
    case Platform::BINARY_SENSOR:
      error = "this entity takes no commands";
      return false;
    case Platform::SWITCH:
    case Platform::LIGHT:
      if (!has_state) {
        error = "state is required";
        return false;
      }
      break;
    case Platform::BUTTON:
      if (!has_action) {
        error = "action is required";
        return false;
      }
      break;
    case Platform::NUMBER:
      if (!out.has_value) {
        error = "value is required";
        return false;
      }
      break;
    case Platform::SELECT:
      if (!out.has_option) {
        error = "option is required";
        return false;
      }
      break;
  }
  // Part of a stamp cannot date the command: refuse rather than guess.
  if (has_clock != has_sent || has_sent != has_ttl) {
    error = "clock, sent and ttl must come together";
    return false;
  }
  out.has_expiry = has_clock;
  return true;
}

bool parse_clock_stamp(const JsonValue &root, ClockStamp &out) {
  out = ClockStamp{};
  bool has_clock = false;
  bool has_sent = false;
  JsonIterator it(root);
  JsonValue key;
  JsonValue v;
  while (it.next_member(key, v)) {
    if (key.equals("clock")) {
      if (!parse_clock(v, out))
        return false;
      has_clock = true;
    } else if (key.equals("sent")) {
      if (!integer_literal(v, MAX_SENT, out.sent))
        return false;
      has_sent = true;
    }
  }
  return has_clock && has_sent;
}

}  // namespace esphome::nats
