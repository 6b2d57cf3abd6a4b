#pragma once

// A bounded JSON reader and writer for the few payload shapes of protocol v1.
// Pure C++ (no ESPHome headers) so the host unit tests can exercise it alone.
// Neither side allocates: the reader walks the caller's bytes, the writer
// fills the caller's buffer.

#include <cstddef>
#include <cstdint>

namespace esphome::nats {

enum class JsonType : uint8_t { INVALID, STRING, NUMBER, BOOL, NUL, ARRAY, OBJECT };

/// One parsed value; strings and containers point into the source text.
struct JsonValue {
  JsonType type{JsonType::INVALID};
  /// Strings: the escaped text between the quotes. Containers: the whole
  /// text including brackets. Numbers: the literal.
  const char *text{nullptr};
  size_t len{0};
  double number{0};
  bool boolean{false};

  bool is_integer() const;
  /// Compare a string value with s (escape sequences decoded).
  bool equals(const char *s) const;
  /// Decode a string value into out (NUL terminated). Returns false if it
  /// is not a string, contains an escaped NUL, or does not fit in cap - 1 bytes.
  bool copy_string(char *out, size_t cap, size_t *out_len = nullptr) const;
};

/// Nesting deeper than this is rejected: bounds the validator's recursion.
static constexpr uint8_t JSON_MAX_DEPTH = 8;

/// Validates text as exactly one JSON value (RFC 8259 grammar, bounded depth).
/// Returns the type of the root, or INVALID.
JsonType json_validate(const char *text, size_t len);

/// Iterates the members of an object or the elements of an array that has
/// already been validated (json_validate, or a container value found in one).
class JsonIterator {
 public:
  explicit JsonIterator(const JsonValue &container);
  /// Next object member (key is a STRING value). False at the end.
  bool next_member(JsonValue &key, JsonValue &value);
  /// Next array element. False at the end.
  bool next_element(JsonValue &value);

 protected:
  const char *pos_;
  const char *end_;
};

/// Parse a complete payload that must be a JSON object.
/// False (and root untouched) when it is not valid JSON or not an object.
bool json_parse_object(const char *text, size_t len, JsonValue &root);
/// Parse a complete payload that is any one JSON value (a stored setting).
/// False (and root untouched) when it is not valid JSON.
bool json_parse_value(const char *text, size_t len, JsonValue &root);

/// Writes compact JSON into a fixed buffer. Past the end it keeps counting,
/// so size() tells the caller how much room the document needed
/// (JsonWriter(nullptr, 0) only counts).
///
/// With skip, the buffer is a window onto the document: the first skip
/// bytes are counted but not stored, the next cap bytes are. A document too
/// large for any buffer (an announcement) is sent window by window, rendered
/// again for each.
class JsonWriter {
 public:
  JsonWriter(char *buf, size_t cap, size_t skip = 0) : buf_(buf), cap_(cap), skip_(skip) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(const char *k);
  void value(const char *s);
  void value(const char *s, size_t len);
  void value(int64_t v);
  void value(int v) { this->value(static_cast<int64_t>(v)); }
  void value(uint32_t v) { this->value(static_cast<int64_t>(v)); }
  /// A non-finite number becomes null. decimals < 0: shortest form for a float.
  void value_number(double v, int decimals = -1);
  void value(bool v);
  void value_null();
  /// The next value continues a list begun in an earlier part of the
  /// document: it is preceded by a comma.
  void after_value() { this->need_comma_ = true; }
  /// Text with no separator: closes a document begun in an earlier part.
  void raw(const char *text, size_t len) { this->put_(text, len); }

  /// Length of the whole document, skipped bytes included.
  size_t size() const { return this->len_; }
  /// Bytes stored in the buffer.
  size_t stored() const;
  bool overflow() const { return this->len_ > this->skip_ + this->cap_; }

 protected:
  void put_(char c);
  void put_(const char *s, size_t n);
  void separate_();
  void string_(const char *s, size_t n);

  char *buf_;
  size_t cap_;
  size_t skip_;
  size_t len_{0};
  bool need_comma_{false};
};

}  // namespace esphome::nats
