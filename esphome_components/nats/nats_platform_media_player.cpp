// The media player platform: MediaPlayerTraits' feature flags as the spec's
// capabilities (pause, volume, announcements, on/off), ESPHome's state and
// volume as the state, and commands (nats_platform_media_player.h) checked
// against what was announced and applied through one MediaPlayerCall.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_MEDIA_PLAYER)

#include "nats_platform_media_player.h"

#include <cmath>

namespace esphome::nats {

namespace {

namespace mp = media_player;

MediaPlayerCapabilities capabilities_of(mp::MediaPlayer *player) {
  const mp::MediaPlayerTraits traits = player->get_traits();
  MediaPlayerCapabilities caps;
  caps.pause = traits.has_feature_flags(mp::MediaPlayerEntityFeature::PAUSE);
  caps.volume = traits.has_feature_flags(mp::MediaPlayerEntityFeature::VOLUME_SET |
                                         mp::MediaPlayerEntityFeature::VOLUME_MUTE);
  caps.announce = traits.has_feature_flags(mp::MediaPlayerEntityFeature::MEDIA_ANNOUNCE);
  caps.turn_off =
      traits.has_feature_flags(mp::MediaPlayerEntityFeature::TURN_ON | mp::MediaPlayerEntityFeature::TURN_OFF);
  return caps;
}

/// ESPHome's commands for the protocol's actions, indexed by MediaAction.
constexpr mp::MediaPlayerCommand ESPHOME_COMMAND_OF[] = {
    mp::MEDIA_PLAYER_COMMAND_STOP,  // NONE: never sent
    mp::MEDIA_PLAYER_COMMAND_PLAY,        mp::MEDIA_PLAYER_COMMAND_PAUSE,     mp::MEDIA_PLAYER_COMMAND_STOP,
    mp::MEDIA_PLAYER_COMMAND_TOGGLE,      mp::MEDIA_PLAYER_COMMAND_MUTE,      mp::MEDIA_PLAYER_COMMAND_UNMUTE,
    mp::MEDIA_PLAYER_COMMAND_VOLUME_UP,   mp::MEDIA_PLAYER_COMMAND_VOLUME_DOWN, mp::MEDIA_PLAYER_COMMAND_TURN_ON,
    mp::MEDIA_PLAYER_COMMAND_TURN_OFF,
};

const char *state_word(mp::MediaPlayerState state) {
  switch (state) {
    case mp::MEDIA_PLAYER_STATE_IDLE:
      return "idle";
    case mp::MEDIA_PLAYER_STATE_PLAYING:
      return "playing";
    case mp::MEDIA_PLAYER_STATE_PAUSED:
      return "paused";
    case mp::MEDIA_PLAYER_STATE_ANNOUNCING:
      return "announcing";
    case mp::MEDIA_PLAYER_STATE_OFF:
      return "off";
    case mp::MEDIA_PLAYER_STATE_ON:
      return "on";
    default:
      return nullptr;  // NONE: nothing known yet
  }
}

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_media_players(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  const MediaPlayerCapabilities caps = capabilities_of(static_cast<mp::MediaPlayer *>(obj));
  describe_flag(w, "supports_pause", caps.pause);
  describe_flag(w, "supports_volume", caps.volume);
  describe_flag(w, "supports_announce", caps.announce);
  describe_flag(w, "supports_turn_off", caps.turn_off);
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *player = static_cast<mp::MediaPlayer *>(obj);
  const char *word = state_word(player->state);
  w.key("state");
  if (word != nullptr) {
    w.value(word);
  } else {
    w.value_null();
  }
  if (!capabilities_of(player).volume)
    return;
  // Outside 0..1 the controller would drop the whole state.
  w.key("volume");
  if (std::isfinite(player->volume) && player->volume >= 0 && player->volume <= 1) {
    w.value_number(player->volume, 2);
  } else {
    w.value_null();
  }
  describe_flag(w, "muted", player->is_muted());
}

bool command(EntityBase *obj, CommandRequest &req) {
  MediaPlayerCommand cmd;
  if (!req.read(cmd))
    return false;
  auto *player = static_cast<mp::MediaPlayer *>(obj);
  if (!check_media_player_command(cmd, capabilities_of(player), req.error_buffer(), CommandRequest::ERROR_BUFFER_SIZE))
    return req.reject(req.error_buffer());
  auto call = player->make_call();
  if (cmd.action != MediaAction::NONE)
    call.set_command(ESPHOME_COMMAND_OF[static_cast<uint8_t>(cmd.action)]);
  if (cmd.has_volume)
    call.set_volume(static_cast<float>(cmd.volume));
  if (!cmd.media_url.empty()) {
    call.set_media_url(cmd.media_url);
    call.set_announcement(cmd.has_announce && cmd.announce);
  }
  call.perform();
  return true;
}

}  // namespace

extern const PlatformOps MEDIA_PLAYER_PLATFORM{"media_player", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_MEDIA_PLAYER
