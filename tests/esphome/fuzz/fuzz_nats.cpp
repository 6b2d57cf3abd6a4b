// libFuzzer target for the firmware's untrusted inputs: bytes from the server
// (the NATS parser, fed in chunks of varying size, and every message it
// delivers read as a configuration store reply: headers and stored value)
// and command payloads from the network (the JSON command reader, per
// platform, and the expiry rule on the stamps it reads; the same bytes as a
// credentials renewal). Sanitizers catch memory
// errors; the checks below catch results that break the parser's contract.

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "nats_command.h"
#include "nats_config.h"
#include "nats_credentials.h"
#include "nats_expiry.h"
#include "nats_json.h"
#include "nats_parser.h"
#include "nats_platform_alarm_control_panel.h"
#include "nats_platform_button.h"
#include "nats_platform_climate.h"
#include "nats_platform_cover.h"
#include "nats_platform_datetime.h"
#include "nats_platform_fan.h"
#include "nats_platform_light.h"
#include "nats_platform_lock.h"
#include "nats_platform_media_player.h"
#include "nats_platform_number.h"
#include "nats_platform_select.h"
#include "nats_platform_switch.h"
#include "nats_platform_update.h"
#include "nats_platform_text.h"
#include "nats_platform_valve.h"
#include "nats_platform_water_heater.h"
#include "nats_protocol.h"

using namespace esphome::nats;

namespace {

constexpr size_t BUFFER_SIZE = 256;
char buffer[BUFFER_SIZE];

void check(bool condition) {
  if (!condition)
    std::abort();
}

// The firmware's two settings, and a switch.
SettingSpec config_spec(SettingType type) {
  SettingSpec spec{"setting", "Setting", type};
  spec.min = 5;
  spec.max = 3600;
  spec.whole = true;
  spec.max_length = NAME_SETTING_MAX_CHARS;
  spec.non_empty = true;
  return spec;
}

// A message as a direct get reply or a change of a key: whatever the bytes,
// a stored value is either refused with a reason or within its setting.
void check_config_message(const char *headers, size_t headers_len, const char *payload, size_t payload_len) {
  KvHeaders h;
  if (parse_kv_headers(headers, headers_len, h))
    check(h.status == 0 || (h.status >= 100 && h.status <= 999));
  for (SettingType type : {SettingType::NUMBER, SettingType::TEXT, SettingType::SWITCH}) {
    const SettingSpec spec = config_spec(type);
    SettingValue value;
    char text[NAME_SETTING_BUF];
    if (read_setting_value(spec, payload, payload_len, value, text, sizeof(text)) != nullptr)
      continue;
    if (type == SettingType::NUMBER)
      check(value.number >= spec.min && value.number <= spec.max && value.number == static_cast<int>(value.number));
    if (type == SettingType::TEXT)
      check(value.text_len >= 1 && value.text_len < sizeof(text) && std::strlen(text) == value.text_len);
  }
}

bool inside(const char *p, size_t len) { return len == 0 || (p >= buffer && p + len <= buffer + BUFFER_SIZE); }

struct Checker final : NatsParserListener {
  void on_info(const char *json, size_t len, bool) override { check(inside(json, len)); }
  void on_ping() override {}
  void on_pong() override {}
  void on_err(const char *text, size_t len) override { check(inside(text, len)); }
  void on_msg(const NatsMessage &msg) override {
    check(msg.subject_len > 0 && inside(msg.subject, msg.subject_len));
    check(inside(msg.reply, msg.reply_len));
    check(inside(msg.headers, msg.headers_len));
    check(inside(msg.payload, msg.payload_len));
    check_config_message(msg.headers, msg.headers_len, msg.payload, msg.payload_len);
  }
  void on_msg_dropped(const char *subject, size_t subject_len, size_t) override {
    check(inside(subject, subject_len));
  }
};

void fuzz_parser(const uint8_t *data, size_t size, size_t chunk) {
  NatsParser parser;
  parser.set_buffer(buffer, BUFFER_SIZE);
  Checker checker;
  for (size_t pos = 0; pos < size; pos += chunk) {
    size_t n = size - pos < chunk ? size - pos : chunk;
    if (!parser.feed(data + pos, n, checker)) {
      check(parser.error() != nullptr);
      parser.reset();
    }
  }
}

void check_stamp(const ClockStamp &stamp) {
  check(stamp.clock_len == std::strlen(stamp.clock) && is_valid_token(stamp.clock, stamp.clock_len));
  check(stamp.sent >= 0 && stamp.sent <= MAX_SENT);
}

// What every valid command of a platform must satisfy, beyond "no crash".
void check_command(const SwitchCommand &c) { check(c.state != OnOff::NONE); }
void check_command(const LightCommand &c) {
  check(c.state != OnOff::NONE);
  if (c.has_color_temp_kelvin)
    check(c.color_temp_kelvin >= MIN_KELVIN && c.color_temp_kelvin <= MAX_KELVIN);
  if (c.has_transition)
    check(c.transition >= 0 && c.transition <= 3600);
}
void check_command(const ButtonCommand &c) { check(c.press); }
void check_command(const NumberCommand &c) { check(c.has_value); }
void check_command(const SelectCommand &c) {
  check(std::strlen(c.option) >= 1 && std::strlen(c.option) <= MAX_OPTION_LEN);
}
void check_command(const CoverCommand &c) {
  check((c.action != MoveAction::NONE) != (c.has_position || c.has_tilt));
  check(c.position <= 100 && c.tilt <= 100);
}
void check_command(const ValveCommand &c) {
  check((c.action != MoveAction::NONE) != c.has_position);
  check(c.position <= 100);
}
void check_command(const LockCommand &c) {
  check(c.action != LockAction::NONE);
  if (c.has_code)
    check(std::strlen(c.code) >= 1 && std::strlen(c.code) <= MAX_CODE_LEN);
}
void check_command(const ClimateCommand &c) {
  check(c.has_low == c.has_high);
  if (c.has_low)
    check(!c.has_target_temperature && c.target_temperature_low <= c.target_temperature_high);
  if (c.has_target_humidity)
    check(c.target_humidity >= 0 && c.target_humidity <= 100);
  for (const auto &mode : c.modes)
    check(std::strlen(mode) <= MAX_OPTION_LEN);
  // The refusals name values and modes: they must fit a reply.
  struct Nothing final : ClimateCapabilities {
    bool announces(ClimateList, const char *) const override { return false; }
  } nothing;
  nothing.target_temperature = nothing.target_temperature_range = nothing.target_humidity = true;
  char error[MAX_ERROR_LEN + 1];
  if (!check_climate_command(c, nothing, error, sizeof(error)))
    check(std::strlen(error) > 0 && std::strlen(error) <= MAX_ERROR_LEN);
}
void check_command(const FanCommand &c) {
  check(c.state != OnOff::NONE || c.has_percentage || c.has_oscillating || c.direction != FanDirection::NONE ||
        c.has_preset_mode);
  if (c.has_percentage) {
    check(c.percentage >= 1 && c.percentage <= 100 && c.state != OnOff::OFF);
    static constexpr int COUNTS[] = {1, 3, 7, 100, 255};
    for (int count : COUNTS) {
      const int speed = fan_speed(c.percentage, count);
      check(speed >= 1 && speed <= count && fan_percentage(speed, count) >= c.percentage);
    }
  }
  if (c.has_preset_mode)
    check(std::strlen(c.preset_mode) >= 1 && std::strlen(c.preset_mode) <= MAX_OPTION_LEN && c.state != OnOff::OFF);
}
void check_command(const AlarmCommand &c) {
  check(alarm_action_word(c.action) != nullptr);
  if (c.has_code)
    check(std::strlen(c.code) >= 1 && std::strlen(c.code) <= MAX_ALARM_CODE_LEN);
  // A panel announcing no action and a code takes only a disarm with the
  // code; the "<action> not supported" refusal must fit a reply.
  char error[MAX_ERROR_LEN + 1];
  const char *refusal = c.refusal(0, true, true, error, sizeof(error));
  check((refusal == nullptr) == (c.action == AlarmAction::DISARM && c.has_code));
  if (refusal != nullptr)
    check(std::strlen(refusal) > 0 && std::strlen(refusal) <= MAX_ERROR_LEN);
}
void check_command(const UpdateCommand &c) { check(c.install); }
void check_command(const TextCommand &c) {
  check(c.has_value && c.bytes == std::strlen(c.text) && c.chars <= MAX_TEXT_CHARS && c.chars <= c.bytes);
  char error[MAX_ERROR_LEN + 1];
  const char *refusal = c.refusal(1, 1, error, sizeof(error));
  check(refusal == nullptr || std::strlen(refusal) <= MAX_ERROR_LEN);
}
void check_command(const DateCommand &c) {
  check(c.has_value && c.date.month >= 1 && c.date.month <= 12 && c.date.day >= 1 &&
        c.date.day <= days_in_month(c.date.year, c.date.month));
}
void check_command(const TimeCommand &c) { check(c.has_value && c.time.hour <= 23 && c.time.minute <= 59); }
void check_command(const DateTimeCommand &c) {
  check(c.has_value && c.offset_minutes > -24 * 60 && c.offset_minutes < 24 * 60);
  // Years 1 to 9999 with any offset: well within 64-bit seconds.
  check(c.epoch_seconds() > -62135596800 - 86400 && c.epoch_seconds() < 253402300800 + 86400);
}

void check_command(const WaterHeaterCommand &c) {
  check(c.has_operation_mode || c.has_target_temperature || c.has_away_mode || c.power != OnOff::NONE);
  if (c.has_operation_mode)
    check(c.operation_mode < WATER_HEATER_MODE_COUNT);
  // The refusals name values: they must fit a reply.
  WaterHeaterCapabilities nothing;
  nothing.target_temperature = false;
  char error[MAX_ERROR_LEN + 1];
  if (!check_water_heater_command(c, nothing, error, sizeof(error)))
    check(std::strlen(error) > 0 && std::strlen(error) <= MAX_ERROR_LEN);
  WaterHeaterCapabilities narrow;
  narrow.operation_modes = 0x7f;
  narrow.min_temp = -1e300;
  narrow.max_temp = 1e-300;
  if (!check_water_heater_command(c, narrow, error, sizeof(error)))
    check(std::strlen(error) > 0 && std::strlen(error) <= MAX_ERROR_LEN);
}
void check_command(const MediaPlayerCommand &c) {
  const int given = (c.action != MediaAction::NONE) + c.has_volume + !c.media_url.empty();
  check(given == 1);
  if (c.has_volume)
    check(c.volume >= 0 && c.volume <= 1);
  if (!c.media_url.empty())
    check(c.media_url.size() <= MAX_MEDIA_URL_LEN && c.media_url.compare(0, 4, "http") == 0);
  else
    check(!c.has_announce);
  MediaPlayerCapabilities nothing;
  char error[MAX_ERROR_LEN + 1];
  if (!check_media_player_command(c, nothing, error, sizeof(error)))
    check(std::strlen(error) > 0 && std::strlen(error) <= MAX_ERROR_LEN);
}

/// Reads text as a command of type Command; false (error set) when invalid.
template<typename Command> bool read_as(const char *text, size_t size, CommandEnvelope &envelope, const char *&error) {
  Command cmd;
  if (!read_command(text, size, cmd, envelope, error))
    return false;
  check_command(cmd);
  return true;
}

using CommandReader = bool (*)(const char *, size_t, CommandEnvelope &, const char *&);

// The command types in the order the seed corpus numbers them
// (tests/esphome/test_cpp_fuzz.py, COMMAND_PLATFORMS).
const CommandReader COMMAND_READERS[] = {
    read_as<SwitchCommand>, read_as<LightCommand>, read_as<ButtonCommand>,
    read_as<NumberCommand>, read_as<SelectCommand>,
    read_as<CoverCommand>,
    read_as<ValveCommand>,
    read_as<LockCommand>,
    read_as<ClimateCommand>,
    read_as<FanCommand>,
    read_as<AlarmCommand>,
    read_as<UpdateCommand>,
    read_as<TextCommand>,
    read_as<DateCommand>,
    read_as<TimeCommand>,
    read_as<DateTimeCommand>,
    read_as<WaterHeaterCommand>,
    read_as<MediaPlayerCommand>,
};
constexpr unsigned COMMAND_TYPES = sizeof(COMMAND_READERS) / sizeof(COMMAND_READERS[0]);

// The key of tests/vectors/credentials.json's device, so its renewals pass.
constexpr const char *DEVICE_PUBLIC = "UDWUSKGGFDI4FRXK5EBTRECZSVQSSWJHHJOGH6JWG3AUMFFMQ435C2U4";
char scratch[JWT_CLAIMS_SCRATCH];

// A renewal either names what is wrong or hands back a JWT inside the
// payload that checks again on its own, with a time.
void check_renewal(const char *text, size_t size) {
  const char *jwt;
  size_t len;
  UserJwtClaims claims;
  for (int64_t now : {int64_t{0}, int64_t{1900000000}}) {
    const char *error = read_credentials_renewal(text, size, DEVICE_PUBLIC, now, scratch, jwt, len, claims);
    if (error != nullptr) {
      check(jwt == nullptr && std::strlen(error) > 0 && std::strlen(error) <= MAX_ERROR_LEN);
      continue;
    }
    check(jwt > text && jwt + len < text + size && len <= MAX_JWT_LEN && claims.iat >= 0);
    check(!claims.has_exp || now < CREDENTIALS_CLOCK_VALID_FROM || claims.exp > now);
    UserJwtClaims again;
    check(check_user_jwt(jwt, len, DEVICE_PUBLIC, now, scratch, again) == nullptr && again.iat == claims.iat);
  }
  check_user_jwt(text, size, DEVICE_PUBLIC, 0, scratch, claims);
}

void fuzz_command(unsigned platform, const uint8_t *data, size_t size) {
  const char *text = reinterpret_cast<const char *>(data);
  // The same bytes as a controller message (ha.status, discovery request).
  JsonValue root;
  ClockStamp stamp;
  if (json_parse_object(text, size, root) && parse_clock_stamp(root, stamp))
    check_stamp(stamp);
  // The same bytes as a stored value, with and without headers.
  check_config_message("", 0, text, size);
  check_config_message(text, size, text, size);
  check_renewal(text, size);
  CommandEnvelope envelope;
  const char *error = nullptr;
  if (!COMMAND_READERS[platform](text, size, envelope, error)) {
    check(error != nullptr && std::strlen(error) <= MAX_ERROR_LEN);
    return;
  }
  if (envelope.has_expiry) {
    check_stamp(envelope.stamp);
    check(envelope.ttl >= 1 && envelope.ttl <= MAX_TTL);
    // Any valid stamp, at a device clock from boot to far beyond its life:
    // UBSan catches an overflow in the rule's arithmetic.
    CommandExpiry expiry;
    int64_t late = -1;
    check(!expiry.is_expired(envelope, 0, late) && late == 0);
    check(expiry.is_expired(envelope, INT64_C(1) << 62, late) == (late > envelope.ttl));
  }
}

void fuzz_tokens(const uint8_t *data, size_t size) {
  char token[MAX_TOKEN_LEN + 1];
  size_t len = sanitize_token(reinterpret_cast<const char *>(data), size, token, sizeof(token));
  check(len <= MAX_TOKEN_LEN);
  if (len > 0)
    check(is_valid_token(token, len));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  // The first byte picks the target, so one corpus serves all of them.
  uint8_t selector = data[0];
  data++;
  size--;
  switch (selector % 3) {
    case 0:
      fuzz_parser(data, size, 1 + (selector / 3) % 64);
      break;
    case 1:
      fuzz_command((selector / 3) % COMMAND_TYPES, data, size);
      break;
    default:
      fuzz_tokens(data, size);
      break;
  }
  return 0;
}
