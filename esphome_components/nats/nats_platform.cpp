// What platforms share: reading a command through the expiry rule, and the
// description members several platforms announce.

#include "nats_platform.h"

#ifdef USE_NATS

#include <cstring>

namespace esphome::nats {

bool CommandRequest::read(CommandFields &fields) {
  if (!read_command(this->payload_, this->len_, fields, this->envelope_, this->error_))
    return false;
  // The controller has already told its user the command failed; carrying
  // it out now (a frozen or congested device reading its backlog) would
  // surprise them.
  this->expired_ = this->expiry_.is_expired(this->envelope_, this->now_, this->late_);
  if (this->expired_)
    this->error_ = EXPIRED_ERROR;
  return !this->expired_;
}

void describe_device_class(EntityBase *obj, JsonWriter &w) {
  char buf[MAX_DEVICE_CLASS_LENGTH];
  const char *dc = obj->get_device_class_to(buf);
  const size_t n = std::strlen(dc);
  if (n == 0 || n > 64)
    return;
  for (size_t i = 0; i < n; i++) {
    if (!((dc[i] >= 'a' && dc[i] <= 'z') || dc[i] == '_'))
      return;
  }
  w.key("device_class");
  w.value(dc, n);
}

void describe_device_class_of(EntityBase *obj, JsonWriter &w, const char *const *words, size_t count) {
  char buf[MAX_DEVICE_CLASS_LENGTH];
  const char *dc = obj->get_device_class_to(buf);
  for (size_t i = 0; i < count; i++) {
    if (std::strcmp(dc, words[i]) == 0) {
      w.key("device_class");
      w.value(dc);
      return;
    }
  }
}

void describe_unit(StringRef unit, JsonWriter &w) {
  if (!unit.empty() && unit.size() <= 32) {
    w.key("unit");
    w.value(unit.c_str(), unit.size());
  }
}

size_t utf8_prefix(const char *s, size_t len, size_t max) {
  if (len <= max)
    return len;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    n--;
  return n;
}

}  // namespace esphome::nats

#endif  // USE_NATS
