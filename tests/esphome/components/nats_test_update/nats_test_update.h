#pragma once

// A test-only UpdateEntity (see __init__.py). perform() stands in for the OTA
// hardware path of ESPHome's http_request update: instead of downloading and
// flashing it logs the call, reports installing with progress 0, 50 and 100
// from loop() (never blocking, as a real install reports OTA progress), then
// the latest version as installed.

#include "esphome/components/update/update_entity.h"
#include "esphome/core/component.h"
#include "esphome/core/hal.h"
#include "esphome/core/log.h"

#include <string>

namespace esphome::nats_test_update {

static const char *const TAG = "nats_test_update";

class TestUpdate : public update::UpdateEntity, public Component {
 public:
  void set_release(const char *current, const char *latest, const char *title, const char *summary,
                   const char *release_url) {
    this->update_info_.current_version = current;
    this->update_info_.latest_version = latest;
    this->update_info_.title = title;
    this->update_info_.summary = summary;
    this->update_info_.release_url = release_url;
  }

  void setup() override { this->publish_release_(); }

  void loop() override {
    if (this->state_ != update::UPDATE_STATE_INSTALLING || millis() - this->step_ms_ < STEP_MS)
      return;
    this->step_ms_ = millis();
    if (this->update_info_.progress < 100) {
      this->update_info_.progress += 50;
      this->publish_state();
      return;
    }
    ESP_LOGI(TAG, "'%s': installed %s", this->get_name().c_str(), this->update_info_.latest_version.c_str());
    this->update_info_.current_version = this->update_info_.latest_version;
    this->update_info_.has_progress = false;
    this->publish_release_();
  }

  void perform(bool force) override {
    ESP_LOGI(TAG, "'%s': perform(force=%s) called", this->get_name().c_str(), force ? "true" : "false");
    if (this->state_ != update::UPDATE_STATE_AVAILABLE && !force)
      return;
    this->state_ = update::UPDATE_STATE_INSTALLING;
    this->update_info_.has_progress = true;
    this->update_info_.progress = 0;
    this->step_ms_ = millis();
    this->publish_state();
  }

  void check() override { ESP_LOGI(TAG, "'%s': check() called", this->get_name().c_str()); }

 protected:
  static constexpr uint32_t STEP_MS = 300;

  void publish_release_() {
    this->state_ = this->update_info_.current_version == this->update_info_.latest_version
                       ? update::UPDATE_STATE_NO_UPDATE
                       : update::UPDATE_STATE_AVAILABLE;
    this->publish_state();
  }

  uint32_t step_ms_{0};
};

}  // namespace esphome::nats_test_update
