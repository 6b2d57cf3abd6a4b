#include "nats_command.h"

#include <cstring>

namespace esphome::nats {

namespace {

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

bool fail(const char *message, const char *&error) {
  error = message;
  return false;
}

}  // namespace

bool read_command(const char *payload, size_t len, CommandFields &fields, CommandEnvelope &envelope,
                  const char *&error) {
  envelope = CommandEnvelope{};
  JsonValue root;
  if (!json_parse_object(payload, len, root))
    return fail("command is not a JSON object", error);
  bool has_clock = false;
  bool has_sent = false;
  bool has_ttl = false;
  JsonIterator it(root);
  JsonValue key;
  JsonValue v;
  while (it.next_member(key, v)) {
    if (key.equals("v")) {
      if (!v.is_integer() || v.number < 1)
        return fail("v must be a positive integer", error);
      if (v.number != PROTOCOL_VERSION)
        return fail("unsupported protocol version", error);
      envelope.has_version = true;
      envelope.version = PROTOCOL_VERSION;
    } else if (key.equals("clock")) {
      if (!parse_clock(v, envelope.stamp))
        return fail("clock must be a token of 1 to 64 characters a-z, 0-9, _ or -", error);
      has_clock = true;
    } else if (key.equals("sent")) {
      if (!integer_literal(v, MAX_SENT, envelope.stamp.sent))
        return fail("sent must be an integer from 0 to 2^53", error);
      has_sent = true;
    } else if (key.equals("ttl")) {
      int64_t ttl = 0;
      if (!integer_literal(v, MAX_TTL, ttl) || ttl < 1)
        return fail("ttl must be an integer from 1 to 3600000", error);
      envelope.ttl = static_cast<uint32_t>(ttl);
      has_ttl = true;
    } else if (!fields.read(key, v, error)) {
      return false;
    }
  }
  if (!fields.complete(error))
    return false;
  // Part of a stamp cannot date the command: refuse rather than guess.
  if (has_clock != has_sent || has_sent != has_ttl)
    return fail("clock, sent and ttl must come together", error);
  envelope.has_expiry = has_clock;
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

bool read_on_off(const JsonValue &v, OnOff &out, const char *message, const char *&error) {
  if (v.equals("ON")) {
    out = OnOff::ON;
  } else if (v.equals("OFF")) {
    out = OnOff::OFF;
  } else {
    return fail(message, error);
  }
  return true;
}

bool read_integer(const JsonValue &v, int32_t lo, int32_t hi, int32_t &out, const char *message,
                  const char *&error) {
  if (!v.is_integer() || v.number < lo || v.number > hi)
    return fail(message, error);
  out = static_cast<int32_t>(v.number);
  return true;
}

bool read_number(const JsonValue &v, double &out, const char *message, const char *&error) {
  if (v.type != JsonType::NUMBER)
    return fail(message, error);
  out = v.number;
  return true;
}

bool read_text(const JsonValue &v, char *out, size_t cap, const char *message, const char *&error) {
  size_t n = 0;
  if (!v.copy_string(out, cap, &n) || n == 0)
    return fail(message, error);
  return true;
}

}  // namespace esphome::nats
