#pragma once

// A test-only media player standing in for a speaker (see media_player.py):
// ESPHome's MediaPlayer with its traits, whose control() records what it was
// asked in the log and does it at once. No audio is played.

#include "esphome/components/media_player/media_player.h"
#include "esphome/core/component.h"

namespace esphome::nats_test_media_player {

class NatsTestMediaPlayer : public Component, public media_player::MediaPlayer {
 public:
  void setup() override;
  void set_supports_pause(bool supports) { this->supports_pause_ = supports; }
  void set_supports_turn_off(bool supports) { this->supports_turn_off_ = supports; }

  media_player::MediaPlayerTraits get_traits() override;
  bool is_muted() const override { return this->muted_; }

 protected:
  void control(const media_player::MediaPlayerCall &call) override;

  bool supports_pause_{true};
  bool supports_turn_off_{true};
  bool muted_{false};
};

}  // namespace esphome::nats_test_media_player
