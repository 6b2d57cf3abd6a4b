#include "nats_entities.h"

#ifdef USE_NATS

#include "nats_platform.h"

#include "esphome/core/log.h"

#include <cstdio>
#include <cstring>

namespace esphome::nats {

static const char *const TAG = "nats";

namespace {

// The controller validates these shapes; anything else is left out of the
// announcement instead of making the whole device fail validation.
bool is_mdi_icon(const char *s) {
  if (std::strncmp(s, "mdi:", 4) != 0)
    return false;
  size_t n = std::strlen(s + 4);
  if (n == 0 || n > 60)
    return false;
  for (size_t i = 4; s[i] != '\0'; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return true;
}

}  // namespace

void EntityTable::collect() {
  for (const PlatformOps *ops : Platforms{})
    ops->collect(*this, *ops);
  if (this->left_out_ > 0) {
    ESP_LOGW(TAG, "%u entities are not announced: the protocol allows %u per device",
             static_cast<unsigned>(this->left_out_), static_cast<unsigned>(MAX_ENTITIES));
  }
  this->entries_.shrink_to_fit();
  this->ids_.shrink_to_fit();
  this->index_.init(this->entries_.size());
  for (size_t i = 0; i < this->entries_.size(); i++)
    this->index_.insert(this->entries_[i].obj, static_cast<uint16_t>(i));
  this->dirty_.init(this->entries_.size());
}

void EntityTable::add(EntityBase *obj, const PlatformOps &ops) {
  if (obj->is_internal())
    return;
  if (this->entries_.size() == MAX_ENTITIES) {
    this->left_out_++;
    return;
  }
  char object_id[OBJECT_ID_MAX_LEN];
  size_t len = obj->write_object_id_to(object_id, sizeof(object_id));
  char id[MAX_TOKEN_LEN + 1];
  const size_t base = sanitize_token(object_id, len, id, sizeof(id));
  size_t id_len = base;
  // Ids must be unique across platforms (a sensor and a number may share a
  // name): later ones get _2, _3, ... in a stable order.
  for (unsigned suffix = 2; this->find_id_(id, id_len); suffix++) {
    char tail[12];
    const int n = std::snprintf(tail, sizeof(tail), "_%u", suffix);
    const size_t keep = base + n > MAX_TOKEN_LEN ? MAX_TOKEN_LEN - n : base;
    std::memcpy(id + keep, tail, n + 1);
    id_len = keep + n;
  }
  const auto offset = static_cast<uint16_t>(this->ids_.size());
  this->ids_.insert(this->ids_.end(), id, id + id_len + 1);
  this->entries_.push_back(EntityEntry{obj, &ops, offset, static_cast<uint8_t>(id_len)});
}

bool EntityTable::find_id_(const char *id, size_t len) const {
  for (const auto &entry : this->entries_) {
    if (entry.id_len == len && std::memcmp(this->id(entry), id, len) == 0)
      return true;
  }
  return false;
}

const EntityEntry *EntityTable::find(const char *platform, size_t platform_len, const char *id,
                                     size_t id_len) const {
  for (const auto &entry : this->entries_) {
    if (entry.id_len == id_len && std::memcmp(this->id(entry), id, id_len) == 0 &&
        std::strlen(entry.ops->name) == platform_len && std::memcmp(entry.ops->name, platform, platform_len) == 0)
      return &entry;
  }
  return nullptr;
}

void EntityTable::mark_dirty(const EntityBase *obj) {
  const uint16_t i = this->index_.find(obj);
  if (i != EntityIndex::NONE)
    this->mark_dirty(this->entries_[i]);
}

void EntityTable::mark_dirty(const EntityEntry &entry) {
  if (entry.ops->write_state != nullptr)
    this->dirty_.mark(static_cast<uint16_t>(&entry - this->entries_.data()));
}

void EntityTable::mark_clean(const EntityEntry &entry) {
  this->dirty_.remove(static_cast<uint16_t>(&entry - this->entries_.data()));
}

void EntityTable::mark_all_dirty() {
  for (const auto &entry : this->entries_)
    this->mark_dirty(entry);
}

void EntityTable::write_description(const EntityEntry &entry, JsonWriter &w) const {
  EntityBase *obj = entry.obj;
  w.begin_object();
  w.key("platform");
  w.value(entry.ops->name);
  w.key("id");
  w.value(this->id(entry), entry.id_len);
  w.key("name");
  const StringRef &name = obj->get_name();
  if (obj->has_own_name() && !name.empty()) {
    w.value(name.c_str(), utf8_prefix(name.c_str(), name.size(), 128));
  } else {
    w.value_null();
  }
  switch (obj->get_entity_category()) {
    case ENTITY_CATEGORY_CONFIG:
      w.key("category");
      w.value("config");
      break;
    case ENTITY_CATEGORY_DIAGNOSTIC:
      w.key("category");
      w.value("diagnostic");
      break;
    default:
      break;
  }
  char icon_buf[MAX_ICON_LENGTH];
  const char *icon = obj->get_icon_to(icon_buf);
  if (is_mdi_icon(icon)) {
    w.key("icon");
    w.value(icon);
  }
  if (obj->is_disabled_by_default()) {
    w.key("enabled_by_default");
    w.value(false);
  }
  entry.ops->describe(obj, w);
  w.end_object();
}

void EntityTable::write_state(const EntityEntry &entry, JsonWriter &w) const {
  w.begin_object();
  if (entry.ops->write_state != nullptr)
    entry.ops->write_state(entry.obj, w);
  w.end_object();
}

}  // namespace esphome::nats

#endif  // USE_NATS
