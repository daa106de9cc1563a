//! RFC 4180 CSV for spreadsheets, guarded against formula injection.
//!
//! It lives in `app` rather than beside the download handler because what
//! it guards is the file's content, not its transport: a cell that a
//! spreadsheet would run as a formula is a data-safety rule of the export,
//! like masking personal data, and every edge that serves the export must
//! serve the same defused file. It is pure (no I/O) and knows nothing of
//! applications.

use std::borrow::Cow;

/// Excel reads a file without a byte-order mark as the local code page.
pub const BOM: &str = "\u{feff}";

pub enum Cell {
    /// Anything people typed: quoted as needed, and a leading = + - @
    /// (or tab/CR) is defused with a quote so a spreadsheet never runs
    /// it as a formula.
    Text(String),
    /// A validated identifier (NIK, phone number: digits, `+` and the
    /// mask's `*` only) written as the formula `="…"`, so Excel keeps it
    /// as text: a 16-digit NIK would otherwise be rounded to 15
    /// significant digits and a phone number lose its `+`. Nothing else
    /// can get into the string literal, so the formula computes nothing.
    Identifier(String),
}

pub fn cell(c: &Cell) -> String {
    match c {
        Cell::Identifier(v)
            if !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'+' || b == b'*') =>
        {
            format!("\"=\"\"{v}\"\"\"")
        }
        Cell::Identifier(v) | Cell::Text(v) => quote(&guard(v)).into_owned(),
    }
}

pub fn guard(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

pub fn quote(value: &str) -> Cow<'_, str> {
    if value.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

/// One record, CRLF-terminated as RFC 4180 says.
pub fn line(cells: &[Cell]) -> String {
    let mut out = cells.iter().map(cell).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_quotes_or_line_breaks_are_quoted_and_quotes_doubled() {
        use Cell::Text;
        let line = line(&[
            Text("plain".into()),
            Text("a,b".into()),
            Text("say \"hi\"".into()),
            Text("two\nlines".into()),
        ]);
        assert_eq!(line, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_a_formula_are_defused() {
        use Cell::Text;
        for bad in ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx"] {
            let got = cell(&Text(bad.into()));
            assert!(
                got.starts_with('\'') || got.starts_with("\"'"),
                "{bad:?} became {got:?}"
            );
        }
        // The quote goes inside the field's own quotes when both are needed.
        assert_eq!(cell(&Text("=1,2".into())), "\"'=1,2\"");
        assert_eq!(cell(&Text("Sri Lestari".into())), "Sri Lestari");
    }

    #[test]
    fn nik_and_phone_are_kept_as_text_for_excel_but_nothing_else_becomes_a_formula() {
        use Cell::Identifier;
        assert_eq!(
            cell(&Identifier("3312014502900001".into())),
            "\"=\"\"3312014502900001\"\"\""
        );
        assert_eq!(
            cell(&Identifier("+62812****890".into())),
            "\"=\"\"+62812****890\"\"\""
        );
        assert_eq!(
            cell(&Identifier("=cmd|' /C calc'!A0".into())),
            "'=cmd|' /C calc'!A0"
        );
        assert_eq!(cell(&Identifier("1\"&A1&\"".into())), "\"1\"\"&A1&\"\"\"");
    }
}
