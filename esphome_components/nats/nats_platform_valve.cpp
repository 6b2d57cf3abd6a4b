// The valve platform (protocol 1.4): ValveTraits as supports_position,
// supports_stop and assumed_state; position as integer percent; commands
// (nats_platform_valve.h) refused for a feature the valve lacks, otherwise
// applied as one ValveCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_VALVE)

#include "nats_platform_valve.h"

namespace esphome::nats {

namespace {

const char *const DEVICE_CLASSES[] = {"water", "gas"};

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_valves(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  const auto traits = static_cast<valve::Valve *>(obj)->get_traits();
  describe_device_class(obj, w, DEVICE_CLASSES);
  describe_flag(w, "supports_position", traits.get_supports_position());
  describe_flag(w, "supports_stop", traits.get_supports_stop());
  describe_flag(w, "assumed_state", traits.get_is_assumed_state());
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *v = static_cast<valve::Valve *>(obj);
  const int position = to_percent(v->position);
  w.key("state");
  // A valve without position reports 0.0 or 1.0 (ESPHome's VALVE_CLOSED/OPEN).
  w.value(motion_state(v->current_operation == valve::VALVE_OPERATION_OPENING,
                       v->current_operation == valve::VALVE_OPERATION_CLOSING, position));
  if (v->get_traits().get_supports_position())
    write_percent(w, "position", position);
}

bool command(EntityBase *obj, CommandRequest &req) {
  ValveCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *v = static_cast<valve::Valve *>(obj);
  const auto traits = v->get_traits();
  const char *refusal = cmd.refusal(traits.get_supports_position(), traits.get_supports_stop());
  if (refusal != nullptr)
    return req.reject(refusal);
  auto call = v->make_call();
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
      call.set_position(cmd.position / 100.0f);
      break;
  }
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps VALVE_PLATFORM{"valve", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_VALVE
