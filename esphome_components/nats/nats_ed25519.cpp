// Ed25519 signing after RFC 8032 section 5.1, with the field and group
// arithmetic laid out as in TweetNaCl (public domain; Bernstein, van Gastel,
// Janssen, Lange, Schwabe, Smetsers): sixteen 16-bit limbs in int64_t, which
// needs no 128-bit multiply and is small in flash on 32-bit cores.

#include "nats_ed25519.h"

#include <cstring>

namespace esphome::nats {

// ---- SHA-512, FIPS 180-4 section 6.4 (RFC 8032 section 5.1 uses it as H) ----

namespace {

// First 64 bits of the fractional parts of the cube roots of the first 80
// primes (FIPS 180-4 section 4.2.3).
constexpr uint64_t SHA512_K[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

inline uint64_t rotr(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

inline uint64_t load_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

inline void store_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

void Sha512::reset() {
  // Section 5.3.5: square roots of the first eight primes.
  static constexpr uint64_t H0[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                     0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                     0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
  std::memcpy(this->h_, H0, sizeof(H0));
  this->buf_len_ = 0;
  this->total_len_ = 0;
}

void Sha512::block_(const uint8_t *block) {
  // Section 6.4.2, with the message schedule kept as a 16-word ring.
  uint64_t w[16];
  for (int i = 0; i < 16; i++)
    w[i] = load_be64(block + 8 * i);
  uint64_t a = this->h_[0], b = this->h_[1], c = this->h_[2], d = this->h_[3];
  uint64_t e = this->h_[4], f = this->h_[5], g = this->h_[6], h = this->h_[7];
  for (int t = 0; t < 80; t++) {
    if (t >= 16) {
      const uint64_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
      const uint64_t s0 = rotr(w15, 1) ^ rotr(w15, 8) ^ (w15 >> 7);
      const uint64_t s1 = rotr(w2, 19) ^ rotr(w2, 61) ^ (w2 >> 6);
      w[t & 15] += s0 + w[(t - 7) & 15] + s1;
    }
    const uint64_t t1 =
        h + (rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41)) + ((e & f) ^ (~e & g)) + SHA512_K[t] + w[t & 15];
    const uint64_t t2 = (rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  this->h_[0] += a;
  this->h_[1] += b;
  this->h_[2] += c;
  this->h_[3] += d;
  this->h_[4] += e;
  this->h_[5] += f;
  this->h_[6] += g;
  this->h_[7] += h;
}

void Sha512::update(const uint8_t *data, size_t len) {
  this->total_len_ += len;
  while (len > 0) {
    if (this->buf_len_ == 0 && len >= sizeof(this->buf_)) {
      this->block_(data);
      data += sizeof(this->buf_);
      len -= sizeof(this->buf_);
      continue;
    }
    size_t n = sizeof(this->buf_) - this->buf_len_;
    if (n > len)
      n = len;
    std::memcpy(this->buf_ + this->buf_len_, data, n);
    this->buf_len_ += n;
    data += n;
    len -= n;
    if (this->buf_len_ == sizeof(this->buf_)) {
      this->block_(this->buf_);
      this->buf_len_ = 0;
    }
  }
}

void Sha512::finish(uint8_t digest[DIGEST_SIZE]) {
  // Section 5.1.2: a 1 bit, zeros, and the length in bits as 128 bits.
  const uint64_t bits = this->total_len_ * 8;
  this->buf_[this->buf_len_++] = 0x80;
  if (this->buf_len_ > sizeof(this->buf_) - 16) {
    std::memset(this->buf_ + this->buf_len_, 0, sizeof(this->buf_) - this->buf_len_);
    this->block_(this->buf_);
    this->buf_len_ = 0;
  }
  std::memset(this->buf_ + this->buf_len_, 0, sizeof(this->buf_) - 8 - this->buf_len_);
  store_be64(this->buf_ + sizeof(this->buf_) - 8, bits);
  this->block_(this->buf_);
  for (int i = 0; i < 8; i++)
    store_be64(digest + 8 * i, this->h_[i]);
  std::memset(this->buf_, 0, sizeof(this->buf_));
  this->reset();
}

void sha512(const uint8_t *data, size_t len, uint8_t digest[Sha512::DIGEST_SIZE]) {
  Sha512 h;
  h.update(data, len);
  h.finish(digest);
}

// ---- GF(2^255-19), RFC 8032 section 5.1 (p = 2^255 - 19) ----

namespace {

// An element as 16 limbs of 16 bits, little endian; limbs may run over
// between carries.
using Fe = int64_t[16];

constexpr int64_t FE_ONE[16] = {1};
// 2*d, d = -121665/121666 mod p (section 5.1).
constexpr int64_t FE_D2[16] = {0xf159, 0x26b2, 0x9b94, 0xebd6, 0xb156, 0x8283, 0x149a, 0x00e0,
                               0xd130, 0xeef3, 0x80f2, 0x198e, 0xfce7, 0x56df, 0xd9dc, 0x2406};
// The base point B (section 5.1): x, and y = 4/5.
constexpr int64_t FE_BX[16] = {0xd51a, 0x8f25, 0x2d60, 0xc956, 0xa7b2, 0x9525, 0xc760, 0x692c,
                               0xdc5c, 0xfdd6, 0xe231, 0xc0a4, 0x53fe, 0xcd6e, 0x36d3, 0x2169};
constexpr int64_t FE_BY[16] = {0x6658, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666,
                               0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666};

void fe_copy(Fe o, const int64_t *a) { std::memcpy(o, a, sizeof(Fe)); }

// Carries every limb into the next; the carry out of the top limb comes back
// as 38 times itself (2^256 = 38 mod p). Multiplications instead of shifts of
// negative values keep it well defined.
void fe_carry(Fe o) {
  for (int i = 0; i < 16; i++) {
    o[i] += 65536;
    const int64_t c = o[i] >> 16;
    if (i < 15) {
      o[i + 1] += c - 1;
    } else {
      o[0] += 38 * (c - 1);
    }
    o[i] -= c * 65536;
  }
}

// Swaps p and q when bit is 1, without a branch on it.
void fe_cswap(Fe p, Fe q, int64_t bit) {
  const int64_t mask = -bit;
  for (int i = 0; i < 16; i++) {
    const int64_t t = mask & (p[i] ^ q[i]);
    p[i] ^= t;
    q[i] ^= t;
  }
}

void fe_add(Fe o, const int64_t *a, const int64_t *b) {
  for (int i = 0; i < 16; i++)
    o[i] = a[i] + b[i];
}

void fe_sub(Fe o, const int64_t *a, const int64_t *b) {
  for (int i = 0; i < 16; i++)
    o[i] = a[i] - b[i];
}

void fe_mul(Fe o, const int64_t *a, const int64_t *b) {
  int64_t t[31] = {0};
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++)
      t[i + j] += a[i] * b[j];
  for (int i = 0; i < 15; i++)
    t[i] += 38 * t[i + 16];
  for (int i = 0; i < 16; i++)
    o[i] = t[i];
  fe_carry(o);
  fe_carry(o);
}

// a^(p-2) = 1/a (Fermat), a fixed chain of squarings and multiplications.
void fe_invert(Fe o, const int64_t *a) {
  Fe c;
  fe_copy(c, a);
  for (int i = 253; i >= 0; i--) {
    fe_mul(c, c, c);
    if (i != 2 && i != 4)
      fe_mul(c, c, a);
  }
  fe_copy(o, c);
}

// The canonical 32-byte little-endian encoding (section 5.1.2): fully reduced
// below p by two constant-time conditional subtractions.
void fe_pack(uint8_t out[32], const int64_t *n) {
  Fe t, m;
  fe_copy(t, n);
  fe_carry(t);
  fe_carry(t);
  fe_carry(t);
  for (int j = 0; j < 2; j++) {
    m[0] = t[0] - 0xffed;
    for (int i = 1; i < 15; i++) {
      m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
      m[i - 1] &= 0xffff;
    }
    m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
    const int64_t borrow = (m[15] >> 16) & 1;
    m[14] &= 0xffff;
    fe_cswap(t, m, 1 - borrow);
  }
  for (int i = 0; i < 16; i++) {
    out[2 * i] = static_cast<uint8_t>(t[i] & 0xff);
    out[2 * i + 1] = static_cast<uint8_t>((t[i] >> 8) & 0xff);
  }
}

// ---- The group: extended coordinates (X, Y, Z, T), section 5.1.4 ----

struct Point {
  Fe x, y, z, t;
};

// p += q with the unified formula of section 5.1.4 (also right for p == q,
// so doubling needs no separate code and no branch).
void point_add(Point &p, const Point &q) {
  // A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = T1*2d*T2, D = 2*Z1*Z2;
  // E = B-A, F = D-C, G = D+C, H = B+A; each temporary is reused once it is
  // spent, which keeps this frame small for the ESP8266's 4 KB stack.
  Fe a, b, c, d, t;
  fe_sub(a, p.y, p.x);
  fe_sub(t, q.y, q.x);
  fe_mul(a, a, t);
  fe_add(b, p.x, p.y);
  fe_add(t, q.x, q.y);
  fe_mul(b, b, t);
  fe_mul(c, p.t, q.t);
  fe_mul(c, c, FE_D2);
  fe_mul(d, p.z, q.z);
  fe_add(d, d, d);
  fe_sub(t, b, a);  // E
  fe_add(b, b, a);  // H
  fe_sub(a, d, c);  // F
  fe_add(d, d, c);  // G
  fe_mul(p.x, t, a);
  fe_mul(p.y, b, d);
  fe_mul(p.z, d, a);
  fe_mul(p.t, t, b);
}

void point_cswap(Point &p, Point &q, int64_t bit) {
  fe_cswap(p.x, q.x, bit);
  fe_cswap(p.y, q.y, bit);
  fe_cswap(p.z, q.z, bit);
  fe_cswap(p.t, q.t, bit);
}

// The encoding of section 5.1.2: y with the sign of x in the top bit.
void point_pack(uint8_t out[32], const Point &p) {
  Fe zi, x, y;
  fe_invert(zi, p.z);
  fe_mul(x, p.x, zi);
  fe_mul(y, p.y, zi);
  fe_pack(out, y);
  uint8_t xb[32];
  fe_pack(xb, x);
  out[31] ^= static_cast<uint8_t>((xb[0] & 1) << 7);
}

// [s]B for a 256-bit little-endian scalar: a Montgomery ladder over every
// bit, the same operations whatever the bit (the secret scalar of section
// 5.1.5 and the secret nonce r of section 5.1.6 go through here).
void scalar_mult_base(Point &p, const uint8_t s[32]) {
  Point q;
  fe_copy(q.x, FE_BX);
  fe_copy(q.y, FE_BY);
  fe_copy(q.z, FE_ONE);
  fe_mul(q.t, FE_BX, FE_BY);
  std::memset(&p, 0, sizeof(p));  // the neutral element (0, 1, 1, 0)
  p.y[0] = 1;
  p.z[0] = 1;
  for (int i = 255; i >= 0; i--) {
    const int64_t bit = (s[i / 8] >> (i & 7)) & 1;
    point_cswap(p, q, bit);
    point_add(q, p);
    point_add(p, p);
    point_cswap(p, q, bit);
  }
}

// ---- Scalars mod L, the group order (section 5.1) ----

constexpr int64_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                           0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                           0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// r = x mod L for a 64-limb value of bytes (a 512-bit hash, or the product
// h*s of section 5.1.6 step 5), folding the top limbs down with 2^252 = -c.
void mod_l(uint8_t r[32], int64_t x[64]) {
  for (int i = 63; i >= 32; i--) {
    int64_t carry = 0;
    int j;
    for (j = i - 32; j < i - 12; j++) {
      x[j] += carry - 16 * x[i] * L[j - (i - 32)];
      carry = (x[j] + 128) >> 8;
      x[j] -= carry * 256;
    }
    x[j] += carry;
    x[i] = 0;
  }
  int64_t carry = 0;
  for (int j = 0; j < 32; j++) {
    x[j] += carry - (x[31] >> 4) * L[j];
    carry = x[j] >> 8;
    x[j] &= 255;
  }
  for (int j = 0; j < 32; j++)
    x[j] -= carry * L[j];
  for (int i = 0; i < 32; i++) {
    x[i + 1] += x[i] >> 8;
    r[i] = static_cast<uint8_t>(x[i] & 255);
  }
}

void reduce_hash(uint8_t r[32], const uint8_t digest[64]) {
  int64_t x[64];
  for (int i = 0; i < 64; i++)
    x[i] = digest[i];
  mod_l(r, x);
}

// Section 5.1.5 steps 1-2: the secret scalar s from the first half of
// SHA-512(seed), pruned; the second half is the prefix for the nonce.
void expand_seed(const uint8_t seed[32], uint8_t h[64]) {
  sha512(seed, 32, h);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
}

}  // namespace

void ed25519_public_key(const uint8_t seed[ED25519_SEED_SIZE], uint8_t public_key[ED25519_PUBLIC_KEY_SIZE]) {
  uint8_t h[64];
  expand_seed(seed, h);
  Point a;
  scalar_mult_base(a, h);  // section 5.1.5 step 3
  point_pack(public_key, a);
  std::memset(h, 0, sizeof(h));
}

void ed25519_sign(const uint8_t seed[ED25519_SEED_SIZE], const uint8_t public_key[ED25519_PUBLIC_KEY_SIZE],
                  const uint8_t *msg, size_t len, uint8_t signature[ED25519_SIGNATURE_SIZE]) {
  uint8_t h[64], digest[64], r[32], k[32];
  expand_seed(seed, h);
  // Step 2: r = SHA-512(prefix || M) mod L.
  Sha512 hash;
  hash.update(h + 32, 32);
  hash.update(msg, len);
  hash.finish(digest);
  reduce_hash(r, digest);
  // Step 3: R = [r]B (its own scope: the point's stack is reused below).
  {
    Point rp;
    scalar_mult_base(rp, r);
    point_pack(signature, rp);
  }
  // Step 4: k = SHA-512(R || A || M) mod L.
  hash.update(signature, 32);
  hash.update(public_key, 32);
  hash.update(msg, len);
  hash.finish(digest);
  reduce_hash(k, digest);
  // Step 5: S = (r + k * s) mod L.
  int64_t x[64] = {0};
  for (int i = 0; i < 32; i++)
    x[i] = r[i];
  for (int i = 0; i < 32; i++)
    for (int j = 0; j < 32; j++)
      x[i + j] += static_cast<int64_t>(k[i]) * h[j];
  mod_l(signature + 32, x);
  std::memset(h, 0, sizeof(h));
  std::memset(r, 0, sizeof(r));
  std::memset(x, 0, sizeof(x));
}

}  // namespace esphome::nats
