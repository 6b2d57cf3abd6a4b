// The device configuration store (protocol 1.4, docs/protocol.md): the
// settings this device declares (heartbeat_interval, name), read from the
// home's JetStream key-value bucket over core NATS at every connection
// (direct gets) and followed live (a subscription on this device's keys).
// Without JetStream or the bucket the replies say so at once, and the device
// keeps its YAML values.

#include "nats_client.h"

#if defined(USE_NATS) && defined(USE_NATS_CONFIG_STORE)

#include "esphome/core/hal.h"
#include "esphome/core/log.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

// The heartbeat_interval setting's range; a YAML interval below it lowers
// the minimum, so that the declared default stays within it.
static constexpr uint32_t MIN_HEARTBEAT_SETTING_S = 5;
static constexpr uint32_t MAX_HEARTBEAT_SETTING_S = 3600;
// A refused value is shown in the log up to this many bytes.
static constexpr int LOGGED_VALUE_MAX = 64;

SettingSpec NatsClient::setting_spec_(size_t i) const {
  if (i == SETTING_HEARTBEAT_INTERVAL) {
    const uint32_t yaml_s = this->default_heartbeat_ms_ / 1000;
    SettingSpec spec{"heartbeat_interval", "Heartbeat interval", SettingType::NUMBER};
    spec.min = yaml_s < MIN_HEARTBEAT_SETTING_S ? yaml_s : MIN_HEARTBEAT_SETTING_S;
    spec.max = MAX_HEARTBEAT_SETTING_S;
    spec.step = 1;
    spec.unit = "s";
    spec.whole = true;
    spec.default_number = yaml_s;
    return spec;
  }
  SettingSpec spec{"name", "Name", SettingType::TEXT};
  spec.max_length = NAME_SETTING_MAX_CHARS;
  spec.non_empty = true;
  spec.default_text = this->device_name_;
  return spec;
}

size_t NatsClient::config_key_prefix_(char *buf) const {
  char bucket[MAX_BUCKET_LEN + 1];
  if (config_bucket_name(this->prefix_, bucket, sizeof(bucket)) == 0)
    return 0;
  const int n = std::snprintf(buf, MAX_SUBJECT_LEN + 1, "$KV.%s.%s.", bucket, this->device_id_);
  return n > 0 && static_cast<size_t>(n) <= MAX_SUBJECT_LEN ? static_cast<size_t>(n) : 0;
}

size_t NatsClient::config_inbox_(char *buf) const {
  // Under the device id, so that per-device credentials can confine a
  // device to its own inbox (_INBOX.<device>.>).
  const int n = std::snprintf(buf, MAX_INBOX_LEN + 1, "_INBOX.%s.%08" PRIx32, this->device_id_, this->inbox_nonce_);
  return n > 0 && static_cast<size_t>(n) <= MAX_INBOX_LEN ? static_cast<size_t>(n) : 0;
}

void NatsClient::write_config_declarations_(JsonWriter &w) const {
  w.begin_array();
  for (size_t i = 0; i < SETTING_COUNT; i++)
    write_setting_declaration(this->setting_spec_(i), w);
  w.end_array();
}

void NatsClient::snapshot_announced_() {
  std::memcpy(this->announced_name_, this->name_, sizeof(this->name_));
  this->announced_interval_s_ = this->heartbeat_interval_ms_ / 1000;
}

void NatsClient::config_connected_() { this->config_gets_.begin(millis()); }

void NatsClient::config_loop_() {
  // The SUBs go first: the replies, and any change made meanwhile, need them.
  if (!this->subscribed_())
    return;
  const uint32_t now = millis();
  char bucket[MAX_BUCKET_LEN + 1];
  char inbox[MAX_INBOX_LEN + 1];
  config_bucket_name(this->prefix_, bucket, sizeof(bucket));
  this->config_inbox_(inbox);
  for (int i = this->config_gets_.due(now); i != PendingGets::NONE; i = this->config_gets_.due(now)) {
    // Longer than the protocol's subjects (the bucket name appears twice),
    // so it is written here rather than through publish().
    char line[sizeof("PUB $JS.API.DIRECT.GET.KV_.$KV.... .4294967295 0\r\n\r\n") + 2 * MAX_BUCKET_LEN +
              MAX_TOKEN_LEN * 2 + MAX_INBOX_LEN];
    const int n = std::snprintf(line, sizeof(line), "PUB $JS.API.DIRECT.GET.KV_%s.$KV.%s.%s.%s %s.%" PRIu32 " 0\r\n\r\n",
                                bucket, bucket, this->device_id_, this->setting_spec_(i).id, inbox,
                                this->config_gets_.next_nonce());
    if (n <= 0 || static_cast<size_t>(n) >= sizeof(line) || !this->make_room_(static_cast<size_t>(n)) ||
        !this->write_raw_(line, static_cast<size_t>(n)))
      break;  // tried again on the next loop, until the get's deadline
    this->config_gets_.sent(static_cast<size_t>(i));
  }
  for (int i = this->config_gets_.expire(now); i != PendingGets::NONE; i = this->config_gets_.expire(now))
    ESP_LOGD(TAG, "[%s] No answer for %s in %" PRIu32 " ms: keeping it", this->device_id_, this->setting_spec_(i).id,
             CONFIG_GET_TIMEOUT_MS);
}

void NatsClient::on_config_reply_(const NatsMessage &msg) {
  char inbox[MAX_INBOX_LEN + 1];
  const size_t inbox_len = this->config_inbox_(inbox);
  uint32_t nonce = 0;
  if (msg.subject_len <= inbox_len + 1 || msg.subject_len > inbox_len + 11 ||
      std::memcmp(msg.subject, inbox, inbox_len) != 0 || msg.subject[inbox_len] != '.')
    return;
  for (size_t i = inbox_len + 1; i < msg.subject_len; i++) {
    const char c = msg.subject[i];
    if (c < '0' || c > '9')
      return;
    nonce = nonce * 10 + static_cast<uint32_t>(c - '0');
  }
  KvHeaders headers;
  if (!parse_kv_headers(msg.headers, msg.headers_len, headers)) {
    ESP_LOGW(TAG, "[%s] Malformed headers in a configuration store reply on %s", this->device_id_, msg.subject);
    return;
  }
  int i;
  const PendingGets::Outcome outcome = this->config_gets_.reply(nonce, headers, millis(), i);
  if (outcome == PendingGets::Outcome::KEEP) {
    ESP_LOGD(TAG, "[%s] No stored %s (status %u): keeping it", this->device_id_, this->setting_spec_(i).id,
             static_cast<unsigned>(headers.status));
  } else if (outcome != PendingGets::Outcome::IGNORE) {
    this->apply_setting_(static_cast<size_t>(i), outcome, msg.payload, msg.payload_len);
  }
}

void NatsClient::on_config_change_(const NatsMessage &msg) {
  char prefix[MAX_SUBJECT_LEN + 1];
  const size_t prefix_len = this->config_key_prefix_(prefix);
  if (prefix_len == 0 || msg.subject_len <= prefix_len || std::memcmp(msg.subject, prefix, prefix_len) != 0)
    return;
  const char *id = msg.subject + prefix_len;
  const size_t id_len = msg.subject_len - prefix_len;
  for (size_t i = 0; i < SETTING_COUNT; i++) {
    const char *setting = this->setting_spec_(i).id;
    if (std::strlen(setting) != id_len || std::memcmp(setting, id, id_len) != 0)
      continue;
    KvHeaders headers;
    if (!parse_kv_headers(msg.headers, msg.headers_len, headers)) {
      ESP_LOGW(TAG, "[%s] Malformed headers on %s; %s unchanged", this->device_id_, msg.subject, setting);
      return;
    }
    // A compare-and-set write may be refused by the store: the device
    // follows what the store keeps, asked for right away.
    if (this->config_gets_.change(i, headers, millis()))
      this->apply_setting_(i, headers.deleted ? PendingGets::Outcome::DEFAULT : PendingGets::Outcome::VALUE,
                           msg.payload, msg.payload_len);
    return;
  }
  ESP_LOGD(TAG, "[%s] %s is not a setting of this device", this->device_id_, msg.subject);
}

void NatsClient::apply_setting_(size_t i, PendingGets::Outcome outcome, const char *payload, size_t len) {
  const SettingSpec spec = this->setting_spec_(i);
  SettingValue value;
  char text[NAME_SETTING_BUF];
  const bool stored = outcome == PendingGets::Outcome::VALUE;
  if (stored) {
    const char *why = read_setting_value(spec, payload, len, value, text, sizeof(text));
    if (why != nullptr) {
      const int shown = len > static_cast<size_t>(LOGGED_VALUE_MAX) ? LOGGED_VALUE_MAX : static_cast<int>(len);
      ESP_LOGW(TAG, "[%s] Ignoring the stored %s '%.*s%s': %s; it stays as it was", this->device_id_, spec.id, shown,
               payload, shown < static_cast<int>(len) ? "..." : "", why);
      return;
    }
  } else {
    value.number = spec.default_number;
    std::snprintf(text, sizeof(text), "%s", spec.default_text);
  }
  const char *source = stored ? "stored" : "default";
  if (i == SETTING_HEARTBEAT_INTERVAL) {
    const uint32_t ms = static_cast<uint32_t>(value.number) * 1000;
    if (ms == this->heartbeat_interval_ms_)
      return;
    this->heartbeat_interval_ms_ = ms;
    ESP_LOGI(TAG, "[%s] Heartbeat interval %" PRIu32 " s (%s)", this->device_id_, ms / 1000, source);
    // Controllers judge availability by the interval last stated: say it now.
    // When the send buffer is full, the next loop tries again.
    this->last_heartbeat_ms_ = this->heartbeat_(true) ? millis() : millis() - ms;
  } else {
    if (std::strcmp(text, this->name_) == 0)
      return;
    std::memcpy(this->name_, text, sizeof(this->name_));
    ESP_LOGI(TAG, "[%s] Name '%s' (%s)", this->device_id_, this->name_, source);
  }
  // The announcement states both; the protocol asks a device that changes
  // its interval to re-announce, and a new name is only known from one.
  this->announce_now_();
}

}  // namespace esphome::nats

#endif  // USE_NATS && USE_NATS_CONFIG_STORE
