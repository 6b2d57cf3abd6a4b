// SHA-512, Ed25519 and NKeys (nats_ed25519.*, nats_nkey.*): FIPS 180-4's
// SHA-512 examples and RFC 8032 section 7.1's test vectors; the NKey values
// come from Python nkeys (tests/esphome/test_nkey.py cross-checks random ones).

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "nats_ed25519.h"
#include "nats_nkey.h"

namespace esphome::nats {
namespace {

std::vector<uint8_t> unhex(const std::string &hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string tohex(const uint8_t *data, size_t len) {
  static constexpr char DIGITS[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < len; i++) {
    out.push_back(DIGITS[data[i] >> 4]);
    out.push_back(DIGITS[data[i] & 15]);
  }
  return out;
}

std::string sha512_hex(const std::string &text) {
  uint8_t digest[64];
  sha512(reinterpret_cast<const uint8_t *>(text.data()), text.size(), digest);
  return tohex(digest, sizeof(digest));
}

TEST(Sha512, Fips180Examples) {
  EXPECT_EQ(sha512_hex(""),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  EXPECT_EQ(sha512_hex("abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(sha512_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
            "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445");
  EXPECT_EQ(sha512_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqr"
                       "smnopqrstnopqrstu"),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

TEST(Sha512, StreamedInPiecesOfEverySize) {
  // A million 'a', fed in uneven pieces across block boundaries.
  Sha512 h;
  const std::string chunk(997, 'a');
  size_t left = 1000000;
  for (size_t piece = 1; left > 0; piece = piece % 997 + 1) {
    const size_t n = piece < left ? piece : left;
    h.update(reinterpret_cast<const uint8_t *>(chunk.data()), n);
    left -= n;
  }
  uint8_t digest[64];
  h.finish(digest);
  EXPECT_EQ(tohex(digest, 64),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
            "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
  // Lengths around the padding boundary (111, 112 bytes) match one-shot hashing.
  for (size_t len = 100; len < 260; len++) {
    const std::string msg(len, 'x');
    Sha512 s;
    s.update(reinterpret_cast<const uint8_t *>(msg.data()), len / 3);
    s.update(reinterpret_cast<const uint8_t *>(msg.data()) + len / 3, len - len / 3);
    uint8_t a[64];
    s.finish(a);
    EXPECT_EQ(tohex(a, 64), sha512_hex(msg)) << len;
  }
}

struct Rfc8032Case {
  const char *name;
  const char *secret;
  const char *public_key;
  std::string message;  // hex
  const char *signature;
};

// RFC 8032 section 7.1, TEST 1024's message.
const char *const TEST_1024_MESSAGE =
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c5"
    "0544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0"
    "810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82"
    "d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef80560ccb9"
    "a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7aff6f6c9"
    "4fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5"
    "d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88"
    "425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
    "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80"
    "c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae078"
    "4504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9"
    "b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
    "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc"
    "82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7984a74d371459867"
    "80fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109c8"
    "b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
    "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f791"
    "4f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45"
    "a96768d40fd9d03412c091c6315cf4fde7cb68606937380db2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac"
    "86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0";

TEST(Ed25519, Rfc8032Section71Vectors) {
  const Rfc8032Case cases[] = {
      {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f05"
       "95bbe24655141438e7a100b"},
      {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb"
       "4302aeeb00d291612bb0c00"},
      {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e97"
       "16ed28dc027beceea1ec40a"},
      {"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
       "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", TEST_1024_MESSAGE,
       "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f6"
       "81e30a6ac00a9704a188a03"},
      {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
       "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643"
       "ce80e2a9ac94fa54ca49f",
       "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c1"
       "38ac17ad9bef1177331a704"},
  };
  for (const auto &c : cases) {
    const auto secret = unhex(c.secret);
    const auto message = unhex(c.message);
    uint8_t public_key[32], signature[64];
    ed25519_public_key(secret.data(), public_key);
    EXPECT_EQ(tohex(public_key, 32), c.public_key) << c.name;
    ed25519_sign(secret.data(), public_key, message.data(), message.size(), signature);
    EXPECT_EQ(tohex(signature, 64), c.signature) << c.name;
  }
  EXPECT_EQ(std::strlen(TEST_1024_MESSAGE), 2046u);
}

// nkeys.encode_seed(bytes(range(32)), nkeys.PREFIX_BYTE_USER) and what nkeys
// makes of it.
constexpr const char *SEED = "SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y";
constexpr const char *PUBLIC = "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK";
constexpr const char *SIG_HEX =
    "b9944cb1246e167e5798671229d0b75d5bdf2a7db2bab72ff39b1cfa5f91f65347db4b5dd011b375dcc6fb2c8ec77e30f16523892503"
    "368f1d04619f443b3601";

TEST(Nkey, UserSeedDecodesToTheEd25519Seed) {
  uint8_t seed[32];
  ASSERT_TRUE(nkey_decode_user_seed(SEED, std::strlen(SEED), seed));
  for (int i = 0; i < 32; i++)
    EXPECT_EQ(seed[i], i);
  NkeyUser user;
  ASSERT_TRUE(user.set_seed(SEED, std::strlen(SEED)));
  EXPECT_STREQ(user.public_key(), PUBLIC);
}

TEST(Nkey, SignsTheNonceAsBase64Url) {
  NkeyUser user;
  ASSERT_TRUE(user.set_seed(SEED, std::strlen(SEED)));
  char sig[NKEY_SIGNATURE_B64_SIZE];
  user.sign_nonce("nonce123", 8, sig);
  const auto raw = unhex(SIG_HEX);
  char expected[NKEY_SIGNATURE_B64_SIZE];
  EXPECT_EQ(base64url_encode(raw.data(), raw.size(), expected), 86u);
  EXPECT_STREQ(sig, expected);
  EXPECT_EQ(std::strchr(sig, '='), nullptr);
}

TEST(Nkey, RefusesWhatIsNotAUserSeed) {
  uint8_t seed[32];
  std::string s = SEED;
  EXPECT_FALSE(nkey_decode_user_seed(s.data(), s.size() - 1, seed));  // short
  s[10] = s[10] == 'A' ? 'B' : 'A';                                  // checksum
  EXPECT_FALSE(nkey_decode_user_seed(s.data(), s.size(), seed));
  for (uint8_t b : seed)
    EXPECT_EQ(b, 0);
  // A valid account seed (SA...): nkeys.encode_seed(bytes(32), PREFIX_BYTE_ACCOUNT).
  const char *account = "SAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHT5A";
  EXPECT_FALSE(nkey_decode_user_seed(account, std::strlen(account), seed));
  std::string lower = SEED;
  lower[5] = 'a';
  EXPECT_FALSE(nkey_decode_user_seed(lower.data(), lower.size(), seed));
  NkeyUser user;
  EXPECT_FALSE(user.set_seed("SU", 2));
  EXPECT_FALSE(user.valid());
}

TEST(Nkey, Base64UrlHasNoPadding) {
  const uint8_t data[] = {0xfb, 0xff, 0xbf};
  char out[8];
  EXPECT_EQ(base64url_encode(data, 1, out), 2u);
  EXPECT_STREQ(out, "-w");
  EXPECT_EQ(base64url_encode(data, 3, out), 4u);
  EXPECT_STREQ(out, "-_-_");
  EXPECT_EQ(base64url_encode(data, 0, out), 0u);
  EXPECT_STREQ(out, "");
}

}  // namespace
}  // namespace esphome::nats
