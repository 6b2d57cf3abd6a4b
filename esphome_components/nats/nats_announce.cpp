// What the announcement says (docs/protocol.md, "Announcement"), cut into
// the parts nats_send.cpp streams: the device, then one entity per part.

#include "nats_client.h"

#ifdef USE_NATS

#include "esphome/core/application.h"
#include "esphome/core/helpers.h"
#include "esphome/core/version.h"

namespace esphome::nats {

void NatsClient::write_announcement_part_(size_t part, JsonWriter &w) const {
  if (part > 0) {
    if (part > 1)
      w.after_value();
    this->entities_.write_description(this->entities_.at(part - 1), w);
    return;
  }
  w.begin_object();
  w.key("v");
  w.value(static_cast<int>(PROTOCOL_VERSION));
  w.key("id");
  w.value(this->device_id_);
  w.key("name");
#ifdef USE_NATS_CONFIG_STORE
  w.value(this->announced_name_);
#else
  w.value(this->device_name_);
#endif
  w.key("manufacturer");
  w.value("ESPHome");
#ifdef ESPHOME_PROJECT_NAME
  w.key("model");
  w.value(ESPHOME_PROJECT_NAME);
  w.key("sw_version");
  w.value(ESPHOME_PROJECT_VERSION " (ESPHome " ESPHOME_VERSION ")");
#else
  w.key("model");
  w.value(ESPHOME_BOARD);
  w.key("sw_version");
  w.value("ESPHome " ESPHOME_VERSION);
#endif
  char mac[MAC_ADDRESS_PRETTY_BUFFER_SIZE];
  w.key("mac");
  w.value(get_mac_address_pretty_into_buffer(mac));
  const char *area = App.get_area();
  if (area != nullptr && area[0] != '\0') {
    w.key("suggested_area");
    w.value(area);
  }
  w.key("heartbeat_interval");
#ifdef USE_NATS_CONFIG_STORE
  w.value(this->announced_interval_s_);
  w.key("config");
  this->write_config_declarations_(w);
#else
  w.value(this->heartbeat_interval_ms_ / 1000);
#endif
  w.key("entities");
  w.begin_array();
}

}  // namespace esphome::nats

#endif  // USE_NATS
