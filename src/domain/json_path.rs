//! Where in a JSON text a parse error happened, as a field path
//! (`applicant.nik`, `services[1]`), so a 400 names the field. serde_json
//! reports a line and column; this walks the text up to that point. One
//! small function instead of a path-tracking wrapper around every body
//! type's deserializer (which cost ~45 KB of wasm).

/// serde_json's error, prefixed with the path of the value it is about
/// (`applicant.nik: invalid type: …`), or with "JSON tidak valid" when it is
/// about the text as a whole.
pub fn describe(text: &[u8], error: &serde_json::Error) -> String {
    let path = path_at(text, offset(text, error.line(), error.column()));
    if path.is_empty() {
        format!("JSON tidak valid: {error}")
    } else {
        format!("{path}: {error}")
    }
}

/// The byte offset of a 1-based line and column (serde_json counts columns
/// in bytes).
fn offset(text: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    (start + column).min(text.len())
}

enum Frame {
    Object { key: Option<String>, want_key: bool },
    Array(usize),
}

/// The path of the value being read at byte `at`: object keys joined by
/// `.`, array positions as `[i]`; empty at the top level.
pub fn path_at(text: &[u8], at: usize) -> String {
    let end = at.min(text.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match text[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { want_key, .. }) => *want_key = true,
                Some(Frame::Array(n)) => *n += 1,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { want_key, .. }) = stack.last_mut() {
                    *want_key = false;
                }
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object {
                    key,
                    want_key: true,
                }) = stack.last_mut()
                {
                    let stop = i.min(text.len());
                    *key = Some(String::from_utf8_lossy(&text[start..stop]).into_owned());
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        applicant: Inner,
        #[serde(default)]
        services: Vec<String>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        nik: String,
        #[serde(default)]
        name: String,
    }

    fn message(text: &str) -> String {
        let err = serde_json::from_str::<Body>(text).unwrap_err();
        describe(text.as_bytes(), &err)
    }

    #[test]
    fn a_wrongly_typed_nested_field_is_named() {
        let m = message(r#"{"applicant": {"name": "Sri, \"Ani\"", "nik": 3312}}"#);
        assert!(m.starts_with("applicant.nik: invalid type"), "{m}");
    }

    #[test]
    fn an_array_element_is_named_by_position() {
        let m = message(r#"{"applicant": {"nik": "1"}, "services": ["a", 2]}"#);
        assert!(m.starts_with("services[1]: invalid type"), "{m}");
    }

    #[test]
    fn an_unknown_field_is_named_and_a_missing_one_is_about_its_object() {
        let m = message(r#"{"applicant": {"nik": "1", "nama": "x"}}"#);
        assert!(m.starts_with("applicant.nama: unknown field `nama`"), "{m}");
        let m = message(r#"{"services": []}"#);
        assert!(
            m.starts_with("JSON tidak valid: missing field `applicant`"),
            "{m}"
        );
    }

    #[test]
    fn lines_are_counted_and_broken_text_is_not_a_panic() {
        let m = message("{\n  \"applicant\": {\n    \"nik\": true\n  }\n}");
        assert!(m.starts_with("applicant.nik:"), "{m}");
        for text in ["{\"a", "[\"\\", "{\"applicant\": {\"nik\": \"1\\"] {
            let _ = path_at(text.as_bytes(), text.len() + 5);
        }
    }
}
