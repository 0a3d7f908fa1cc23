//! JSON read as serde_json's tree of values, each value then taken as the
//! type its key wants: typed deserialization would format an error message
//! for every mismatch, which links float formatting (8 KB of the page).

use serde_json::{Map, Value};

/// `text` as a JSON object.
pub(crate) fn object(text: &str) -> Result<Map<String, Value>, &'static str> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("not a JSON object"),
        Err(_) => Err("not JSON"),
    }
}

/// A whole number from 0 to `u32::MAX`; None for anything else.
pub(crate) fn whole(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|n| u32::try_from(n).ok())
}
