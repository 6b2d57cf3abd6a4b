#pragma once

#include "esphome/core/defines.h"

#ifdef USE_NATS

#include "esphome/components/socket/ipv4_resolve.h"
#include "esphome/components/socket/socket.h"
#include "esphome/core/automation.h"
#include "esphome/core/component.h"
#include "esphome/core/entity_includes.h"
#include "esphome/core/helpers.h"
#include "esphome/core/preferences.h"

#include <memory>
#include <string>
#include <vector>

#ifdef USE_NATS_CONFIG_STORE
#include "nats_config.h"
#endif
#include "nats_credentials.h"
#include "nats_entities.h"
#include "nats_expiry.h"
#include "nats_json.h"
#include "nats_nkey.h"
#if defined(USE_NATS_JWT) && !defined(USE_NATS_NKEY)
#error "A user JWT needs USE_NATS_NKEY: its seed signs the server's nonce"
#endif
#include "nats_parser.h"
#include "nats_platform_event.h"
#include "nats_protocol.h"
#ifdef USE_NATS_TLS
#include "nats_tls.h"
#endif

namespace esphome::nats {

class NatsMessageTrigger;
class NatsLog;

/// Writes one JSON payload; called a second time when the first did not fit.
class JsonFill {
 public:
  virtual void write(JsonWriter &w) const = 0;

 protected:
  ~JsonFill() = default;
};

/// A NATS client speaking protocol v1 (docs/protocol.md) for this device.
///
/// One fixed receive buffer (control line + message) and one fixed send
/// buffer, sized separately and allocated in setup(); nothing on the message
/// path allocates. Connection: resolve -> TCP connect -> INFO -> CONNECT +
/// PING -> PONG -> subscribe, announce, heartbeat. Any failure closes the
/// socket, moves on to the next server and waits out a jittered exponential
/// back-off.
///
/// The announcement does not have to fit the send buffer: it is measured,
/// then streamed entity by entity, one buffer's worth per loop() as the
/// socket takes it (nats_send.cpp), so a large one never holds up the other
/// components. Whatever else is queued meanwhile (replies, heartbeats,
/// PONGs) waits in the send buffer behind it.
class NatsClient : public Component, public NatsParserListener {
 public:
  void add_server(const char *host, uint16_t port) { this->servers_.push_back(Server{host, port}); }
  void set_username(const char *username) { this->username_ = username; }
  void set_password(const char *password) { this->password_ = password; }
  void set_token(const char *token) { this->token_ = token; }
#ifdef USE_NATS_NKEY
  /// An NKey user seed (SU...): CONNECT signs the server's nonce with it and
  /// sends the public key, or the user JWT when there is one.
  void set_nkey_seed(const char *seed) { this->nkey_seed_ = seed; }
#endif
#ifdef USE_NATS_JWT
  /// A user JWT (nats_auth.cpp). False, and none kept, when it is longer than MAX_JWT_LEN.
  bool set_jwt(const char *jwt);
#endif
#ifdef USE_NATS_TLS
  /// TLS to every server, verified against this CA (PEM); see nats_tls.h.
  void set_certificate_authority(const char *pem) { this->tls_.set_certificate_authority(pem); }
  void set_client_certificate(const char *cert_pem, const char *key_pem) {
    this->tls_.set_client_certificate(cert_pem, key_pem);
  }
  void set_skip_cert_cn_check(bool skip) { this->tls_.set_skip_cert_cn_check(skip); }
#endif
  void set_device_id(const char *device_id) { this->device_id_ = device_id; }
  void set_device_name(const char *name) { this->device_name_ = name; }
  void set_prefix(const char *prefix) { this->prefix_ = prefix; }
  void set_heartbeat_interval(uint32_t ms) { this->heartbeat_interval_ms_ = ms; }
  void set_keepalive(uint32_t ms) { this->keepalive_ms_ = ms; }
  void set_reconnect_interval(uint32_t min_ms, uint32_t max_ms) {
    this->reconnect_min_ms_ = min_ms;
    this->reconnect_max_ms_ = max_ms;
  }
  void set_discovery(bool discovery) { this->discovery_ = discovery; }
  void set_buffer_sizes(uint32_t rx, uint32_t tx) {
    this->rx_size_ = rx;
    this->tx_cap_ = tx;
  }
  void add_trigger(NatsMessageTrigger *trigger) { this->triggers_.push_back(trigger); }

  /// Queue a PUB. False when not connected or the send buffer has no room.
  bool publish(const char *subject, const char *payload, size_t len);
  bool publish(const std::string &subject, const std::string &payload) {
    return this->publish(subject.c_str(), payload.data(), payload.size());
  }
  bool is_connected() const { return this->state_ == State::CONNECTED; }

  void setup() override;
  void loop() override;
  void dump_config() override;
  float get_setup_priority() const override { return setup_priority::AFTER_WIFI; }
  void on_shutdown() override;
  bool teardown() override;

  // Controller callbacks (ControllerRegistry): an entity's state changed,
  // or an event fired. Only a flag is set or an event queued here; loop()
  // publishes, so a command's reply and its state message never re-enter
  // the client.
#define ENTITY_TYPE_(type, singular, plural, count, upper)
#define ENTITY_CONTROLLER_TYPE_(type, singular, plural, count, upper, callback) \
  void on_##callback(type *obj) { this->entity_update_(obj); }
#include "esphome/core/entity_types.h"
#undef ENTITY_TYPE_
#undef ENTITY_CONTROLLER_TYPE_

  // NatsParserListener
  void on_info(const char *json, size_t len, bool truncated) override;
  void on_ping() override;
  void on_pong() override;
  void on_err(const char *text, size_t len) override;
  void on_msg(const NatsMessage &msg) override;
  void on_msg_dropped(const char *subject, size_t subject_len, size_t size) override;

 protected:
  /// Publishes the device's log lines through the send buffer (nats_log.h).
  friend class NatsLog;
  struct Server {
    const char *host;
    uint16_t port;
  };
  /// TLS_HANDSHAKE comes between the server's plain-text INFO and CONNECT.
  enum class State : uint8_t { IDLE, RESOLVING, CONNECTING, WAIT_INFO, TLS_HANDSHAKE, WAIT_PONG, CONNECTED };
  /// Subscription ids; user triggers follow from SID_TRIGGERS.
  static constexpr uint32_t SID_COMMANDS = 1;
  static constexpr uint32_t SID_DISCOVERY = 2;
  static constexpr uint32_t SID_HA_STATUS = 3;
  /// The configuration store: direct get replies, and changes of this device's keys.
  static constexpr uint32_t SID_CONFIG_REPLIES = 4;
  static constexpr uint32_t SID_CONFIG_CHANGES = 5;
  /// Renewed credentials (nats_credentials_store.cpp).
  static constexpr uint32_t SID_CREDENTIALS = 6;
  static constexpr uint32_t SID_TRIGGERS = 10;
  /// Room for "PUB <subject> <reply> <size>\r\n" ahead of a payload.
  static constexpr size_t PUB_HEADER_MAX = 4 + MAX_SUBJECT_LEN + 1 + 12 + 2;
  /// "HPUB <subject> <header bytes> <total bytes>\r\n".
  static constexpr size_t HPUB_HEADER_MAX = 5 + MAX_SUBJECT_LEN + 1 + 12 + 1 + 12 + 2;

  /// An announcement on its way out (nats_send.cpp). Parts: 0 is the device
  /// up to `"entities":[`, 1..n the entities, n + 1 the closing `]}\r\n`.
  struct Stream {
    bool active{false};
    /// To the announce subject (not a discovery reply): states follow it.
    bool announces{false};
    /// Bytes at the front of the send buffer that precede the payload:
    /// what was queued before, and the PUB header.
    size_t barrier{0};
    size_t part{0};
    /// Bytes of that part already sent.
    size_t offset{0};
    /// The size stated in the PUB header, and the payload bytes sent.
    size_t payload_len{0};
    size_t payload_sent{0};
    uint32_t progress_ms{0};
  };

#ifdef USE_HOST
  void apply_environment_();
#endif
  void entity_update_(EntityBase *obj) { this->entities_.mark_dirty(obj); }
#ifdef USE_EVENT
  /// An event is a message, not a state: it is queued, not marked dirty
  /// (nats_device.cpp).
  void entity_update_(event::Event *obj);
  /// Publishes the queued events once their entities are announced.
  void publish_events_();
#endif
  // nats_client.cpp: lifecycle and timers.
  void set_state_(State state);
  void timers_();
  /// Writes a subject from fmt (the prefix, then a, b and c) into buf.
  /// Returns its length, or 0 with an error logged when it does not fit.
  size_t subject_(char *buf, const char *fmt, const char *a = "", const char *b = "", const char *c = "");
  /// An entity's state subject into buf (MAX_SUBJECT_LEN + 1); as subject_.
  size_t state_subject_(char *buf, const EntityEntry &entry);

  // nats_auth.cpp: the credentials CONNECT carries.
  /// Decodes the NKey seed once; false when there is one and it is not a user seed.
  bool setup_auth_();
  /// Reads what authentication needs from the server's INFO (the nonce).
  void read_info_auth_(const JsonValue &key, const JsonValue &value);
  /// The CONNECT document; sig is the signed nonce (or empty).
  void write_connect_(JsonWriter &w, const char *sig) const;
  /// Signs the nonce of the last INFO into sig (empty without an NKey or nonce).
  void sign_nonce_(char *sig, size_t cap);
  /// The user JWT, or nullptr without one.
  const char *jwt_text_() const;
  /// What this device authenticates with, for the logs.
  const char *auth_kind_() const;
  void log_auth_config_() const;

#ifdef USE_NATS_JWT
  // nats_credentials_store.cpp: renewed user JWTs (docs/protocol.md, "Credentials").
  /// At setup: the firmware's JWT, or a kept renewal issued after it.
  void setup_credentials_();
  /// A renewal on SID_CREDENTIALS: checked, kept, answered.
  void handle_credentials_(const NatsMessage &msg);
  /// Writes the kept JWT to flash; false where there is none (ESP8266) or it failed.
  bool store_kept_jwt_();
  /// The server refused CONNECT's credentials: a renewed JWT falls back to the firmware's, once.
  void on_credentials_refused_();
  void log_credentials_config_() const;
#endif

  // nats_connection.cpp: connecting, reading, handshake, subscriptions.
  void start_connect_();
  void fail_(const char *why, int err = 0);
  void read_();
  /// Sends CONNECT and a PING: after INFO, or after the TLS handshake.
  void send_connect_();
  /// Decides on TLS after INFO: true to send CONNECT in plain text now;
  /// false when the connection failed or the TLS handshake starts first.
  bool plain_connect_(bool tls_required, bool tls_offered);
  /// One step of the TLS handshake (loop() in TLS_HANDSHAKE).
  void tls_handshake_();
  /// The socket, or the TLS session over it: same contract as Socket::read/write.
  ssize_t transport_read_(uint8_t *buf, size_t len);
  ssize_t transport_write_(const void *buf, size_t len);
  /// Sends bytes TLS holds from an earlier write; false while some remain
  /// (or when the connection failed).
  bool transport_flush_();
  bool transport_pending_() const;
  /// Ends TLS and closes the socket.
  void close_socket_();
  void on_connected_();
  /// Queues the SUBs not queued yet. A SUB that does not fit now is retried
  /// on the next loop; the announcement waits until every one is queued.
  void subscribe_();
  bool subscribed_() const { return this->subs_queued_ == this->subs_total_(); }
  size_t subs_total_() const {
    return 1 + (this->discovery_ ? 2 : 0) + CONFIG_SUBS + this->credential_subs_() + this->triggers_.size();
  }
  /// The subject and sid of subscription i, in the order subscribe_() queues them.
  void subscription_(size_t i, char *subject, uint32_t &sid);
#ifdef USE_NATS_CONFIG_STORE
  static constexpr size_t CONFIG_SUBS = 2;
#else
  static constexpr size_t CONFIG_SUBS = 0;
#endif
#ifdef USE_NATS_JWT
  /// Only a device with a user JWT takes renewals.
  size_t credential_subs_() const { return this->firmware_jwt_ != nullptr ? 1 : 0; }
#else
  size_t credential_subs_() const { return 0; }
#endif

  // nats_send.cpp: the send buffer and the announcement stream.
  void flush_();
  /// Bytes that may be queued now. While an announcement streams, a window
  /// is kept free to render it into.
  size_t tx_free_() const;
  /// Try to send queued bytes when fewer than len are free. True if len fit.
  bool make_room_(size_t len);
  /// Raw protocol text (CONNECT, SUB, PING...). False when it does not fit.
  bool write_raw_(const char *data, size_t len);
  /// Sends the first `len` queued bytes; false when the connection failed.
  bool send_queued_(size_t len, size_t &sent);
  /// Builds a JSON payload straight into the send buffer behind a PUB header;
  /// with ack_reply, an HPUB whose Nats-Home-Ack header names that reply
  /// subject (a state acknowledging a command, protocol 1.7).
  bool publish_json_fill_(const char *subject, const JsonFill &fill, const char *ack_reply = nullptr);
  /// publish_json_fill_ for a lambda (no allocation: the adapter lives on the stack).
  template<typename F> bool publish_json_(const char *subject, F &&fill, const char *ack_reply = nullptr) {
    struct Adapter final : JsonFill {
      explicit Adapter(F &f) : f_(f) {}
      void write(JsonWriter &w) const override { this->f_(w); }
      F &f_;
    } adapter(fill);
    return this->publish_json_fill_(subject, adapter, ack_reply);
  }
  /// Publishes an entity's state now, acknowledging the command whose reply
  /// subject is ack_reply. False when it cannot (not announced yet, no room).
  bool acknowledge_with_state_(const EntityEntry &entry, const char *ack_reply);
  /// Measures the announcement and queues its PUB header. False when the
  /// header does not fit now (tried again on the next loop).
  bool start_announcement_(const char *subject, bool announces);
  /// Sends one window of the announcement.
  void pump_announcement_();
  void end_announcement_();

  // nats_announce.cpp: what the announcement says.
  size_t announcement_parts_() const { return this->entities_.size() + 2; }
  /// Writes part (not the last, which pump_announcement_ writes) into w.
  void write_announcement_part_(size_t part, JsonWriter &w) const;

  // nats_device.cpp: the device side of the protocol.
  bool heartbeat_(bool online);
  void publish_states_();
  void handle_command_(const NatsMessage &msg);
  void reply_error_(const char *reply, const char *error);
  void schedule_announce_();
  /// Starts a due announcement once the subscriptions are queued.
  void announce_when_due_();
  /// Dates the controller clock from a stamped ha.status or discovery request.
  void observe_clock_(const NatsMessage &msg);
  /// Announce as soon as the current announcement (if any) is out: what it says changed.
  void announce_now_();

#ifdef USE_NATS_CONFIG_STORE
  // nats_config_store.cpp: the device's settings in the home's bucket.
  enum Setting : uint8_t { SETTING_HEARTBEAT_INTERVAL, SETTING_NAME, SETTING_COUNT };
  SettingSpec setting_spec_(size_t i) const;
  /// "$KV.<bucket>.<device>." into buf (MAX_SUBJECT_LEN + 1); its length, 0 if it does not fit.
  size_t config_key_prefix_(char *buf) const;
  /// "_INBOX.<device>.<random>" into buf (MAX_INBOX_LEN + 1): where direct gets are answered.
  size_t config_inbox_(char *buf) const;
  void config_connected_();
  /// Sends the direct gets that are due and gives up on those unanswered.
  void config_loop_();
  void on_config_reply_(const NatsMessage &msg);
  void on_config_change_(const NatsMessage &msg);
  /// Applies a stored value (VALUE) or the default (DEFAULT) to setting i.
  void apply_setting_(size_t i, PendingGets::Outcome outcome, const char *payload, size_t len);
  void write_config_declarations_(JsonWriter &w) const;
  /// What the next announcement says (name, heartbeat interval): these change
  /// only between announcements, since one is re-rendered while it streams.
  void snapshot_announced_();
#endif

  std::vector<Server> servers_;
  std::vector<NatsMessageTrigger *> triggers_;
  const char *username_{nullptr};
  const char *password_{nullptr};
  const char *token_{nullptr};
#ifdef USE_NATS_NKEY
  const char *nkey_seed_{nullptr};
  NkeyUser nkey_;
  char nonce_[MAX_NONCE_LEN + 1]{};
#endif
#ifdef USE_NATS_JWT
  /// The YAML's (or the host environment's) JWT, and the renewal kept, in
  /// use while use_kept_jwt_: the one issued later, unless the server
  /// refused it (fell_back_).
  const char *firmware_jwt_{nullptr};
  char kept_jwt_[MAX_JWT_LEN + 1]{};
  UserJwtClaims firmware_claims_;
  UserJwtClaims kept_claims_;
  bool use_kept_jwt_{false};
  bool fell_back_{false};
#ifndef USE_ESP8266
  ESPPreferenceObject kept_header_pref_;
  ESPPreferenceObject kept_piece_prefs_[KEPT_JWT_PIECES];
#endif
#endif
  const char *device_id_{""};
  const char *device_name_{""};
  const char *prefix_{"home"};
  uint32_t heartbeat_interval_ms_{60000};
  uint32_t keepalive_ms_{30000};
  uint32_t reconnect_min_ms_{1000};
  uint32_t reconnect_max_ms_{30000};
  bool discovery_{true};

  std::unique_ptr<socket::Socket> sock_;
#ifdef USE_NATS_TLS
  NatsTls tls_;
#endif
  socket::Ipv4Resolve resolve_;
  NatsParser parser_;
  EntityTable entities_;
  CommandExpiry expiry_;
#ifdef USE_EVENT
  EventQueue<EVENT_QUEUE_SIZE> events_;
#endif
  /// The largest incoming payload; the buffer adds room for its control line.
  uint32_t rx_size_{4096};
  std::unique_ptr<char[]> rx_buf_;
  std::unique_ptr<char[]> tx_buf_;
  size_t tx_cap_{4096};
  size_t tx_len_{0};
  Stream stream_;

  State state_{State::IDLE};
  uint8_t server_index_{0};
  uint8_t pings_outstanding_{0};
  size_t subs_queued_{0};
  bool announce_pending_{false};
  bool announce_reply_pending_{false};
  bool shutting_down_{false};
  bool logged_unreachable_{false};
  /// millis_64() at setup: the host's clock does not start at boot.
  uint64_t boot_ms_{0};
  uint32_t state_since_ms_{0};
  uint32_t next_attempt_ms_{0};
  uint32_t backoff_ms_{0};
  uint32_t last_ping_ms_{0};
  uint32_t last_heartbeat_ms_{0};
  uint32_t announce_at_ms_{0};

  char announce_subject_[MAX_SUBJECT_LEN + 1]{};
  char status_subject_[MAX_SUBJECT_LEN + 1]{};
  char announce_reply_[MAX_SUBJECT_LEN + 1]{};

#ifdef USE_NATS_CONFIG_STORE
  PendingGets config_gets_{SETTING_COUNT};
  /// Makes this boot's reply inbox its own.
  uint32_t inbox_nonce_{0};
  /// The defaults: the YAML's heartbeat interval and friendly name.
  uint32_t default_heartbeat_ms_{60000};
  /// The name in use, and the one the announcement being sent carries.
  char name_[NAME_SETTING_BUF]{};
  char announced_name_[NAME_SETTING_BUF]{};
  uint32_t announced_interval_s_{60};
#endif
};

/// on_message: fires with the subject and payload of each message on its subject.
class NatsMessageTrigger : public Trigger<std::string, std::string> {
 public:
  explicit NatsMessageTrigger(const char *subject) : subject_(subject) {}
  const char *get_subject() const { return this->subject_; }

 protected:
  const char *subject_;
};

template<typename... Ts> class NatsPublishAction : public Action<Ts...>, public Parented<NatsClient> {
 public:
  TEMPLATABLE_VALUE(std::string, subject)
  TEMPLATABLE_VALUE(std::string, payload)

  void play(const Ts &...x) override {
    this->parent_->publish(this->subject_.value(x...), this->payload_.value(x...));
  }
};

}  // namespace esphome::nats

#endif  // USE_NATS
