//! The seeded random number generator.
//!
//! hooklab promises that the same scenario and seed give the same workload on
//! every machine and every version. A general-purpose RNG crate may change its
//! algorithm between releases; this one cannot, because it is twenty lines of
//! published algorithms: xoshiro256++ (Blackman and Vigna), seeded through
//! SplitMix64 as its authors recommend.

/// A small, fast, reproducible random number generator (xoshiro256++).
#[derive(Clone, Debug)]
pub struct SeededRng {
    s: [u64; 4],
}

/// One step of SplitMix64, used to spread a seed over xoshiro's 256-bit state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SeededRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Self { s }
    }

    /// An independent stream for one purpose (arrivals, settlement delays, …),
    /// so that changing how one thing is drawn does not reshuffle the others.
    pub fn stream(seed: u64, purpose: &str) -> Self {
        // FNV-1a of the purpose, mixed into the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in purpose.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self::new(seed ^ h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[0]
            .wrapping_add(self.s[3])
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform float in `[0, 1)`, with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in `(0, 1]`: safe to take the logarithm of.
    pub fn next_f64_open0(&mut self) -> f64 {
        1.0 - self.next_f64()
    }

    /// Fills `buf` with random bytes (secrets, for instance).
    pub fn fill_bytes(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// A [`SeededRng`] shared by concurrent tasks (the dispatcher's delivery
/// tasks, a receiver's handlers). The std mutex is held for one draw.
#[derive(Debug)]
pub struct SharedRng(std::sync::Mutex<SeededRng>);

impl SharedRng {
    /// A shared generator for `purpose` of `seed` (see [`SeededRng::stream`]).
    pub fn stream(seed: u64, purpose: &str) -> Self {
        SharedRng(std::sync::Mutex::new(SeededRng::stream(seed, purpose)))
    }

    /// A uniform float in `[0, 1)`.
    pub fn next_f64(&self) -> f64 {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).next_f64()
    }

    /// True with probability `p` (never for `p <= 0`, without a draw).
    pub fn chance(&self, p: f64) -> bool {
        p > 0.0 && self.next_f64() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let a: Vec<u64> = (0..5)
            .map(|_| 0)
            .scan(SeededRng::new(42), |r, _: u64| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .map(|_| 0)
            .scan(SeededRng::new(42), |r, _: u64| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        let mut x = SeededRng::stream(42, "arrival");
        let mut y = SeededRng::stream(42, "settle");
        assert_ne!(x.next_u64(), y.next_u64());
    }

    #[test]
    fn floats_stay_in_range_and_average_one_half() {
        let mut r = SeededRng::new(7);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = r.next_f64();
            assert!((0.0..1.0).contains(&u));
            let v = r.next_f64_open0();
            assert!(v > 0.0 && v <= 1.0);
            sum += u;
        }
        let mean = sum / f64::from(n);
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
    }
}
