#include "nats_protocol.h"

#include <cstring>

namespace esphome::nats {

namespace {

bool token_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

bool prefix_char(char c) { return token_char(c) || (c >= 'A' && c <= 'Z'); }

bool platform_word(const char *s, size_t len) {
  if (len == 0 || len > MAX_PLATFORM_LEN)
    return false;
  for (size_t i = 0; i < len; i++) {
    if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
      return false;
  }
  return true;
}

// Consumes "<text>." at p when the next len bytes equal text. Advances p.
bool take(const char *&p, const char *end, const char *text) {
  size_t n = std::strlen(text);
  if (static_cast<size_t>(end - p) < n + 1 || std::memcmp(p, text, n) != 0 || p[n] != '.')
    return false;
  p += n + 1;
  return true;
}

}  // namespace

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
  if (len > MAX_PREFIX_LEN)
    return false;
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
                           const char *&platform, size_t &platform_len, const char *&entity, size_t &entity_len) {
  const char *p = subject;
  const char *end = subject + len;
  if (!take(p, end, prefix) || !take(p, end, "devices") || !take(p, end, device))
    return false;
  const char *dot = static_cast<const char *>(std::memchr(p, '.', end - p));
  if (dot == nullptr || !platform_word(p, dot - p))
    return false;
  platform = p;
  platform_len = dot - p;
  p = dot + 1;
  dot = static_cast<const char *>(std::memchr(p, '.', end - p));
  if (dot == nullptr || !is_valid_token(p, dot - p))
    return false;
  entity = p;
  entity_len = dot - p;
  p = dot + 1;
  return static_cast<size_t>(end - p) == 7 && std::memcmp(p, "command", 7) == 0;
}

bool wants_state_ack(const char *headers, size_t len) {
  // Lines end in CRLF; the first is the status line ("NATS/1.0"), then
  // "Name: value" lines. Clients keep the name's case as it was set.
  static constexpr size_t NAME_LEN = sizeof("Nats-Home-Ack") - 1;
  const char *end = headers + len;
  const char *line = headers;
  while (line < end) {
    const char *eol = line;
    while (eol < end && *eol != '\r' && *eol != '\n')
      eol++;
    const char *colon = static_cast<const char *>(std::memchr(line, ':', eol - line));
    if (colon != nullptr && static_cast<size_t>(colon - line) == NAME_LEN &&
        std::memcmp(line, ACK_HEADER, NAME_LEN) == 0) {
      const char *v = colon + 1;
      const char *v_end = eol;
      while (v < v_end && (*v == ' ' || *v == '\t'))
        v++;
      while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
        v_end--;
      if (v_end - v == 5 && std::memcmp(v, "state", 5) == 0)
        return true;
    }
    line = eol;
    while (line < end && (*line == '\r' || *line == '\n'))
      line++;
  }
  return false;
}

}  // namespace esphome::nats
