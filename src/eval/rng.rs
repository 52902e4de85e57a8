//! Counter-based randomness. Every random value is a pure function of
//! (seed, stream name, row index): a stream's key is a hash of the run seed and a name such as
//! `ecommerce.orders.status` (never a position), and each row gets its own small generator
//! seeded from (stream key, row). Any row of any column can therefore be computed alone, in
//! any order, on any thread, and adding an attribute never shifts another one's values.

use rand::TryRng;
use std::convert::Infallible;

use crate::hash::mix2;

/// A uniform float in [0, 1) from a word.
#[inline]
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// One independent uniform in [0, 1) for (stream, row): for single draws (null masks, picks).
#[inline]
pub fn unit_at(stream: u64, row: u64) -> f64 {
    unit(mix2(stream, row))
}

/// The per-row generator: SplitMix64 seeded from (stream, row). Implements `rand`'s traits
/// so `rand_distr` distributions and `fake` fakers can draw from it.
#[derive(Debug)]
pub struct RowRng {
    state: u64,
}

impl RowRng {
    #[inline]
    pub fn new(stream: u64, row: u64) -> RowRng {
        RowRng {
            state: mix2(stream, row),
        }
    }

    #[inline]
    pub fn next_word(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn f64(&mut self) -> f64 {
        unit(self.next_word())
    }

    /// Uniform integer in [0, n) (n > 0), by multiply-shift (bias below 2^-64·n).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_word() as u128 * n as u128) >> 64) as u64
    }
}

impl TryRng for RowRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_word() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_word())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let w = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

/// A keyed bijection of [0, n): row `i` maps to a distinct value in [0, n). Used for
/// uniqueness by construction (unique ints, dates, choices) and to scatter Zipf ranks.
/// Cycle-walking over a 4-round Feistel network on the next power of two.
#[derive(Clone, Copy, Debug)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    mask: u64,
    key: u64,
}

impl Permutation {
    pub fn new(n: u64, key: u64) -> Permutation {
        let bits = 64 - n.max(2).saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        Permutation {
            n,
            half_bits,
            mask: (1u64 << half_bits) - 1,
            key,
        }
    }

    #[inline]
    fn round(&self, x: u64) -> u64 {
        let (mut l, mut r) = (x >> self.half_bits, x & self.mask);
        for k in 0..4u64 {
            let f = mix2(self.key ^ k, r) & self.mask;
            let nl = r;
            r = l ^ f;
            l = nl;
        }
        (l << self.half_bits) | r
    }

    /// The image of `i` (< n).
    #[inline]
    pub fn apply(&self, i: u64) -> u64 {
        if self.n <= 1 {
            return 0;
        }
        let mut x = self.round(i);
        while x >= self.n {
            x = self.round(x);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::stream;

    #[test]
    fn permutation_is_a_bijection() {
        for n in [1u64, 2, 3, 10, 97, 1000, 4096, 5000] {
            let p = Permutation::new(n, 42);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let x = p.apply(i);
                assert!(x < n && !seen[x as usize], "n={n}");
                seen[x as usize] = true;
            }
        }
    }

    #[test]
    fn row_streams_are_stable() {
        let mut r = RowRng::new(stream(42, "x"), 7);
        let a = r.next_word();
        let mut r2 = RowRng::new(stream(42, "x"), 7);
        assert_eq!(a, r2.next_word());
        assert_ne!(RowRng::new(stream(42, "x"), 8).next_word(), a);
    }
}
