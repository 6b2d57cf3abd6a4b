#pragma once

// Protocol v1 rules that do not depend on ESPHome (docs/protocol.md): id
// tokens, the subject prefix and the subjects a device answers on. Pure C++
// so the shared test vectors run against exactly this code on the host.

#include <cstddef>
#include <cstdint>

namespace esphome::nats {

static constexpr uint8_t PROTOCOL_VERSION = 1;
static constexpr size_t MAX_TOKEN_LEN = 64;
/// Longest subject the device builds: prefix, ids and fixed words.
static constexpr size_t MAX_SUBJECT_LEN = 255;
/// Longest platform word the firmware may ever use ("alarm_control_panel" is 19).
static constexpr size_t MAX_PLATFORM_LEN = 24;
/// Longest subject prefix: the longest subject the device builds,
/// "<prefix>.devices.<device>.<platform>.<entity>.command", must stay within
/// MAX_SUBJECT_LEN. The code generator refuses longer prefixes with the same
/// limit (__init__.py, MAX_PREFIX_LEN).
static constexpr size_t MAX_PREFIX_LEN = 64;
static_assert(MAX_PREFIX_LEN + sizeof(".devices.") - 1 + MAX_TOKEN_LEN + 1 + MAX_PLATFORM_LEN + 1 + MAX_TOKEN_LEN +
                      sizeof(".command") - 1 <=
                  MAX_SUBJECT_LEN,
              "a command subject must fit MAX_SUBJECT_LEN");
static constexpr size_t MAX_OPTION_LEN = 64;
static constexpr size_t MAX_TEXT_STATE_LEN = 255;
static constexpr size_t MAX_ERROR_LEN = 255;
/// An announcement lists at most this many entities; a receiver may drop
/// one larger than MAX_ANNOUNCEMENT_LEN bytes unread.
static constexpr size_t MAX_ENTITIES = 256;
static constexpr size_t MAX_ANNOUNCEMENT_LEN = 64 * 1024;

/// ^[a-z0-9_-]{1,64}$
bool is_valid_token(const char *s, size_t len);
/// One or more dot-separated tokens of [A-Za-z0-9_-], at most MAX_PREFIX_LEN.
bool is_valid_prefix(const char *s, size_t len);
/// Maps any text to a valid token in out (cap >= MAX_TOKEN_LEN + 1):
/// lowercase, every other character becomes '_', cut at 64. Returns its length.
size_t sanitize_token(const char *in, size_t len, char *out, size_t cap);

/// Splits "<prefix>.devices.<device>.<platform>.<entity>.command". False when
/// subject is not a command subject of this device. The platform is only
/// checked to be a word ([a-z_]); which words exist is the firmware's
/// platform table's business (an unknown one is an unknown entity).
bool parse_command_subject(const char *subject, size_t len, const char *prefix, const char *device,
                           const char *&platform, size_t &platform_len, const char *&entity, size_t &entity_len);

/// The header a controller marks a command with, and a device its acknowledging state
/// (docs/protocol.md, Acknowledgement by state, protocol 1.7).
static constexpr const char *ACK_HEADER = "Nats-Home-Ack";
/// Whether an HMSG's NATS/1.0 header block holds "Nats-Home-Ack: state": the
/// controller then takes the command's state message as its confirmation.
bool wants_state_ack(const char *headers, size_t len);

}  // namespace esphome::nats
