// The update platform (protocol 1.6): an ESPHome UpdateEntity announces
// supports_install (every one has perform()) and supports_progress (its
// update_info may carry progress), device class firmware as it has it; its
// update_info as the state, the fields ESPHome's api component sends (empty
// strings as null, a release URL only when it is http(s)); {"action":
// "install"} calls perform(), as the api's UPDATE_COMMAND_UPDATE does.

#include "nats_platform.h"

#if defined(USE_NATS) && defined(USE_UPDATE)

#include <cstring>

#include "nats_platform_update.h"

namespace esphome::nats {

namespace {

using update::UpdateEntity;

/// The protocol's limit on every text of an update state.
constexpr size_t MAX_UPDATE_TEXT = 255;

const char *const DEVICE_CLASSES[] = {"firmware"};

void collect(EntityTable &table, const PlatformOps &self) { add_all(table, App.get_updates(), self); }

void describe(EntityBase *obj, JsonWriter &w) {
  describe_device_class(obj, w, DEVICE_CLASSES);
  describe_flag(w, "supports_install", true);
  describe_flag(w, "supports_progress", true);
}

/// A version: null when empty or too long to be the version (cutting it would name another).
void write_version(JsonWriter &w, const char *key, const std::string &version) {
  w.key(key);
  if (version.empty() || version.size() > MAX_UPDATE_TEXT) {
    w.value_null();
  } else {
    w.value(version.data(), version.size());
  }
}

/// A text shown to the user: cut to the protocol's length, as Home Assistant cuts a summary.
void write_text(JsonWriter &w, const char *key, const std::string &text) {
  if (text.empty())
    return;
  w.key(key);
  w.value(text.data(), utf8_prefix(text.data(), text.size(), MAX_UPDATE_TEXT));
}

bool is_http_url(const std::string &url) {
  return url.size() <= MAX_UPDATE_TEXT && (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) &&
         url.find_first_of(" \t\r\n") == std::string::npos;
}

void write_state(EntityBase *obj, JsonWriter &w) {
  auto *u = static_cast<UpdateEntity *>(obj);
  if (!u->has_state()) {
    w.key("state");
    w.value_null();
    return;
  }
  const auto &info = u->update_info;
  write_version(w, "state", info.current_version);
  write_version(w, "latest_version", info.latest_version);
  write_text(w, "title", info.title);
  write_text(w, "release_summary", info.summary);
  if (is_http_url(info.release_url)) {
    w.key("release_url");
    w.value(info.release_url.data(), info.release_url.size());
  }
  const bool installing = u->state == update::UPDATE_STATE_INSTALLING;
  w.key("in_progress");
  w.value(installing);
  if (installing && info.has_progress) {
    const float progress = info.progress < 0 ? 0 : (info.progress > 100 ? 100 : info.progress);
    w.key("update_percentage");
    w.value_number(progress, 0);
  }
}

bool command(EntityBase *obj, CommandRequest &req) {
  UpdateCommand cmd;
  if (!req.read(cmd))
    return false;
  // The reply carries the state perform() leaves: installing, or the new version.
  static_cast<UpdateEntity *>(obj)->perform();
  return true;
}

}  // namespace

extern const PlatformOps UPDATE_PLATFORM{"update", collect, describe, write_state, command};

}  // namespace esphome::nats

#endif  // USE_NATS && USE_UPDATE
