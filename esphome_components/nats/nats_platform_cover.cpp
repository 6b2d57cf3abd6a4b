// The cover platform (protocol 1.4): CoverTraits as supports_position,
// supports_tilt, supports_stop and assumed_state; position and tilt as
// integer percent; commands (nats_platform_cover.h) refused for a feature the
// cover lacks, otherwise applied as one CoverCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_COVER)

#include "nats_platform_cover.h"

namespace esphome::nats {

namespace {

const char *const DEVICE_CLASSES[] = {"awning", "blind", "curtain", "damper", "door",
                                      "garage", "gate",  "shade",   "shutter", "window"};

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_covers(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  const auto traits = static_cast<cover::Cover *>(obj)->get_traits();
  describe_device_class(obj, w, DEVICE_CLASSES);
  describe_flag(w, "supports_position", traits.get_supports_position());
  describe_flag(w, "supports_tilt", traits.get_supports_tilt());
  describe_flag(w, "supports_stop", traits.get_supports_stop());
  describe_flag(w, "assumed_state", traits.get_is_assumed_state());
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *c = static_cast<cover::Cover *>(obj);
  const auto traits = c->get_traits();
  const int position = to_percent(c->position);
  w.key("state");
  // A cover without position reports 0.0 or 1.0 (ESPHome's COVER_CLOSED/OPEN).
  w.value(motion_state(c->current_operation == cover::COVER_OPERATION_OPENING,
                       c->current_operation == cover::COVER_OPERATION_CLOSING, position));
  if (traits.get_supports_position())
    write_percent(w, "position", position);
  if (traits.get_supports_tilt())
    write_percent(w, "tilt", to_percent(c->tilt));
}

bool command(EntityBase *obj, CommandRequest &req) {
  CoverCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *c = static_cast<cover::Cover *>(obj);
  const auto traits = c->get_traits();
  const char *refusal =
      cmd.refusal(traits.get_supports_position(), traits.get_supports_tilt(), traits.get_supports_stop());
  if (refusal != nullptr)
    return req.reject(refusal);
  auto call = c->make_call();
  switch (cmd.action) {
    case MoveAction::OPEN:
      call.set_command_open();
      break;
    case MoveAction::CLOSE:
      call.set_command_close();
      break;
    case MoveAction::STOP:
      call.set_command_stop();
      break;
    case MoveAction::NONE:
      break;
  }
  if (cmd.has_position)
    call.set_position(cmd.position / 100.0f);
  if (cmd.has_tilt)
    call.set_tilt(cmd.tilt / 100.0f);
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps COVER_PLATFORM{"cover", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_COVER
