//! Keyset paging shared by the work queue, the officers' list and the
//! complaints list: a page reads one row more than it shows, and the cursor
//! after its last row is an opaque base64url of "time|key" that only this
//! server's own `next_cursor` decodes to something valid.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::AppError;

/// The 422 for a cursor this server did not hand out.
pub fn bad_cursor() -> AppError {
    AppError::invalid(
        "cursor",
        "cursor tidak valid; gunakan next_cursor dari halaman sebelumnya",
    )
}

pub fn encode(at: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}|{key}"))
}

/// The (time, key) of a cursor, unchecked: each list checks its own parts.
/// Keys never hold a `|`; the first part may (a name search's name).
pub fn decode(raw: &str) -> Result<(String, String), AppError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    let (at, key) = text.rsplit_once('|').ok_or_else(bad_cursor)?;
    Ok((at.to_string(), key.to_string()))
}

/// Keeps the first `limit` of `rows` (read with one extra) and returns the
/// cursor after the last one kept, when there is a next page.
pub fn cut<T>(rows: &mut Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() <= limit as usize {
        return None;
    }
    rows.truncate(limit as usize);
    rows.last().map(cursor_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_one_row_too_many_gets_the_cursor_of_its_last_shown_row() {
        let mut rows = vec![1, 2, 3];
        assert_eq!(cut(&mut rows, 2, |r| r.to_string()).as_deref(), Some("2"));
        assert_eq!(rows, [1, 2]);
        let mut rows = vec![1, 2];
        assert_eq!(cut(&mut rows, 2, |r| r.to_string()), None);
        assert_eq!(rows, [1, 2]);
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused_naming_cursor() {
        assert_eq!(
            decode(&encode("2026-11-28T01:02:03.456Z", "ADU-7K3QX9Y")).ok(),
            Some(("2026-11-28T01:02:03.456Z".into(), "ADU-7K3QX9Y".into()))
        );
        assert_eq!(decode("%%%").unwrap_err().field(), Some("cursor"));
        assert_eq!(
            decode(&URL_SAFE_NO_PAD.encode("no bar"))
                .unwrap_err()
                .field(),
            Some("cursor")
        );
    }
}
