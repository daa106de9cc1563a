//! Instants as D1 stores them: ISO-8601 UTC text with milliseconds
//! (`2026-11-28T01:02:03.456Z`), so text order is time order and a range
//! scan on an index is a time range. A row field of this type is parsed
//! when the row is read (a malformed one is a corrupt row, not a string
//! passed along), and serialises back to exactly the stored text.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn at(self) -> DateTime<Utc> {
        self.0
    }

    /// The stored text.
    pub fn text(self) -> String {
        platform::timestamp(self.0)
    }

    pub fn parse(text: &str) -> Option<Timestamp> {
        crate::domain::time::parse_rfc3339(text).map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an ISO-8601 instant: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_instant_reads_and_writes_back_as_the_same_text() {
        for text in ["2026-11-28T01:02:03.456Z", "2026-11-28T01:02:03.000Z"] {
            let t: Timestamp = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(serde_json::to_value(t).unwrap(), serde_json::json!(text));
        }
    }

    #[test]
    fn a_malformed_instant_is_refused_not_passed_along() {
        assert!(serde_json::from_value::<Timestamp>(serde_json::json!("kemarin")).is_err());
        assert!(serde_json::from_value::<Timestamp>(serde_json::json!("2026-13-01")).is_err());
    }
}
