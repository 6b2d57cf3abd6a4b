#include "nats_entities.h"

#include "esphome/core/application.h"
#include "esphome/core/log.h"

#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

void NatsEntities::add_(EntityBase *obj, EntityKind kind, Platform platform) {
  if (obj->is_internal())
    return;
  EntityEntry entry{obj, kind, platform, false, {}};
  char object_id[OBJECT_ID_MAX_LEN];
  size_t len = obj->write_object_id_to(object_id, sizeof(object_id));
  size_t base = sanitize_token(object_id, len, entry.id, sizeof(entry.id));
  // Ids must be unique across platforms (a sensor and a number may share a
  // name): later ones get _2, _3, ... in a stable order.
  for (unsigned suffix = 2;; suffix++) {
    bool taken = false;
    for (auto &other : this->entries_) {
      if (std::strcmp(other.id, entry.id) == 0) {
        taken = true;
        break;
      }
    }
    if (!taken)
      break;
    char tail[12];
    int n = std::snprintf(tail, sizeof(tail), "_%u", suffix);
    size_t keep = base + n > MAX_TOKEN_LEN ? MAX_TOKEN_LEN - n : base;
    std::memcpy(entry.id + keep, tail, n + 1);
  }
  this->entries_.push_back(entry);
}

void NatsEntities::collect() {
  size_t count = 0;
#define NATS_COUNT_(plural) count += App.get_##plural().size();
#ifdef USE_SENSOR
  NATS_COUNT_(sensors)
#endif
#ifdef USE_TEXT_SENSOR
  NATS_COUNT_(text_sensors)
#endif
#ifdef USE_BINARY_SENSOR
  NATS_COUNT_(binary_sensors)
#endif
#ifdef USE_SWITCH
  NATS_COUNT_(switches)
#endif
#ifdef USE_LIGHT
  NATS_COUNT_(lights)
#endif
#ifdef USE_BUTTON
  NATS_COUNT_(buttons)
#endif
#ifdef USE_NUMBER
  NATS_COUNT_(numbers)
#endif
#ifdef USE_SELECT
  NATS_COUNT_(selects)
#endif
#undef NATS_COUNT_
  this->entries_.reserve(count);
#ifdef USE_SENSOR
  for (auto *obj : App.get_sensors())
    this->add_(obj, EntityKind::SENSOR, Platform::SENSOR);
#endif
#ifdef USE_TEXT_SENSOR
  for (auto *obj : App.get_text_sensors())
    this->add_(obj, EntityKind::TEXT_SENSOR, Platform::SENSOR);
#endif
#ifdef USE_BINARY_SENSOR
  for (auto *obj : App.get_binary_sensors())
    this->add_(obj, EntityKind::BINARY_SENSOR, Platform::BINARY_SENSOR);
#endif
#ifdef USE_SWITCH
  for (auto *obj : App.get_switches())
    this->add_(obj, EntityKind::SWITCH, Platform::SWITCH);
#endif
#ifdef USE_LIGHT
  for (auto *obj : App.get_lights())
    this->add_(obj, EntityKind::LIGHT, Platform::LIGHT);
#endif
#ifdef USE_BUTTON
  for (auto *obj : App.get_buttons())
    this->add_(obj, EntityKind::BUTTON, Platform::BUTTON);
#endif
#ifdef USE_NUMBER
  for (auto *obj : App.get_numbers())
    this->add_(obj, EntityKind::NUMBER, Platform::NUMBER);
#endif
#ifdef USE_SELECT
  for (auto *obj : App.get_selects())
    this->add_(obj, EntityKind::SELECT, Platform::SELECT);
#endif
  if (this->entries_.size() > 256) {
    ESP_LOGW(TAG, "%u entities; the protocol allows 256, the rest are not announced",
             static_cast<unsigned>(this->entries_.size()));
    this->entries_.resize(256);
  }
}

EntityEntry *NatsEntities::find(Platform platform, const char *id, size_t len) {
  for (auto &entry : this->entries_) {
    if (entry.platform == platform && std::strlen(entry.id) == len && std::memcmp(entry.id, id, len) == 0)
      return &entry;
  }
  return nullptr;
}

void NatsEntities::mark_dirty(const EntityBase *obj) {
  for (auto &entry : this->entries_) {
    if (entry.obj == obj) {
      entry.dirty = entry.kind != EntityKind::BUTTON;
      return;
    }
  }
}

void NatsEntities::mark_all_dirty() {
  for (auto &entry : this->entries_)
    entry.dirty = entry.kind != EntityKind::BUTTON;
}

}  // namespace esphome::nats
