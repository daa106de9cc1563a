//! Partners' API keys (the Telunjuk Sakti Android app and others): the
//! secret's one shape. A key is `pakpos_` and 64 lower-case hex digits (256
//! random bits). Only its SHA-256 is stored and looked up
//! (`app::api_keys`), so a copy of the table submits nothing; its first
//! characters are kept in clear (`prefix`) so the administrator can tell
//! keys apart.

use super::hex;

/// What every key starts with: a key pasted where a staff token belongs
/// (or the other way round) is recognisable at a glance.
pub const PREFIX: &str = "pakpos_";
/// Random bytes in a key.
pub const SECRET_BYTES: usize = 32;
/// Hex digits of the secret kept in clear, after `PREFIX`.
const SHOWN_DIGITS: usize = 8;

/// A new key (shown once) and its prefix (kept in clear).
pub fn new_key(bytes: [u8; SECRET_BYTES]) -> (String, String) {
    let secret = format!("{PREFIX}{}", hex::encode(&bytes));
    let prefix = secret[..PREFIX.len() + SHOWN_DIGITS].to_string();
    (secret, prefix)
}

/// A key as sent, surrounding spaces ignored, if it has a key's shape
/// (else nothing is looked up).
pub fn parse(raw: &str) -> Option<&str> {
    let key = raw.trim();
    let digits = key.strip_prefix(PREFIX)?;
    let well_formed = digits.len() == SECRET_BYTES * 2
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_has_the_keys_shape_and_shows_only_its_prefix() {
        let (secret, prefix) = new_key([0xab; SECRET_BYTES]);
        assert_eq!(secret, format!("pakpos_{}", "ab".repeat(32)));
        assert_eq!(prefix, "pakpos_abababab");
        assert_eq!(parse(&secret), Some(secret.as_str()));
        assert_eq!(parse(&format!(" {secret} ")), Some(secret.as_str()));
        assert_ne!(new_key([0xac; SECRET_BYTES]).0, secret);
    }

    #[test]
    fn anything_but_a_keys_shape_is_refused_before_any_lookup() {
        let good = format!("pakpos_{}", "0f".repeat(32));
        assert!(parse(&good).is_some());
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
            assert_eq!(parse(&bad), None, "{bad:?}");
        }
    }
}
