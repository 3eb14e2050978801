// Seeded generators shared by the kernels: SplitMix64 for uniform draws and a ziggurat for normal
// ones (the KSG jitter draws two per row per pair, where std::normal_distribution's log per draw
// was a fifth of a one-pair estimate).
#pragma once
#include <cmath>
#include <cstdint>

namespace ms {

// SplitMix64: a small, fast generator whose streams for (seed, b) are independent enough here.
struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }  // bias < 2^-40 for the sizes used here
  double uniform() { return (next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

// Standard normal draws by Marsaglia and Tsang's ziggurat (128 layers): one table lookup and one
// comparison for ~98.8 % of draws. The layer comes from the low 7 bits and the value from the high
// 32, so the two are independent (the classic 32-bit version shares bits between them).
class Ziggurat {
 public:
  explicit Ziggurat(uint64_t seed) : rng_{seed} { tables(); }
  double operator()() {
    const uint64_t u = rng_.next();
    const int iz = static_cast<int>(u & 127);
    const int32_t hz = static_cast<int32_t>(u >> 32);
    if (static_cast<uint32_t>(hz < 0 ? -static_cast<int64_t>(hz) : hz) < kn_[iz]) return hz * wn_[iz];
    return tail(hz, iz);
  }

 private:
  SplitMix rng_;
  uint32_t kn_[128];
  double wn_[128], fn_[128];

  void tables() {
    const double m1 = 2147483648.0, vn = 9.91256303526217e-3;
    double dn = 3.442619855899, tn = dn;
    const double q = vn / std::exp(-0.5 * dn * dn);
    kn_[0] = static_cast<uint32_t>((dn / q) * m1);
    kn_[1] = 0;
    wn_[0] = q / m1;
    wn_[127] = dn / m1;
    fn_[0] = 1.0;
    fn_[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
      kn_[i + 1] = static_cast<uint32_t>((dn / tn) * m1);
      tn = dn;
      fn_[i] = std::exp(-0.5 * dn * dn);
      wn_[i] = dn / m1;
    }
  }
  double tail(int32_t hz, int iz) {
    constexpr double r = 3.442619855899;
    for (;;) {
      const double x = hz * wn_[iz];
      if (iz == 0) {  // the base strip: Marsaglia's exponential tail method
        double a, b;
        do {
          a = -std::log1p(-rng_.uniform()) / r;
          b = -std::log1p(-rng_.uniform());
        } while (b + b < a * a);
        return hz > 0 ? r + a : -r - a;
      }
      if (fn_[iz] + rng_.uniform() * (fn_[iz - 1] - fn_[iz]) < std::exp(-0.5 * x * x)) return x;
      const uint64_t u = rng_.next();
      iz = static_cast<int>(u & 127);
      hz = static_cast<int32_t>(u >> 32);
      if (static_cast<uint32_t>(hz < 0 ? -static_cast<int64_t>(hz) : hz) < kn_[iz]) return hz * wn_[iz];
    }
  }
};

}  // namespace ms
