//! Stable hashing helpers shared by the engine and the sink: the SplitMix64 finaliser, a
//! two-word mix, FNV-1a over names, the stream key of a named random stream, hex text, and a
//! pass-through hasher for maps keyed by such hashes.
//! Everything here is a pure function whose values are fixed: changing one changes every
//! generated lake, so it must be deliberate.

/// SplitMix64's finaliser: a fast, well-mixing 64-bit bijection.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combines two words into one well-mixed word.
#[inline]
pub fn mix2(a: u64, b: u64) -> u64 {
    mix64(a ^ mix64(b).rotate_left(23))
}

/// FNV-1a: a stable hash of a name (std's hasher is not stable across releases).
pub fn hash_name(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The key of a named stream for a run seed.
pub fn stream(seed: u64, name: &str) -> u64 {
    mix2(seed, hash_name(name))
}

/// Lower-case hexadecimal text of some bytes (digests).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A hasher for keys that are already well-mixed 64-bit hashes: passes them through.
#[derive(Default)]
pub struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable() {
        // Fixed values: changing them changes every generated lake, so it must be deliberate.
        assert_eq!(hash_name(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash_name("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_ne!(stream(42, "x"), stream(43, "x"));
    }
}
