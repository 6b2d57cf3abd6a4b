// The platform table: the one place that knows which platforms exist.
// Adding one: its name below, its entry in PLATFORMS, and its file
// nats_platform_<name>.cpp defining it (docs/esphome.md, "Adding a platform").

#include "nats_platform.h"

#ifdef USE_NATS

namespace esphome::nats {

// Declared for every platform; only those whose ESPHome component is in the
// build are defined, and only those are listed.
extern const PlatformOps SENSOR_PLATFORM, TEXT_SENSOR_PLATFORM, BINARY_SENSOR_PLATFORM, SWITCH_PLATFORM,
    LIGHT_PLATFORM, BUTTON_PLATFORM, NUMBER_PLATFORM, SELECT_PLATFORM;
extern const PlatformOps COVER_PLATFORM;
extern const PlatformOps VALVE_PLATFORM;
extern const PlatformOps LOCK_PLATFORM;
extern const PlatformOps CLIMATE_PLATFORM, FAN_PLATFORM, EVENT_PLATFORM;
// Added in protocol 1.6.
extern const PlatformOps TEXT_PLATFORM;
extern const PlatformOps DATE_PLATFORM, TIME_PLATFORM, DATETIME_PLATFORM;
extern const PlatformOps UPDATE_PLATFORM;
extern const PlatformOps ALARM_CONTROL_PANEL_PLATFORM;
extern const PlatformOps WATER_HEATER_PLATFORM;
extern const PlatformOps MEDIA_PLAYER_PLATFORM;

namespace {

// The order is the order of the announcement (and of id suffixes when two
// entities share a name), so it must not change between releases.
const PlatformOps *const PLATFORMS[] = {
#ifdef USE_SENSOR
    &SENSOR_PLATFORM,
#endif
#ifdef USE_TEXT_SENSOR
    &TEXT_SENSOR_PLATFORM,
#endif
#ifdef USE_BINARY_SENSOR
    &BINARY_SENSOR_PLATFORM,
#endif
#ifdef USE_SWITCH
    &SWITCH_PLATFORM,
#endif
#ifdef USE_LIGHT
    &LIGHT_PLATFORM,
#endif
#ifdef USE_BUTTON
    &BUTTON_PLATFORM,
#endif
#ifdef USE_NUMBER
    &NUMBER_PLATFORM,
#endif
#ifdef USE_SELECT
    &SELECT_PLATFORM,
#endif
#ifdef USE_COVER
    &COVER_PLATFORM,
#endif
#ifdef USE_VALVE
    &VALVE_PLATFORM,
#endif
#ifdef USE_LOCK
    &LOCK_PLATFORM,
#endif
#ifdef USE_CLIMATE
    &CLIMATE_PLATFORM,
#endif
#ifdef USE_FAN
    &FAN_PLATFORM,
#endif
#ifdef USE_EVENT
    &EVENT_PLATFORM,
#endif
#ifdef USE_TEXT
    &TEXT_PLATFORM,
#endif
#ifdef USE_DATETIME_DATE
    &DATE_PLATFORM,
#endif
#ifdef USE_DATETIME_TIME
    &TIME_PLATFORM,
#endif
#ifdef USE_DATETIME_DATETIME
    &DATETIME_PLATFORM,
#endif
#ifdef USE_UPDATE
    &UPDATE_PLATFORM,
#endif
#ifdef USE_ALARM_CONTROL_PANEL
    &ALARM_CONTROL_PANEL_PLATFORM,
#endif
#ifdef USE_WATER_HEATER
    &WATER_HEATER_PLATFORM,
#endif
#ifdef USE_MEDIA_PLAYER
    &MEDIA_PLAYER_PLATFORM,
#endif
    nullptr,  // keeps the array non-empty on a device without entities
};

}  // namespace

const PlatformOps *const *Platforms::begin() const { return PLATFORMS; }
const PlatformOps *const *Platforms::end() const { return PLATFORMS + sizeof(PLATFORMS) / sizeof(PLATFORMS[0]) - 1; }

}  // namespace esphome::nats

#endif  // USE_NATS
