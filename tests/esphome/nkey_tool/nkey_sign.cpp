// The component's NKey code as a filter, for the cross-check against Python
// nkeys (tests/esphome/test_nkey.py): each input line is `<seed> <hex message>`;
// each output line is `<public key> <base64url signature>`, or `invalid`
// for a seed the component refuses.

#include <cstdio>
#include <cstring>
#include <string>

#include "nats_nkey.h"

int main() {
  char line[8192];
  while (std::fgets(line, sizeof(line), stdin) != nullptr) {
    char *space = std::strchr(line, ' ');
    if (space == nullptr)
      return 2;
    *space = '\0';
    std::string msg;
    for (const char *p = space + 1; p[0] != '\0' && p[0] != '\n' && p[1] != '\0'; p += 2) {
      unsigned byte = 0;
      if (std::sscanf(p, "%2x", &byte) != 1)
        return 2;
      msg.push_back(static_cast<char>(byte));
    }
    esphome::nats::NkeyUser user;
    if (!user.set_seed(line, std::strlen(line))) {
      std::puts("invalid");
      continue;
    }
    char sig[esphome::nats::NKEY_SIGNATURE_B64_SIZE];
    user.sign_nonce(msg.data(), msg.size(), sig);
    std::printf("%s %s\n", user.public_key(), sig);
  }
  return 0;
}
