// The lock platform (protocol 1.4): LockTraits as supports_open,
// assumed_state and, for a lock that requires a code, code_format "^.{1,64}$"
// (ESPHome knows no format); its states as the protocol's words; commands
// (nats_platform_lock.h) refused for an open the lock cannot do or a missing
// code, otherwise applied through a LockCall (open through Lock::open(), the
// only way ESPHome unlatches).

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_LOCK)

#include "nats_platform_lock.h"

namespace esphome::nats {

namespace {

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_locks(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  const auto &traits = static_cast<lock::Lock *>(obj)->traits;
  describe_flag(w, "supports_open", traits.get_supports_open());
  describe_flag(w, "assumed_state", traits.get_assumed_state());
  if (traits.get_requires_code()) {
    // ESPHome has no code format; this one is the protocol's code length, so
    // Home Assistant refuses a code the firmware would refuse, before sending it.
    w.key("code_format");
    w.value("^.{1,64}$");
  }
}

/// The protocol's word; open and opening exist only for a lock that
/// announces supports_open (otherwise they read as unlocked, unlocking).
const char *state_word(lock::LockState state, bool supports_open) {
  switch (state) {
    case lock::LOCK_STATE_LOCKED:
      return "locked";
    case lock::LOCK_STATE_UNLOCKED:
      return "unlocked";
    case lock::LOCK_STATE_JAMMED:
      return "jammed";
    case lock::LOCK_STATE_LOCKING:
      return "locking";
    case lock::LOCK_STATE_UNLOCKING:
      return "unlocking";
    case lock::LOCK_STATE_OPENING:
      return supports_open ? "opening" : "unlocking";
    case lock::LOCK_STATE_OPEN:
      return supports_open ? "open" : "unlocked";
    default:
      return nullptr;
  }
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *l = static_cast<lock::Lock *>(obj);
  const char *word = state_word(l->state, l->traits.get_supports_open());
  w.key("state");
  if (word == nullptr) {
    w.value_null();
  } else {
    w.value(word);
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  LockCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *l = static_cast<lock::Lock *>(obj);
  // ESPHome's locks take no code: a required one is checked for presence only.
  const char *refusal = cmd.refusal(l->traits.get_supports_open(), l->traits.get_requires_code());
  if (refusal != nullptr)
    return req.reject(refusal);
  if (cmd.action == LockAction::OPEN) {
    l->open();
    return true;
  }
  auto call = l->make_call();
  call.set_state(cmd.action == LockAction::LOCK ? lock::LOCK_STATE_LOCKED : lock::LOCK_STATE_UNLOCKED);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps LOCK_PLATFORM{"lock", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_LOCK
