// The device side of protocol v1 on top of the client: heartbeat, states,
// discovery requests, when to announce, and commands.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/core/hal.h"
#include "esphome/core/helpers.h"
#include "esphome/core/log.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "nats_platform.h"

namespace esphome::nats {

static const char *const TAG = "nats";

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

size_t NatsClient::state_subject_(char *buf, const EntityEntry &entry) {
  return this->subject_(buf, "%s.devices.%s.%s.%s.state", this->device_id_, entry.ops->name,
                        this->entities_.id(entry));
}

void NatsClient::publish_states_() {
  if (this->announce_pending_ || this->stream_.active)
    return;  // States follow the announcement that defines their entities.
  DirtyQueue &dirty = this->entities_.dirty();
  char subject[MAX_SUBJECT_LEN + 1];
  while (!dirty.empty()) {
    const EntityEntry &entry = this->entities_.at(dirty.front());
    if (this->state_subject_(subject, entry) == 0) {
      dirty.pop();  // logged; it could never be published
      continue;
    }
    if (!this->publish_json_(subject, [this, &entry](JsonWriter &w) { this->entities_.write_state(entry, w); }))
      return;  // Send buffer full: the rest stay queued for the next loop.
    dirty.pop();
  }
}

#ifdef USE_EVENT
void NatsClient::entity_update_(event::Event *obj) {
  const uint16_t index = this->entities_.index_of(obj);
  if (index == EntityIndex::NONE)
    return;  // internal, or not announced
  const uint8_t type = obj->get_last_event_type_index();
  if (!is_announced_event_type(obj->get_event_types(), type)) {
    ESP_LOGW(TAG, "[%s] Event '%s' of %s not sent: its type is not announced", this->device_id_,
             obj->get_last_event_type().c_str(), this->entities_.id(this->entities_.at(index)));
    return;
  }
  // Like a press seen by nobody: an event is news only when it happens, so
  // one fired while disconnected is not kept for later.
  if (this->state_ != State::CONNECTED) {
    ESP_LOGW(TAG, "[%s] Event '%s' of %s not sent: not connected", this->device_id_,
             obj->get_last_event_type().c_str(), this->entities_.id(this->entities_.at(index)));
    return;
  }
  this->events_.push(PendingEvent{index, type});
}

void NatsClient::publish_events_() {
  if (this->announce_pending_ || this->stream_.active)
    return;  // The controller drops an event of an entity it does not know yet.
  const uint32_t dropped = this->events_.take_dropped();
  if (dropped > 0) {
    ESP_LOGW(TAG, "[%s] %" PRIu32 " events dropped: they came faster than they could be sent, or the connection failed",
             this->device_id_, dropped);
  }
  char subject[MAX_SUBJECT_LEN + 1];
  while (!this->events_.empty()) {
    const PendingEvent &pending = this->events_.front();
    const EntityEntry &entry = this->entities_.at(pending.entry);
    const char *type = static_cast<event::Event *>(entry.obj)->get_event_type(pending.type);
    if (type == nullptr ||
        this->subject_(subject, "%s.devices.%s.event.%s.event", this->device_id_, this->entities_.id(entry)) == 0) {
      this->events_.pop();
      continue;
    }
    if (!this->publish_json_(subject, [type](JsonWriter &w) {
          w.begin_object();
          w.key("event_type");
          w.value(type);
          w.end_object();
        }))
      return;  // Send buffer full: the rest wait for the next loop.
    this->events_.pop();
  }
}
#endif

void NatsClient::announce_when_due_() {
  if (this->stream_.active || !this->subscribed_() ||
      !(this->announce_pending_ || this->announce_reply_pending_) ||
      static_cast<int32_t>(millis() - this->announce_at_ms_) < 0)
    return;
#ifdef USE_NATS_CONFIG_STORE
  // The first announcement of a connection carries the stored name and
  // interval (at most CONFIG_GET_TIMEOUT_MS late), not the YAML's followed
  // by a rename.
  if (this->config_gets_.settling())
    return;
  this->snapshot_announced_();
#endif
  // The reply goes first: the requester is waiting for it.
  if (this->announce_reply_pending_) {
    if (this->start_announcement_(this->announce_reply_, false))
      this->announce_reply_pending_ = false;
  } else if (this->start_announcement_(this->announce_subject_, true)) {
    this->announce_pending_ = false;
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
#ifdef USE_NATS_CONFIG_STORE
    case SID_CONFIG_REPLIES:
      this->on_config_reply_(msg);
      return;
    case SID_CONFIG_CHANGES:
      this->on_config_change_(msg);
      return;
#endif
#ifdef USE_NATS_JWT
    case SID_CREDENTIALS:
      this->handle_credentials_(msg);
      return;
#endif
    case SID_HA_STATUS: {
      JsonValue root;
      if (!json_parse_object(msg.payload, msg.payload_len, root)) {
        ESP_LOGW(TAG, "[%s] Malformed payload on %s", this->device_id_, msg.subject);
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
  ESP_LOGW(TAG, "[%s] Dropped a %u byte message on %.*s: larger than rx_buffer_size", this->device_id_,
           static_cast<unsigned>(size), static_cast<int>(subject_len), subject);
}

void NatsClient::schedule_announce_() {
  // Jitter keeps a whole home from answering at the same instant.
  if (!this->announce_pending_) {
    this->announce_pending_ = true;
    this->announce_at_ms_ = millis() + random_uint32() % 1000;
  }
}

void NatsClient::announce_now_() {
  this->announce_pending_ = true;
  this->announce_at_ms_ = millis();
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
  const char *platform, *entity_id;
  size_t platform_len, entity_len;
  if (!parse_command_subject(msg.subject, msg.subject_len, this->prefix_, this->device_id_, platform, platform_len,
                             entity_id, entity_len)) {
    ESP_LOGW(TAG, "[%s] Malformed command subject %s", this->device_id_, msg.subject);
    this->reply_error_(reply, "unknown entity");
    return;
  }
  const EntityEntry *entry = this->entities_.find(platform, platform_len, entity_id, entity_len);
  if (entry == nullptr) {
    ESP_LOGW(TAG, "[%s] Command for unknown entity on %s", this->device_id_, msg.subject);
    this->reply_error_(reply, "unknown entity");
    return;
  }
  if (entry->ops->command == nullptr) {
    ESP_LOGW(TAG, "[%s] Command rejected on %s: the entity takes none", this->device_id_, msg.subject);
    this->reply_error_(reply, "this entity takes no commands");
    return;
  }
  CommandRequest req(msg.payload, msg.payload_len, this->expiry_, static_cast<int64_t>(millis_64()));
  if (!entry->ops->command(entry->obj, req)) {
    if (req.expired()) {
      const int64_t shown = req.late() < INT32_MAX ? req.late() : INT32_MAX;
      ESP_LOGW(TAG, "[%s] Refusing an expired command on %s: %" PRId32 " ms late, ttl %" PRIu32 " ms",
               this->device_id_, msg.subject, static_cast<int32_t>(shown), req.ttl());
    } else {
      ESP_LOGW(TAG, "[%s] Command rejected on %s: %s", this->device_id_, msg.subject, req.error());
    }
    this->reply_error_(reply, req.error());
    return;
  }
  ESP_LOGD(TAG, "[%s] Command applied on %s", this->device_id_, msg.subject);
  // The controller may take the state message as the confirmation (protocol
  // 1.7): then that one message answers, and no reply follows.
  if (reply != nullptr && entry->ops->write_state != nullptr && wants_state_ack(msg.headers, msg.headers_len) &&
      this->acknowledge_with_state_(*entry, reply))
    return;
  // The state subject carries the result even when the entity did not change.
  this->entities_.mark_dirty(*entry);
  if (reply == nullptr)
    return;
  if (!this->publish_json_(reply, [this, entry](JsonWriter &w) {
        w.begin_object();
        w.key("ok");
        w.value(true);
        if (entry->ops->write_state != nullptr) {
          w.key("state");
          this->entities_.write_state(*entry, w);
        }
        w.end_object();
      })) {
    ESP_LOGW(TAG, "[%s] No room to reply on %s", this->device_id_, msg.subject);
  }
}

bool NatsClient::acknowledge_with_state_(const EntityEntry &entry, const char *ack_reply) {
  if (this->announce_pending_ || this->stream_.active)
    return false;  // states follow the announcement; reply instead
  char subject[MAX_SUBJECT_LEN + 1];
  if (this->state_subject_(subject, entry) == 0)
    return false;
  if (!this->publish_json_(
          subject, [this, &entry](JsonWriter &w) { this->entities_.write_state(entry, w); }, ack_reply))
    return false;
  // A change the command caused is in this state: not published twice.
  this->entities_.mark_clean(entry);
  return true;
}

void NatsClient::reply_error_(const char *reply, const char *error) {
  if (reply == nullptr)
    return;
  if (!this->publish_json_(reply, [error](JsonWriter &w) {
        w.begin_object();
        w.key("ok");
        w.value(false);
        w.key("error");
        w.value(error);
        w.end_object();
      })) {
    ESP_LOGW(TAG, "[%s] No room to reply '%s' on %s", this->device_id_, error, reply);
  }
}

}  // namespace esphome::nats

#endif  // USE_NATS
