#include "nats_client.h"

#if defined(USE_NATS) && defined(USE_HOST)

#include "esphome/core/log.h"

#include <cstdlib>
#include <cstring>
#ifdef USE_NATS_TLS
#include <fstream>
#include <sstream>
#include <string>
#endif

namespace esphome::nats {

static const char *const TAG = "nats";

#ifdef USE_NATS_TLS
// The PEM text of the file an environment variable names (nullptr without
// one). Kept for the process's lifetime: the TLS session points into it.
static const char *pem_from_env(const char *var, std::string &keep) {
  const char *path = std::getenv(var);
  if (path == nullptr || path[0] == '\0')
    return nullptr;
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  keep = text.str();
  if (!file || keep.empty()) {
    ESP_LOGE(TAG, "Cannot read %s=%s", var, path);
    return nullptr;
  }
  return keep.c_str();
}

// TLS for tests and simulations (tests/esphome/test_tls.py): PEM files for
// the CA, and a client certificate and key; skip the name check with "1".
static void apply_tls_environment(NatsClient *client) {
  static std::string ca, cert, key;
  const char *ca_pem = pem_from_env("NATS_TLS_CA", ca);
  if (ca_pem != nullptr)
    client->set_certificate_authority(ca_pem);
  const char *cert_pem = pem_from_env("NATS_TLS_CERT", cert);
  const char *key_pem = pem_from_env("NATS_TLS_KEY", key);
  if (cert_pem != nullptr && key_pem != nullptr)
    client->set_client_certificate(cert_pem, key_pem);
  const char *skip = std::getenv("NATS_TLS_SKIP_CN_CHECK");
  if (skip != nullptr)
    client->set_skip_cert_cn_check(std::strcmp(skip, "1") == 0);
}
#endif

// A host build is a test or simulation tool: let its environment point it at
// other servers, prefix or id without rebuilding.
void NatsClient::apply_environment_() {
  static constexpr size_t MAX_ENV_SERVERS = 4;
  static char hosts[MAX_ENV_SERVERS][128];
  const char *list = std::getenv("NATS_SERVER");
  if (list != nullptr && list[0] != '\0') {
    // host:port[,host:port...], each optionally with nats://
    this->servers_.clear();
    size_t count = 0;
    for (const char *p = list; *p != '\0' && count < MAX_ENV_SERVERS;) {
      const char *end = std::strchr(p, ',');
      size_t len = end != nullptr ? static_cast<size_t>(end - p) : std::strlen(p);
      const char *item = p;
      p += len + (end != nullptr ? 1 : 0);
      if (len >= 7 && std::strncmp(item, "nats://", 7) == 0) {
        item += 7;
        len -= 7;
      } else if (len >= 6 && std::strncmp(item, "tls://", 6) == 0) {
        // TLS itself comes from NATS_TLS_CA (or the YAML): the scheme says nothing more.
        item += 6;
        len -= 6;
      }
      const char *colon = static_cast<const char *>(std::memchr(item, ':', len));
      size_t host_len = colon != nullptr ? static_cast<size_t>(colon - item) : len;
      long port = colon != nullptr ? std::strtol(colon + 1, nullptr, 10) : 4222;
      if (host_len == 0 || host_len >= sizeof(hosts[0]) || port <= 0 || port >= 65536) {
        ESP_LOGE(TAG, "Ignoring a server in NATS_SERVER=%s: expected host:port[,host:port]", list);
        continue;
      }
      std::memcpy(hosts[count], item, host_len);
      hosts[count][host_len] = '\0';
      this->add_server(hosts[count], static_cast<uint16_t>(port));
      count++;
    }
  }
  const char *prefix = std::getenv("NATS_PREFIX");
  if (prefix != nullptr && is_valid_prefix(prefix, std::strlen(prefix))) {
    this->prefix_ = prefix;
  } else if (prefix != nullptr) {
    ESP_LOGE(TAG, "Ignoring NATS_PREFIX=%s: expected dot-separated tokens, at most %u characters", prefix,
             static_cast<unsigned>(MAX_PREFIX_LEN));
  }
#if defined(USE_NATS_NKEY) && defined(USE_NATS_JWT)
  // Credentials (tests/esphome/test_nkey_auth.py): an NKey user seed, and a
  // user JWT to go with it in operator mode.
  const char *seed = std::getenv("NATS_NKEY_SEED");
  if (seed != nullptr && seed[0] != '\0')
    this->nkey_seed_ = seed;
  const char *jwt = std::getenv("NATS_JWT");
  if (jwt != nullptr && jwt[0] != '\0' && !this->set_jwt(jwt))
    ESP_LOGE(TAG, "Ignoring NATS_JWT: not a JWT of at most %u characters", static_cast<unsigned>(MAX_JWT_LEN));
#endif
#ifdef USE_NATS_TLS
  apply_tls_environment(this);
#endif
  const char *device_id = std::getenv("NATS_DEVICE_ID");
  if (device_id != nullptr && is_valid_token(device_id, std::strlen(device_id))) {
    this->device_id_ = device_id;
  } else if (device_id != nullptr) {
    ESP_LOGE(TAG, "Ignoring NATS_DEVICE_ID=%s: not a valid id (^[a-z0-9_-]{1,64}$)", device_id);
  }
}

}  // namespace esphome::nats

#endif  // USE_NATS && USE_HOST
