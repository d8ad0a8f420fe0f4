//! JSON written in unusual but valid ways, for the raw-bytes and size cases.
//!
//! A signature covers bytes, not a JSON value: `{"a":1}` and `{ "a" : 1 }`
//! are the same value and different bytes. A receiver that parses the body
//! and serializes it again before verifying checks bytes the sender never
//! signed. [`unusual`] writes a value the way no serializer would by default
//! (keys in reverse order, tabs, newlines, a space before each colon, text
//! with accents left as UTF-8), so such a receiver refuses it while a correct
//! one, verifying the raw bytes, accepts it. [`padded`] grows a payload to
//! an exact size without changing what it means.

use serde_json::Value;

/// `value` as valid JSON in bytes no common serializer produces.
pub fn unusual(value: &Value) -> String {
    let mut out = String::new();
    write(value, 0, &mut out);
    out
}

fn indent(depth: usize, out: &mut String) {
    out.push('\n');
    for _ in 0..depth {
        out.push('\t');
    }
}

fn write(value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (key, item)) in map.iter().rev().enumerate() {
                if i > 0 {
                    out.push_str(" ,");
                }
                indent(depth + 1, out);
                // A `Value::String`'s Display is the key, quoted and escaped.
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push_str(" :\t");
                write(item, depth + 1, out);
            }
            indent(depth, out);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                write(item, depth + 1, out);
            }
            out.push_str(" ]");
        }
        // Scalars, `{}` and `[]`: serde_json's compact form, which leaves
        // non-ASCII text as UTF-8.
        other => out.push_str(&other.to_string()),
    }
}

/// `value` (an object) with a `padding` string added so that its compact
/// JSON is exactly `total` bytes, or as small as it can be if `total` is
/// less than the payload without padding.
pub fn padded(mut value: Value, total: usize) -> Vec<u8> {
    let Some(map) = value.as_object_mut() else {
        return value.to_string().into_bytes();
    };
    map.insert("padding".to_owned(), Value::from(""));
    let bare = value.to_string().len();
    if total > bare {
        value["padding"] = Value::from("x".repeat(total - bare));
    }
    value.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unusual_json_is_the_same_value_in_other_bytes() {
        let value = json!({
            "a": 1, "b": [1, 2.5, {"c": "pão"}], "d": {}, "e": [], "f": null,
            "quote\"d": "tab\there", "g": {"h": true}
        });
        let text = unusual(&value);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        assert_ne!(text, value.to_string());
        assert!(text.contains("pão"), "{text}");
        assert!(text.contains("\n\t\"g\" :\t{"), "{text}");
        // Reverse key order: the last key comes first.
        assert!(text.find("\"g\"").unwrap() < text.find("\"a\"").unwrap());
    }

    #[test]
    fn padding_reaches_the_exact_size_and_keeps_the_value() {
        let value = json!({"type": "payment.approved", "data": {"amount_cents": 4990}});
        for total in [200, 1 << 16] {
            let body = padded(value.clone(), total);
            assert_eq!(body.len(), total);
            let back: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(back["data"], value["data"]);
        }
        let tiny = padded(value, 3);
        assert!(tiny.len() > 3);
    }
}
