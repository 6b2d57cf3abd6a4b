#pragma once

// The commands of the date, time and datetime platforms (protocol 1.6,
// docs/protocol.md "Date", "Time", "Datetime"): {"value": ...} as
// YYYY-MM-DD, HH:MM:SS, or an RFC 3339 date-time to the second with `Z` or
// `±HH:MM`, read strictly (a real calendar date, 00:00:00 to 23:59:59).
// A date-time becomes epoch seconds, as ESPHome's native API hands it to
// the entity. Pure C++, shared with the unit tests and the fuzzer.

#include <cstdio>

#include "nats_command.h"

namespace esphome::nats {

/// The years ESPHome's date and datetime entities hold.
static constexpr int ESPHOME_MIN_YEAR = 1970;
static constexpr int ESPHOME_MAX_YEAR = 3000;

inline int days_in_month(int year, int month) {
  static constexpr uint8_t DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : DAYS[month - 1];
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
inline int64_t days_from_civil(int year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/// n decimal digits at s (no sign, no space).
inline bool read_digits(const char *s, int n, int &out) {
  out = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

struct CalendarDate {
  int year{0}, month{0}, day{0};
  /// YYYY-MM-DD at s (10 bytes), a real date of years 1 to 9999.
  bool parse(const char *s) {
    return read_digits(s, 4, this->year) && s[4] == '-' && read_digits(s + 5, 2, this->month) && s[7] == '-' &&
           read_digits(s + 8, 2, this->day) && this->year >= 1 && this->month >= 1 && this->month <= 12 &&
           this->day >= 1 && this->day <= days_in_month(this->year, this->month);
  }
};

struct TimeOfDay {
  int hour{0}, minute{0}, second{0};
  /// HH:MM:SS at s (8 bytes), 00:00:00 to 23:59:59.
  bool parse(const char *s) {
    return read_digits(s, 2, this->hour) && s[2] == ':' && read_digits(s + 3, 2, this->minute) && s[5] == ':' &&
           read_digits(s + 6, 2, this->second) && this->hour <= 23 && this->minute <= 59 && this->second <= 59;
  }
};

/// The "year out of range" refusal of ESPHome's entities, written to buf; nullptr within range.
inline const char *year_refusal(int year, char *buf, size_t cap) {
  if (year >= ESPHOME_MIN_YEAR && year <= ESPHOME_MAX_YEAR)
    return nullptr;
  snprintf(buf, cap, "year %d out of range %d..%d", year, ESPHOME_MIN_YEAR, ESPHOME_MAX_YEAR);
  return buf;
}

/// The longest value of the three forms ("2026-01-02T03:04:05+01:00"), with room to tell a longer one.
static constexpr size_t MAX_CALENDAR_VALUE = 25;

/// {"value": ...} read as one of the forms; `text` keeps it as sent.
class CalendarCommand : public CommandFields {
 public:
  bool has_value{false};
  char text[MAX_CALENDAR_VALUE + 2]{};
  size_t len{0};

  bool read(const JsonValue &key, const JsonValue &value, const char *&error) override {
    if (!key.equals("value"))
      return true;
    this->has_value = value.copy_string(this->text, sizeof(this->text), &this->len) && this->parse();
    return require(this->has_value, this->form(), error);
  }
  bool complete(const char *&error) const override { return require(this->has_value, "value is required", error); }

 protected:
  ~CalendarCommand() = default;
  virtual bool parse() = 0;
  virtual const char *form() const = 0;
};

struct DateCommand final : CalendarCommand {
  CalendarDate date;

 protected:
  bool parse() override { return this->len == 10 && this->date.parse(this->text); }
  const char *form() const override { return "invalid value: must be a date as YYYY-MM-DD"; }
};

struct TimeCommand final : CalendarCommand {
  TimeOfDay time;

 protected:
  bool parse() override { return this->len == 8 && this->time.parse(this->text); }
  const char *form() const override { return "invalid value: must be a time of day as HH:MM:SS"; }
};

struct DateTimeCommand final : CalendarCommand {
  CalendarDate date;
  TimeOfDay time;
  /// East of UTC, in minutes.
  int offset_minutes{0};

  /// The moment as seconds since 1970-01-01T00:00:00Z.
  int64_t epoch_seconds() const {
    return days_from_civil(this->date.year, this->date.month, this->date.day) * 86400 + this->time.hour * 3600 +
           this->time.minute * 60 + this->time.second - int64_t{this->offset_minutes} * 60;
  }

 protected:
  bool parse() override {
    if (this->len < 20 || !this->date.parse(this->text) || this->text[10] != 'T' || !this->time.parse(this->text + 11))
      return false;
    const char *zone = this->text + 19;
    if (this->len == 20)
      return zone[0] == 'Z';
    int hours, minutes;
    if (this->len != 25 || (zone[0] != '+' && zone[0] != '-') || !read_digits(zone + 1, 2, hours) || zone[3] != ':' ||
        !read_digits(zone + 4, 2, minutes) || hours > 23 || minutes > 59)
      return false;
    this->offset_minutes = (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
    return true;
  }
  const char *form() const override {
    return "invalid value: must be an RFC 3339 date-time as YYYY-MM-DDTHH:MM:SS with Z or ±HH:MM";
  }
};

}  // namespace esphome::nats
