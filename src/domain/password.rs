//! Stored staff password hashes and password rules.
//!
//! OWASP asks 600,000 iterations of PBKDF2-HMAC-SHA256, but workerd caps one
//! WebCrypto PBKDF2 call at 100,000 iterations (cloudflare/workerd#1346). So a
//! hash is a *chain* of `rounds` PBKDF2 derivations of `iterations` each, every
//! round salted with the previous round's output (the first with a random
//! per-user salt): 6 × 100,000 costs an attacker the same 600,000 sequential
//! HMAC-SHA256 evaluations per guess. The derivation itself runs in WebCrypto
//! at the edge; this module only reads, writes and compares records.

use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use subtle::ConstantTimeEq;

pub const SCHEME: &str = "pbkdf2-sha256-chain";
pub const ROUNDS: u32 = 6;
pub const ITERATIONS: u32 = 100_000;
pub const SALT_BYTES: usize = 16;
pub const HASH_BYTES: usize = 32;
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Bounds the work an attacker can make the KDF do with a huge input.
pub const MAX_PASSWORD_BYTES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRecord {
    pub rounds: u32,
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl PasswordRecord {
    /// `pbkdf2-sha256-chain$6$100000$<salt base64>$<hash base64>`.
    pub fn encode(&self) -> String {
        format!(
            "{SCHEME}${}${}${}${}",
            self.rounds,
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(&self.hash)
        )
    }

    /// Reads a stored record; `None` for anything malformed or with work
    /// factors outside what workerd can compute (a tampered row must not make
    /// the Worker spin).
    pub fn parse(stored: &str) -> Option<PasswordRecord> {
        let mut parts = stored.split('$');
        if parts.next()? != SCHEME {
            return None;
        }
        let rounds: u32 = parts.next()?.parse().ok()?;
        let iterations: u32 = parts.next()?.parse().ok()?;
        let salt = B64.decode(parts.next()?).ok()?;
        let hash = B64.decode(parts.next()?).ok()?;
        if parts.next().is_some()
            || !(1..=10).contains(&rounds)
            || !(1_000..=ITERATIONS).contains(&iterations)
            || salt.len() < 8
            || hash.len() != HASH_BYTES
        {
            return None;
        }
        Some(PasswordRecord {
            rounds,
            iterations,
            salt,
            hash,
        })
    }

    /// Compares a freshly derived hash with the stored one in constant time.
    pub fn matches(&self, derived: &[u8]) -> bool {
        derived.len() == self.hash.len() && bool::from(self.hash.ct_eq(derived))
    }
}

/// A new password must be long enough to resist guessing and short enough to
/// bound the KDF's input.
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err("kata sandi minimal 10 karakter");
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err("kata sandi terlalu panjang");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chain computed natively with the RustCrypto `pbkdf2` crate: the
    /// same construction the Worker runs in WebCrypto and the seed script in
    /// Node.
    fn chain(password: &[u8], salt: &[u8], rounds: u32, iterations: u32) -> Vec<u8> {
        let mut salt = salt.to_vec();
        for _ in 0..rounds {
            let mut out = [0u8; HASH_BYTES];
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &salt, iterations, &mut out);
            salt = out.to_vec();
        }
        salt
    }

    #[test]
    fn one_round_is_plain_pbkdf2_hmac_sha256_per_rfc_7914() {
        // RFC 7914 §11: P="passwd", S="salt", c=1 → 55ac046e56e3089f…
        let out = chain(b"passwd", b"salt", 1, 1);
        assert_eq!(&out[..8], &[0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f]);
    }

    #[test]
    fn a_record_round_trips_and_matches_only_its_own_hash() {
        let salt = b"0123456789abcdef".to_vec();
        let hash = chain(b"rahasia-sekali", &salt, 2, 1_000);
        let record = PasswordRecord {
            rounds: 2,
            iterations: 1_000,
            salt: salt.clone(),
            hash: hash.clone(),
        };
        let parsed = PasswordRecord::parse(&record.encode());
        assert_eq!(parsed.as_ref(), Some(&record));
        assert!(record.matches(&hash));
        assert!(!record.matches(&chain(b"rahasia-sekalI", &salt, 2, 1_000)));
        assert!(!record.matches(&hash[..31]));
    }

    #[test]
    fn records_with_impossible_work_factors_or_bad_encoding_are_refused() {
        let good = PasswordRecord {
            rounds: 6,
            iterations: 100_000,
            salt: vec![1; 16],
            hash: vec![2; 32],
        };
        assert!(PasswordRecord::parse(&good.encode()).is_some());
        let too_many = PasswordRecord {
            iterations: 100_001,
            ..good.clone()
        };
        assert!(PasswordRecord::parse(&too_many.encode()).is_none());
        let short_hash = PasswordRecord {
            hash: vec![2; 16],
            ..good.clone()
        };
        assert!(PasswordRecord::parse(&short_hash.encode()).is_none());
        assert!(PasswordRecord::parse("bcrypt$2b$12$xyz").is_none());
        assert!(PasswordRecord::parse(&format!("{}$extra", good.encode())).is_none());
    }

    #[test]
    fn new_passwords_need_ten_characters() {
        assert!(check_new_password("pendek").is_err());
        assert!(check_new_password("cukup-panjang").is_ok());
        assert!(check_new_password(&"x".repeat(300)).is_err());
    }
}
