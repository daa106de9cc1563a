//! The check symbol of the codes people copy by hand — the registration
//! number (`ABCD-EFGHK`) and the complaint ticket (`ADU-XXXXXXC`): one
//! alphabet without look-alike symbols, one forgiving reading of what was
//! typed, and one weighted check symbol modulo 31 that catches every single
//! wrong symbol and every swap of two different symbols before a typo reaches
//! the database. The identifiers add only their length and layout.

/// The 31 symbols, in value order. 31 is prime, which is what makes the
/// weighted check catch every transposition; 0/O, I/L/1 and U/V are left out
/// because they are misread on paper and over the phone.
pub const ALPHABET: &str = "123456789ABCDEFGHJKMNPQRSTVWXYZ";

const BASE: u32 = 31;

/// 248 = 8 × 31: bytes below it hit every symbol exactly 8 times; keeping the
/// 8 bytes above would make symbols 0..=7 slightly more likely.
const UNBIASED_BYTE_LIMIT: u8 = 248;

/// Why typed text is not a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// A symbol outside the alphabet, or not exactly the code's length.
    Format,
    /// Well formed, but the check symbol does not match: a typo.
    Check,
}

/// `N` symbols, the last of which is the check symbol, chosen so that
/// `sum(position × value) ≡ 0 (mod 31)` over positions `1..=N`. Distinct
/// non-zero weights modulo a prime mean that any single wrong symbol and any
/// swap of two different symbols change the sum. That holds while every
/// weight is below 31, so `N` is at most 30 (checked at compile time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckedCode<const N: usize>([u8; N]);

impl<const N: usize> CheckedCode<N> {
    /// At least one data symbol, and every weight `1..=N` non-zero mod 31.
    const LENGTH_IS_CHECKABLE: () = assert!(N >= 2 && N <= 30, "a checked code has 2..=30 symbols");

    /// The inverse of the check position's weight modulo 31 (for N = 9:
    /// 9 × 7 = 63 = 2 × 31 + 1, so 7).
    const INVERSE_OF_CHECK_WEIGHT: u32 = inverse_mod_31(N as u32);

    /// Draws `N - 1` uniform symbols from `next_byte`, which must be a
    /// cryptographically secure source (codes must not be guessable), and
    /// appends the check symbol. Bytes ≥ 248 are skipped, so a source that
    /// only ever returns those never ends.
    pub fn generate(mut next_byte: impl FnMut() -> u8) -> Self {
        let () = Self::LENGTH_IS_CHECKABLE;
        let mut values = [0u8; N];
        for slot in values.iter_mut().take(N - 1) {
            *slot = loop {
                let b = next_byte();
                if b < UNBIASED_BYTE_LIMIT {
                    break b % 31;
                }
            };
        }
        let partial = weighted_sum_mod_31(&values[..N - 1]);
        // N·c ≡ −partial (mod 31)  ⇒  c = inverse(N)·(31 − partial) mod 31,
        // always < 31, so the cast keeps every bit.
        values[N - 1] = ((BASE - partial) * Self::INVERSE_OF_CHECK_WEIGHT % BASE) as u8;
        Self(values)
    }

    /// Reads typed symbols, forgiving how people type: case, spaces and
    /// dashes are ignored, and I/L are read as 1 because that is what they
    /// were meant to be. Anything else outside the alphabet, or a count
    /// other than `N`, is [`ReadError::Format`]; a wrong check symbol is
    /// [`ReadError::Check`]. The caller trims and strips its own prefix.
    pub fn read(typed: &str) -> Result<Self, ReadError> {
        let () = Self::LENGTH_IS_CHECKABLE;
        let mut values = [0u8; N];
        let mut count = 0;
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'I' | 'L' => '1',
                other => other,
            };
            // Stops at the first symbol too many, so a long input costs nothing.
            let slot = values.get_mut(count).ok_or(ReadError::Format)?;
            *slot = value_of(c).ok_or(ReadError::Format)?;
            count += 1;
        }
        if count != N {
            return Err(ReadError::Format);
        }
        if weighted_sum_mod_31(&values) != 0 {
            return Err(ReadError::Check);
        }
        Ok(Self(values))
    }

    /// The symbols in canonical form (upper case, no separators).
    pub fn symbols(&self) -> impl Iterator<Item = char> + '_ {
        self.0.iter().map(|&v| symbol_of(v))
    }
}

fn value_of(symbol: char) -> Option<u8> {
    ALPHABET
        .chars()
        .position(|a| a == symbol)
        .and_then(|i| u8::try_from(i).ok())
}

fn symbol_of(value: u8) -> char {
    ALPHABET
        .as_bytes()
        .get(usize::from(value))
        .map_or('?', |&b| char::from(b))
}

fn weighted_sum_mod_31(values: &[u8]) -> u32 {
    values
        .iter()
        .zip(1u32..)
        .map(|(&v, w)| w * u32::from(v))
        .sum::<u32>()
        % BASE
}

/// `x` with `w · x ≡ 1 (mod 31)`; 0 when `w` is a multiple of 31, which the
/// length check rules out.
const fn inverse_mod_31(w: u32) -> u32 {
    let mut x = 1;
    while x < BASE {
        if w * x % BASE == 1 {
            return x;
        }
        x += 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `bytes` in order, then zeros, so the closure never needs to panic.
    fn byte_source(bytes: Vec<u8>) -> impl FnMut() -> u8 {
        let mut it = bytes.into_iter();
        move || it.next().unwrap_or(0)
    }

    fn text<const N: usize>(code: &CheckedCode<N>) -> Vec<char> {
        code.symbols().collect()
    }

    fn read<const N: usize>(symbols: &[char]) -> Result<CheckedCode<N>, ReadError> {
        CheckedCode::<N>::read(&symbols.iter().collect::<String>())
    }

    /// Tries every single substitution and every swap of two unequal symbols.
    fn assert_every_typo_is_caught<const N: usize>(code: &CheckedCode<N>) {
        let original = text(code);
        assert_eq!(read::<N>(&original).as_ref(), Ok(code));
        for pos in 0..N {
            for symbol in ALPHABET.chars().filter(|&s| s != original[pos]) {
                let mut typo = original.clone();
                typo[pos] = symbol;
                assert_eq!(read::<N>(&typo), Err(ReadError::Check), "{typo:?}");
            }
        }
        for i in 0..N {
            for j in (i + 1..N).filter(|&j| original[i] != original[j]) {
                let mut typo = original.clone();
                typo.swap(i, j);
                assert_eq!(read::<N>(&typo), Err(ReadError::Check), "{typo:?}");
            }
        }
    }

    #[test]
    fn the_alphabet_has_31_distinct_symbols_and_no_confusable_ones() {
        let mut symbols: Vec<char> = ALPHABET.chars().collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), 31);
        assert!(!symbols.iter().any(|c| "0ILOU".contains(*c)));
    }

    #[test]
    fn every_weight_of_a_checkable_length_has_an_inverse_mod_31() {
        for w in 1..31 {
            assert_eq!(w * inverse_mod_31(w) % 31, 1, "weight {w}");
        }
    }

    #[test]
    fn every_single_substitution_and_every_swap_is_caught_at_each_length_in_use() {
        for bytes in [
            vec![0, 1, 2, 30, 0, 0, 7, 30],
            vec![30; 8],
            vec![0; 8],
            (9..17).collect(),
            vec![3, 14, 15, 92, 65, 35],
        ] {
            // Ticket bodies (6 + 1) and registration numbers (8 + 1).
            assert_every_typo_is_caught(&CheckedCode::<7>::generate(byte_source(bytes.clone())));
            assert_every_typo_is_caught(&CheckedCode::<9>::generate(byte_source(bytes)));
        }
    }

    #[test]
    fn the_shortest_and_longest_checkable_codes_catch_every_typo_too() {
        for start in [0u8, 1, 30, 200] {
            let bytes: Vec<u8> = (0..30u8)
                .map(|k| start.wrapping_add(k.wrapping_mul(37)))
                .collect();
            assert_every_typo_is_caught(&CheckedCode::<2>::generate(byte_source(bytes.clone())));
            assert_every_typo_is_caught(&CheckedCode::<30>::generate(byte_source(bytes)));
        }
    }

    #[test]
    fn reading_forgives_case_spaces_dashes_and_i_or_l_for_one() {
        let code = CheckedCode::<9>::read("123Z118ZV");
        assert!(code.is_ok());
        for typed in [
            "123Z-118ZV",
            "123z118zv",
            "i23z-ll8zv",
            "1 2 3 Z - 1 1 8 Z V",
        ] {
            assert_eq!(CheckedCode::<9>::read(typed), code, "{typed:?}");
        }
    }

    #[test]
    fn foreign_symbols_and_wrong_lengths_are_a_format_error_not_a_typo() {
        for bad in [
            "",
            "023Z118ZV",
            "O23Z118ZV",
            "U23Z118ZV",
            "123Z118Z",
            "123Z118ZVV",
            "123Z_118ZV",
            "123Z118ZÉ",
            "\t123Z118ZV",
        ] {
            assert_eq!(
                CheckedCode::<9>::read(bad),
                Err(ReadError::Format),
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn generated_codes_read_back_as_themselves(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let short = CheckedCode::<7>::generate(byte_source(bytes.clone()));
            prop_assert_eq!(CheckedCode::<7>::read(&text(&short).iter().collect::<String>()), Ok(short));
            let long = CheckedCode::<9>::generate(byte_source(bytes));
            prop_assert_eq!(CheckedCode::<9>::read(&text(&long).iter().collect::<String>()), Ok(long));
        }

        #[test]
        fn any_typo_in_a_random_code_is_caught(values in proptest::collection::vec(0u8..31, 8)) {
            assert_every_typo_is_caught(&CheckedCode::<7>::generate(byte_source(values.clone())));
            assert_every_typo_is_caught(&CheckedCode::<9>::generate(byte_source(values)));
        }

        #[test]
        fn reading_never_panics(s in prop_oneof![any::<String>(), "[0-9A-Z ILil\\-é]{0,40}"]) {
            let _ = CheckedCode::<7>::read(&s);
            let _ = CheckedCode::<9>::read(&s);
        }
    }
}
