// The device side of protocol v1 on top of the client: announcement,
// heartbeat, states, discovery requests and commands.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/core/application.h"
#include "esphome/core/hal.h"
#include "esphome/core/helpers.h"
#include "esphome/core/log.h"
#include "esphome/core/version.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

bool NatsClient::announce_(const char *subject) {
  return this->publish_json_(subject, [this](JsonWriter &w) {
    w.begin_object();
    w.key("v");
    w.value(static_cast<int>(PROTOCOL_VERSION));
    w.key("id");
    w.value(this->device_id_);
    w.key("name");
    w.value(this->device_name_);
    w.key("manufacturer");
    w.value("ESPHome");
#ifdef ESPHOME_PROJECT_NAME
    w.key("model");
    w.value(ESPHOME_PROJECT_NAME);
    w.key("sw_version");
    w.value(ESPHOME_PROJECT_VERSION " (ESPHome " ESPHOME_VERSION ")");
#else
    w.key("model");
    w.value(ESPHOME_BOARD);
    w.key("sw_version");
    w.value("ESPHome " ESPHOME_VERSION);
#endif
    char mac[MAC_ADDRESS_PRETTY_BUFFER_SIZE];
    w.key("mac");
    w.value(get_mac_address_pretty_into_buffer(mac));
    const char *area = App.get_area();
    if (area != nullptr && area[0] != '\0') {
      w.key("suggested_area");
      w.value(area);
    }
    w.key("heartbeat_interval");
    w.value(this->heartbeat_interval_ms_ / 1000);
    w.key("entities");
    this->entities_.write_entities(w);
    w.end_object();
  });
}

bool NatsClient::heartbeat_(bool online) {
  return this->publish_json_(this->status_subject_, [this, online](JsonWriter &w) {
    w.begin_object();
    w.key("v");
    w.value(static_cast<int>(PROTOCOL_VERSION));
    w.key("online");
    w.value(online);
    w.key("interval");
    w.value(this->heartbeat_interval_ms_ / 1000);
    w.key("uptime");
    w.value(static_cast<int64_t>((millis_64() - this->boot_ms_) / 1000));
    w.end_object();
  });
}

void NatsClient::publish_states_() {
  if (this->announce_pending_)
    return;  // States follow the announcement that defines their entities.
  char subject[MAX_SUBJECT_LEN + 1];
  for (size_t i = 0; i < this->entities_.size(); i++) {
    EntityEntry &entry = this->entities_.at(i);
    if (!entry.dirty)
      continue;
    std::snprintf(subject, sizeof(subject), "%s.devices.%s.%s.%s.state", this->prefix_, this->device_id_,
                  platform_name(entry.platform), entry.id);
    if (!this->publish_json_(subject, [this, &entry](JsonWriter &w) { this->entities_.write_state(entry, w); }))
      return;  // Send buffer full: the rest stay flagged for the next loop.
    entry.dirty = false;
  }
}

void NatsClient::on_msg(const NatsMessage &msg) {
  // The rest of a read chunk after the connection failed mid-way.
  if (this->state_ != State::CONNECTED)
    return;
  switch (msg.sid) {
    case SID_COMMANDS:
      this->handle_command_(msg);
      return;
    case SID_DISCOVERY:
      this->observe_clock_(msg);
      if (msg.reply_len > 0 && msg.reply_len <= MAX_SUBJECT_LEN) {
        std::memcpy(this->announce_reply_, msg.reply, msg.reply_len + 1);
        this->announce_reply_pending_ = true;
      }
      this->schedule_announce_();
      return;
    case SID_HA_STATUS: {
      JsonValue root;
      if (!json_parse_object(msg.payload, msg.payload_len, root)) {
        ESP_LOGW(TAG, "Malformed payload on %s", msg.subject);
        return;
      }
      this->observe_clock_(msg);
      JsonIterator it(root);
      JsonValue key, value;
      while (it.next_member(key, value)) {
        if (key.equals("status") && value.equals("online"))
          this->schedule_announce_();
      }
      return;
    }
    default:
      break;
  }
  if (msg.sid >= SID_TRIGGERS && msg.sid - SID_TRIGGERS < this->triggers_.size()) {
    this->triggers_[msg.sid - SID_TRIGGERS]->trigger(std::string(msg.subject, msg.subject_len),
                                                     std::string(msg.payload, msg.payload_len));
  }
}

void NatsClient::on_msg_dropped(const char *subject, size_t subject_len, size_t size) {
  ESP_LOGW(TAG, "Dropped a %u byte message on %.*s: larger than max_payload_size", static_cast<unsigned>(size),
           static_cast<int>(subject_len), subject);
}

void NatsClient::schedule_announce_() {
  // Jitter keeps a whole home from answering at the same instant.
  if (!this->announce_pending_) {
    this->announce_pending_ = true;
    this->announce_at_ms_ = millis() + random_uint32() % 1000;
  }
}

void NatsClient::observe_clock_(const NatsMessage &msg) {
  // Every controller message teaches the device how the controller's clock
  // relates to its own; an unstamped one (an older controller, a person with
  // the nats CLI) teaches nothing and is otherwise handled as before.
  JsonValue root;
  ClockStamp stamp;
  if (json_parse_object(msg.payload, msg.payload_len, root) && parse_clock_stamp(root, stamp))
    this->expiry_.observe(stamp, static_cast<int64_t>(millis_64()));
}

void NatsClient::handle_command_(const NatsMessage &msg) {
  const char *reply = msg.reply_len > 0 ? msg.reply : nullptr;
  Platform platform;
  const char *entity_id;
  size_t entity_len;
  if (!parse_command_subject(msg.subject, msg.subject_len, this->prefix_, this->device_id_, platform, entity_id,
                             entity_len)) {
    ESP_LOGW(TAG, "Malformed command subject %s", msg.subject);
    this->reply_error_(reply, "unknown entity");
    return;
  }
  EntityEntry *entry = this->entities_.find(platform, entity_id, entity_len);
  if (entry == nullptr) {
    ESP_LOGW(TAG, "Command for unknown entity on %s", msg.subject);
    this->reply_error_(reply, "unknown entity");
    return;
  }
  Command cmd;
  const char *error = nullptr;
  if (!parse_command(platform, msg.payload, msg.payload_len, cmd, error)) {
    ESP_LOGW(TAG, "Command rejected on %s: %s", msg.subject, error);
    this->reply_error_(reply, error);
    return;
  }
  int64_t late;
  if (this->expiry_.is_expired(cmd, static_cast<int64_t>(millis_64()), late)) {
    // The controller has already told its user the command failed; carrying
    // it out now (a frozen or congested device reading its backlog) would
    // surprise them.
    const int64_t shown = late < INT32_MAX ? late : INT32_MAX;
    ESP_LOGW(TAG, "Refusing an expired command on %s: %" PRId32 " ms late, ttl %" PRIu32 " ms", msg.subject,
             static_cast<int32_t>(shown), cmd.ttl);
    this->reply_error_(reply, EXPIRED_ERROR);
    return;
  }
  if (!this->entities_.apply(*entry, cmd, error)) {
    ESP_LOGW(TAG, "Command rejected on %s: %s", msg.subject, error);
    this->reply_error_(reply, error);
    return;
  }
  ESP_LOGD(TAG, "Command applied on %s", msg.subject);
  if (reply == nullptr)
    return;
  bool stateless = entry->kind == EntityKind::BUTTON;
  if (!this->publish_json_(reply, [this, entry, stateless](JsonWriter &w) {
        w.begin_object();
        w.key("ok");
        w.value(true);
        if (!stateless) {
          w.key("state");
          this->entities_.write_state(*entry, w);
        }
        w.end_object();
      })) {
    ESP_LOGW(TAG, "No room to reply on %s", msg.subject);
  }
}

void NatsClient::reply_error_(const char *reply, const char *error) {
  if (reply == nullptr)
    return;
  this->publish_json_(reply, [error](JsonWriter &w) {
    w.begin_object();
    w.key("ok");
    w.value(false);
    w.key("error");
    w.value(error);
    w.end_object();
  });
}

}  // namespace esphome::nats

#endif  // USE_NATS
