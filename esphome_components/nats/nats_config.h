#pragma once

// The device configuration store's pure part (protocol 1.4, docs/protocol.md):
// the settings a device declares, the home's bucket, what a stored value or
// a direct get reply says, and which direct gets a connection still waits
// for. Pure C++ so the unit tests and the fuzzer check exactly this code;
// nats_config_store.cpp wires it into the client.

#include <cstddef>
#include <cstdint>

#include "nats_json.h"

namespace esphome::nats {

/// A stored value larger than this is refused unread.
static constexpr size_t MAX_CONFIG_VALUE_LEN = 1024;
/// The reserved `name` setting: at most 64 characters of UTF-8.
static constexpr size_t NAME_SETTING_MAX_CHARS = 64;
static constexpr size_t NAME_SETTING_BUF = NAME_SETTING_MAX_CHARS * 4 + 1;
/// How long a device waits for a stored value before it keeps what it has.
static constexpr uint32_t CONFIG_GET_TIMEOUT_MS = 2000;
/// A compare-and-set write the store has not taken in yet is asked for again after this.
static constexpr uint32_t CONFIG_GET_RETRY_MS = 100;
/// "NATS_HOME_" + the prefix (at most 64) + "_CONFIG".
static constexpr size_t MAX_BUCKET_LEN = 10 + 64 + 7;
/// "_INBOX.<device>.<8 hex digits>": where a device's direct gets are answered.
static constexpr size_t MAX_INBOX_LEN = 7 + 64 + 1 + 8;

enum class SettingType : uint8_t { NUMBER, TEXT, SWITCH };

/// One declared setting: its announcement entry and the rules its values obey.
struct SettingSpec {
  const char *id;
  const char *name;
  SettingType type;
  // number
  double min{0};
  double max{0};
  double step{0};  ///< 0: not declared
  const char *unit{nullptr};
  bool whole{false};  ///< integers only (heartbeat_interval: whole seconds)
  // text
  uint16_t max_length{255};  ///< characters, not bytes
  bool non_empty{false};     ///< the device name cannot be empty
  // the default
  double default_number{0};
  const char *default_text{""};
  bool default_switch{false};
};

/// A decoded value; a text value is written to the caller's buffer.
struct SettingValue {
  double number{0};
  bool boolean{false};
  size_t text_len{0};
};

/// Writes the announcement entry of a setting (one element of `config`).
void write_setting_declaration(const SettingSpec &spec, JsonWriter &w);

/// Reads a stored value (the JSON payload of a key). Returns nullptr when it
/// suits the setting, else why not. A text value is decoded into text,
/// which needs room for max_length characters of 4 bytes and a NUL.
const char *read_setting_value(const SettingSpec &spec, const char *payload, size_t len, SettingValue &out,
                               char *text, size_t text_cap);

/// What the NATS/1.0 header block of a bucket message or direct get reply says.
struct KvHeaders {
  /// The status code of the first line; 0 when it has none (a message).
  uint16_t status{0};
  /// KV-Operation DEL or PURGE: the key is deleted, back to the default.
  bool deleted{false};
  /// Nats-Sequence of a direct get reply: the stored message's sequence.
  bool has_sequence{false};
  uint64_t sequence{0};
  /// Nats-Expected-Last-Subject-Sequence of a compare-and-set write: the
  /// store takes it only if the key's last sequence is this one.
  bool has_expected{false};
  uint64_t expected{0};
};

/// Parses a header block ("NATS/1.0[ <code>[ <text>]]\r\n" then "Name: value"
/// lines). Empty headers (a MSG) are a message without headers. False when
/// the block is malformed; out is then unusable.
bool parse_kv_headers(const char *headers, size_t len, KvHeaders &out);

/// The bucket of a home: NATS_HOME_<prefix, [^A-Za-z0-9_-] as '_', upper case>_CONFIG.
/// Returns its length, 0 when it does not fit cap - 1.
size_t config_bucket_name(const char *prefix, char *out, size_t cap);

/// Direct gets of one connection: which setting waits for its stored value,
/// under which nonce (the last token of its reply subject), until when.
/// Times are millis(); every comparison survives the wrap.
class PendingGets {
 public:
  /// The firmware declares two settings (heartbeat_interval, name).
  static constexpr size_t CAPACITY = 2;
  static constexpr int NONE = -1;

  /// What a reply or a timeout means for the setting.
  enum class Outcome : uint8_t {
    IGNORE,   ///< not the answer awaited (late, superseded) or asked again
    VALUE,    ///< the payload is the stored value
    DEFAULT,  ///< the key is absent or deleted: back to the default
    KEEP,     ///< no answer (no JetStream, no bucket, timeout): keep the current value
  };

  explicit PendingGets(size_t count = 0) : count_(count < CAPACITY ? count : CAPACITY) {}
  size_t size() const { return this->count_; }

  /// A new connection: every setting is asked for its stored value.
  void begin(uint32_t now);
  /// The setting whose direct get should go out now, or NONE.
  int due(uint32_t now) const;
  /// The nonce the next get's reply subject carries (what sent() assigns).
  uint32_t next_nonce() const { return this->next_nonce_ + 1 != 0 ? this->next_nonce_ + 1 : 1; }
  /// The get of setting i went out with next_nonce().
  void sent(size_t i);
  /// A reply arrived for nonce.
  Outcome reply(uint32_t nonce, const KvHeaders &headers, uint32_t now, int &setting);
  /// A change arrived on the key of setting i. True when the payload is to be
  /// applied; false for a compare-and-set write, which the store may yet
  /// refuse: the setting is asked for the stored value instead.
  bool change(size_t i, const KvHeaders &headers, uint32_t now);
  /// A get that timed out, or NONE; call until NONE.
  int expire(uint32_t now);
  /// True while a setting still waits for its first answer on this connection.
  bool settling() const;

 protected:
  enum class Phase : uint8_t { IDLE, DUE, WAITING };
  struct Slot {
    Phase phase{Phase::IDLE};
    /// Still the connection's first get: the announcement waits for it.
    bool first{false};
    bool has_expected{false};
    uint32_t nonce{0};
    uint32_t send_at{0};
    uint32_t deadline{0};
    uint64_t expected{0};
  };
  void ask_(Slot &slot, uint32_t now, bool first);
  void finish_(Slot &slot) {
    slot.phase = Phase::IDLE;
    slot.first = false;
  }

  Slot slots_[CAPACITY];
  size_t count_;
  uint32_t next_nonce_{0};
};

}  // namespace esphome::nats
