#include "nats_test_media_player.h"

#include "esphome/core/log.h"

#include <algorithm>

namespace esphome::nats_test_media_player {

static const char *const TAG = "nats_test_media_player";

using namespace media_player;

void NatsTestMediaPlayer::setup() {
  this->state = MEDIA_PLAYER_STATE_IDLE;
  this->volume = 0.5f;
  this->publish_state();
}

MediaPlayerTraits NatsTestMediaPlayer::get_traits() {
  MediaPlayerTraits traits;  // ESPHome's base features: play media, stop, volume, mute, announce
  traits.set_supports_pause(this->supports_pause_);
  traits.set_supports_turn_off_on(this->supports_turn_off_);
  return traits;
}

void NatsTestMediaPlayer::control(const MediaPlayerCall &call) {
  // What reached the player, for the tests to read in the log.
  const auto &command = call.get_command();
  const auto &url = call.get_media_url();
  const auto &volume = call.get_volume();
  const auto &announcement = call.get_announcement();
  ESP_LOGI(TAG, "'%s' asked: command=%s url=%s volume=%.2f announcement=%s", this->get_name().c_str(),
           command.has_value() ? media_player_command_to_string(*command) : "none",
           url.has_value() ? url->c_str() : "none", volume.has_value() ? *volume : -1.0f,
           announcement.has_value() ? (*announcement ? "yes" : "no") : "none");

  if (url.has_value()) {
    this->state = announcement.value_or(false) ? MEDIA_PLAYER_STATE_ANNOUNCING : MEDIA_PLAYER_STATE_PLAYING;
  }
  if (volume.has_value())
    this->volume = *volume;
  if (command.has_value()) {
    switch (*command) {
      case MEDIA_PLAYER_COMMAND_PLAY:
        this->state = MEDIA_PLAYER_STATE_PLAYING;
        break;
      case MEDIA_PLAYER_COMMAND_PAUSE:
        this->state = MEDIA_PLAYER_STATE_PAUSED;
        break;
      case MEDIA_PLAYER_COMMAND_TOGGLE:
        this->state =
            this->state == MEDIA_PLAYER_STATE_PLAYING ? MEDIA_PLAYER_STATE_PAUSED : MEDIA_PLAYER_STATE_PLAYING;
        break;
      case MEDIA_PLAYER_COMMAND_STOP:
      case MEDIA_PLAYER_COMMAND_TURN_ON:
        this->state = MEDIA_PLAYER_STATE_IDLE;
        break;
      case MEDIA_PLAYER_COMMAND_TURN_OFF:
        this->state = MEDIA_PLAYER_STATE_OFF;
        break;
      case MEDIA_PLAYER_COMMAND_MUTE:
        this->muted_ = true;
        break;
      case MEDIA_PLAYER_COMMAND_UNMUTE:
        this->muted_ = false;
        break;
      case MEDIA_PLAYER_COMMAND_VOLUME_UP:
        this->volume = std::min(1.0f, this->volume + 0.1f);
        break;
      case MEDIA_PLAYER_COMMAND_VOLUME_DOWN:
        this->volume = std::max(0.0f, this->volume - 0.1f);
        break;
      default:
        break;
    }
  }
  this->publish_state();
}

}  // namespace esphome::nats_test_media_player
