//! The national seed's pseudo-random generator: deterministic per
//! département, so a département gets the same data whatever else is
//! seeded with it.

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and plenty for
/// synthetic data. Not for anything secret.
#[derive(Debug, Clone)]
pub(super) struct Rng(pub(super) u64);

impl Rng {
    /// A generator for one département and purpose: the same whatever else
    /// is seeded.
    pub(super) fn for_departement(seed: u64, code: &str, stream: u64) -> Self {
        // FNV-1a of the code.
        let hash = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = Self(seed ^ hash ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next_u64();
        rng
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Uniform in `low..=high`.
    pub(super) fn between(&mut self, (low, high): (u32, u32)) -> u32 {
        let span = u64::from(high.saturating_sub(low)) + 1;
        low + u32::try_from(((self.next_u64() >> 32) * span) >> 32).unwrap_or(0)
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }

    /// A time-ordered (version 7, RFC 9562) UUID: `millis`, then
    /// `counter` in the 42 bits the RFC allows for one, then 32 random
    /// bits. Rows written in that order append to their indexes instead of
    /// landing all over them.
    pub(super) fn uuid_v7(&mut self, millis: u64, counter: u64) -> String {
        let mut b = [0_u8; 16];
        b[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        let counter = counter & ((1 << 42) - 1);
        b[6] = 0x70 | ((counter >> 38) & 0x0f) as u8;
        b[7] = (counter >> 30) as u8;
        b[8] = 0x80 | ((counter >> 24) & 0x3f) as u8;
        b[9] = (counter >> 16) as u8;
        b[10] = (counter >> 8) as u8;
        b[11] = counter as u8;
        b[12..].copy_from_slice(&self.bytes::<4>());
        uuid::Uuid::from_bytes(b).to_string()
    }

    /// A random (version 4) UUID.
    pub(super) fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.bytes())
            .into_uuid()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_per_departement() {
        let mut a = Rng::for_departement(1, "62", 0);
        let mut b = Rng::for_departement(1, "62", 0);
        let mut c = Rng::for_departement(1, "974", 0);
        let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
        assert_eq!(x, y);
        assert_ne!(x, z);
        let draws: Vec<u32> = (0..10_000).map(|_| a.between((3, 5))).collect();
        assert!(draws.iter().all(|d| (3..=5).contains(d)));
        assert!((3..=5).all(|v| draws.contains(&v)));
        assert!(a.uuid().parse::<uuid::Uuid>().is_ok());
    }
}
