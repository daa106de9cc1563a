//! Numbers as Indonesian readers write them, with a dot between thousands.
//! Here rather than in the pages because the export's refusal message
//! states its row limit this way too.

/// "1.230.000": thousands separated by dots, as Indonesians write them.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Rupiah as Indonesians write it: "Rp10.000".
pub fn rupiah(amount: i64) -> String {
    format!("Rp{}", thousands(amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_with_indonesian_thousand_separators() {
        assert_eq!(rupiah(1_230_000), "Rp1.230.000");
        assert_eq!(rupiah(10_000), "Rp10.000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20_000), "20.000");
    }
}
