// The fan platform: FanTraits as the spec's capabilities (speed count,
// oscillation, direction, presets), the state with the speed as a
// percentage, and commands (nats_platform_fan.h) checked against what was
// announced and applied through FanCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_FAN)

#include "nats_mode_list.h"
#include "nats_platform_fan.h"

#include <cstring>

namespace esphome::nats {

namespace {

/// The presets as announced.
void announced_presets(const fan::FanTraits &traits, ModeList &out) {
  for (const char *mode : traits.supported_preset_modes())
    out.add(mode);
}

bool preset_announced(const fan::FanTraits &traits, const char *value) {
  ModeList presets;
  announced_presets(traits, presets);
  return presets.contains(value);
}

int speeds_of(const fan::FanTraits &traits) {
  return traits.supports_speed() && traits.supported_speed_count() > 0 ? traits.supported_speed_count() : 0;
}

class Capabilities final : public FanCapabilities {
 public:
  explicit Capabilities(const fan::FanTraits &traits) : traits_(traits) {
    this->speed_count = speeds_of(traits);
    this->oscillation = traits.supports_oscillation();
    this->direction = traits.supports_direction();
  }
  bool announces_preset(const char *value) const override { return preset_announced(this->traits_, value); }

 protected:
  const fan::FanTraits &traits_;
};

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_fans(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  const fan::FanTraits traits = static_cast<fan::Fan *>(obj)->get_traits();
  const int count = speeds_of(traits);
  if (count > 0) {
    // More than 100 speeds: every percentage is a speed of its own, which
    // the protocol says with 100 (the conversions still use the real count).
    w.key("speed_count");
    w.value(count > 100 ? 100 : count);
  }
  w.key("supports_oscillation");
  w.value(traits.supports_oscillation());
  w.key("supports_direction");
  w.value(traits.supports_direction());
  ModeList presets;
  announced_presets(traits, presets);
  if (presets.size() > 0) {
    w.key("preset_modes");
    w.begin_array();
    for (size_t i = 0; i < presets.size(); i++)
      w.value(presets.at(i));
    w.end_array();
  }
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *f = static_cast<fan::Fan *>(obj);
  const fan::FanTraits traits = f->get_traits();
  w.key("state");
  w.value(f->state ? "ON" : "OFF");
  const int count = speeds_of(traits);
  if (count > 0) {
    w.key("percentage");
    w.value(fan_percentage(f->speed, count));
  }
  if (traits.supports_oscillation()) {
    w.key("oscillating");
    w.value(f->oscillating);
  }
  if (traits.supports_direction()) {
    w.key("direction");
    w.value(f->direction == fan::FanDirection::REVERSE ? "reverse" : "forward");
  }
  ModeList presets;
  announced_presets(traits, presets);
  if (presets.size() > 0) {
    w.key("preset_mode");
    const StringRef preset = f->get_preset_mode();
    if (!preset.empty() && presets.contains(preset.c_str())) {
      w.value(preset.c_str(), preset.size());
    } else {
      w.value_null();
    }
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  FanCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *f = static_cast<fan::Fan *>(obj);
  const fan::FanTraits traits = f->get_traits();
  if (!check_fan_command(cmd, Capabilities(traits), req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE))
    return req.reject(req.error_buffer());
  auto call = f->make_call();
  // A percentage or a preset turns the fan on (as Home Assistant's
  // set_percentage and set_preset_mode do).
  if (cmd.state != OnOff::NONE || cmd.has_percentage || cmd.has_preset_mode)
    call.set_state(cmd.state != OnOff::OFF);
  if (cmd.has_percentage)
    call.set_speed(fan_speed(cmd.percentage, speeds_of(traits)));
  if (cmd.has_oscillating)
    call.set_oscillating(cmd.oscillating);
  if (cmd.direction != FanDirection::NONE)
    call.set_direction(cmd.direction == FanDirection::REVERSE ? fan::FanDirection::REVERSE
                                                              : fan::FanDirection::FORWARD);
  // FanCall drops a preset given with a speed (a speed ends a preset, by
  // Home Assistant's rule for separate calls); the protocol sets both.
  if (cmd.has_preset_mode && !cmd.has_percentage)
    call.set_preset_mode(cmd.preset_mode, std::strlen(cmd.preset_mode));
  call.perform();
  if (cmd.has_preset_mode && cmd.has_percentage)
    f->make_call().set_preset_mode(cmd.preset_mode, std::strlen(cmd.preset_mode)).perform();
  return true;
}

}  // namespace

extern const PlatformOps FAN_PLATFORM{"fan", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_FAN
