//! Partners' API keys (the Telunjuk Sakti Android app and others): the
//! secret's one shape and what is stored of it. A key is `pakpos_` and 64
//! lower-case hex digits (256 random bits). Only its SHA-256 is stored and
//! looked up, so a copy of the table submits nothing; its first characters
//! are kept in clear (`prefix`) so the administrator can tell keys apart.

use sha2::{Digest, Sha256};

use super::hex;

/// What every key starts with: a key pasted where a staff token belongs
/// (or the other way round) is recognisable at a glance.
pub const PREFIX: &str = "pakpos_";
/// Random bytes in a key.
pub const SECRET_BYTES: usize = 32;
/// Hex digits of the secret kept in clear, after `PREFIX`.
const SHOWN_DIGITS: usize = 8;

/// A new key: the secret (shown once), its hash and its shown prefix.
pub struct NewKey {
    pub secret: String,
    pub sha256: String,
    pub prefix: String,
}

impl NewKey {
    pub fn from_random(bytes: [u8; SECRET_BYTES]) -> NewKey {
        let secret = format!("{PREFIX}{}", hex::encode(&bytes));
        NewKey {
            sha256: sha256(&secret),
            prefix: secret[..PREFIX.len() + SHOWN_DIGITS].to_string(),
            secret,
        }
    }
}

fn sha256(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes()))
}

/// The stored hash of a key as sent (surrounding spaces ignored), or `None`
/// when it is not a key's shape at all (then nothing is looked up).
pub fn hash_of(raw: &str) -> Option<String> {
    let key = raw.trim();
    let digits = key.strip_prefix(PREFIX)?;
    let well_formed = digits.len() == SECRET_BYTES * 2
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then(|| sha256(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_found_again_by_its_hash_and_shows_only_its_prefix() {
        let key = NewKey::from_random([0xab; SECRET_BYTES]);
        assert_eq!(key.secret, format!("pakpos_{}", "ab".repeat(32)));
        assert_eq!(key.prefix, "pakpos_abababab");
        assert_eq!(key.sha256.len(), 64);
        assert_eq!(hash_of(&key.secret), Some(key.sha256.clone()));
        assert_eq!(hash_of(&format!(" {} ", key.secret)), Some(key.sha256));
        let other = NewKey::from_random([0xac; SECRET_BYTES]);
        assert_ne!(hash_of(&other.secret), hash_of(&key.secret));
    }

    #[test]
    fn anything_but_a_keys_shape_is_refused_before_any_lookup() {
        let good = format!("pakpos_{}", "0f".repeat(32));
        assert!(hash_of(&good).is_some());
        for bad in [
            String::new(),
            "pakpos_".into(),
            "0f".repeat(32),
            good.to_uppercase(),
            format!("pakpos_{}", "0f".repeat(31)),
            format!("{good}0"),
            format!("pakpos-{}", "0f".repeat(32)),
            format!("pakpos_{}g", "0f".repeat(31)),
            format!("Bearer {good}"),
        ] {
            assert_eq!(hash_of(&bad), None, "{bad:?}");
        }
    }
}
