#pragma once

// The firmware's platform registry. Each protocol platform is one file,
// nats_platform_<name>.cpp, behind its ESPHome #ifdef, that defines one
// PlatformOps: how its entities are found, described in the announcement,
// written as state, and commanded. nats_platforms.cpp lists them in the one
// table every lookup goes through. docs/esphome.md, "Adding a platform".

#include "esphome/core/defines.h"
#include "esphome/core/application.h"
#include "esphome/core/entity_base.h"
#include "esphome/core/entity_includes.h"

#include <cstddef>
#include <cstdint>

#include "nats_command.h"
#include "nats_entities.h"
#include "nats_expiry.h"
#include "nats_json.h"

namespace esphome::nats {

/// A command on its way to an entity: the platform reads its fields
/// through it (which also applies the command-expiry rule), then applies it
/// or rejects it.
class CommandRequest {
 public:
  CommandRequest(const char *payload, size_t len, CommandExpiry &expiry, int64_t now)
      : payload_(payload), len_(len), expiry_(expiry), now_(now) {}

  /// Validates the payload into fields and dates it. False when it is
  /// invalid or expired (error() says why): the platform returns false too.
  bool read(CommandFields &fields);
  /// Refuses the command for a reason of the entity's (out of range,
  /// unknown option). Returns false, for `return req.reject(...)`.
  bool reject(const char *error) {
    this->error_ = error;
    return false;
  }
  /// Room for a refusal the platform formats (naming a value or a range),
  /// then passes to reject(): it lives as long as the request.
  static constexpr size_t ERROR_BUFFER_SIZE = MAX_ERROR_LEN + 1;
  char *error_buffer() { return this->error_buffer_; }

  const char *error() const { return this->error_; }
  /// Refused by the expiry rule: late ms after its quickest delivery, ttl allowed.
  bool expired() const { return this->expired_; }
  int64_t late() const { return this->late_; }
  uint32_t ttl() const { return this->envelope_.ttl; }

 protected:
  const char *payload_;
  size_t len_;
  CommandExpiry &expiry_;
  int64_t now_;
  CommandEnvelope envelope_;
  const char *error_{nullptr};
  bool expired_{false};
  int64_t late_{0};
  char error_buffer_[ERROR_BUFFER_SIZE]{};
};

/// What a platform does; one constant per platform, never copied.
struct PlatformOps {
  /// The protocol's platform word (text sensors are "sensor").
  const char *name;
  /// Adds the application's entities of this kind to the table, each with
  /// self as its operations.
  void (*collect)(EntityTable &table, const PlatformOps &self);
  /// Writes the platform's own members of an entity description (the
  /// common ones are written already): device class, unit, options ...
  void (*describe)(EntityBase *obj, JsonWriter &w);
  /// Writes the members of a state object ("state" and attributes);
  /// nullptr for a platform without state (button).
  void (*write_state)(EntityBase *obj, JsonWriter &w);
  /// Reads the command through req, validates it against the entity and
  /// applies it. False (req.error() says why) when refused; nullptr for a
  /// platform that takes no commands.
  bool (*command)(EntityBase *obj, CommandRequest &req);
};

/// The table (nats_platforms.cpp): every platform compiled in.
struct Platforms {
  const PlatformOps *const *begin() const;
  const PlatformOps *const *end() const;
};

/// For a platform's collect(): every entity of one of App's lists.
template<typename List> void add_all(EntityTable &table, const List &entities, const PlatformOps &ops) {
  for (auto *obj : entities)
    table.add(obj, ops);
}

/// The entity's device class, when it has one the controller accepts.
void describe_device_class(EntityBase *obj, JsonWriter &w);
/// The entity's device class when it is one of a 1.4 platform's words
/// (any other would make the whole announcement invalid).
void describe_device_class_of(EntityBase *obj, JsonWriter &w, const char *const *words, size_t count);
template<size_t N> void describe_device_class(EntityBase *obj, JsonWriter &w, const char *const (&words)[N]) {
  describe_device_class_of(obj, w, words, N);
}
/// A boolean capability (supports_stop, assumed_state, ...).
inline void describe_flag(JsonWriter &w, const char *key, bool value) {
  w.key(key);
  w.value(value);
}
/// A unit of measurement, when the protocol's 32 bytes hold it.
void describe_unit(StringRef unit, JsonWriter &w);
/// Bytes of s that fit in max without cutting a UTF-8 sequence.
size_t utf8_prefix(const char *s, size_t len, size_t max);

}  // namespace esphome::nats
