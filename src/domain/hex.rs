//! Lower-case hexadecimal, as digests, storage keys and webhook signatures
//! are written.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `[0x0f, 0xa0]` → `"0fa0"`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The bytes of a hex string, either case; `None` for an odd length or
/// anything but hex digits.
pub fn decode(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?))
        .collect()
}

fn nibble(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bytes_are_written_as_two_lower_case_digits_each() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn odd_lengths_and_non_hex_characters_are_not_hex() {
        assert_eq!(decode("0FA0"), Some(vec![0x0f, 0xa0]));
        for bad in ["0", "0g", "+f", " 0f", "0f ", "é0"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn decoding_an_encoding_gives_the_bytes_back(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), bytes.len() * 2);
            prop_assert_eq!(decode(&text), Some(bytes));
        }
    }
}
