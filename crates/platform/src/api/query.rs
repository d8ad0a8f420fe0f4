//! The query strings of the two hottest reads (`GET /v1/payments/{id}` and
//! `GET /v1/events`), read without serde when they are plain.
//!
//! axum's `Query` runs `serde_urlencoded` under `serde_path_to_error` on
//! every request, even one with no query at all: about 2,000 instructions
//! a poll, for `?after=evt_000042&limit=100`. A poller's query is ids,
//! numbers and durations, so [`plain`] splits it itself. Anything it is not
//! sure to read exactly as `Query` would (a percent escape, a `+`, an empty
//! or repeated key, a key it does not know, a number with a sign) it leaves
//! to `Query`, so every answer, and every refusal's message, stays the same.

/// Reads a query of `key=value` pairs if every pair is plain: a key among
/// `keys`, given once, and a non-empty value of ASCII letters, digits, `_`,
/// `-` or `.`. `put(i, value)` stores the value of `keys[i]` and may refuse
/// it (`None`: not plain). `None` when the query is not plain; the caller
/// then reads it with axum's `Query`.
pub(crate) fn plain(
    query: Option<&str>,
    keys: &[&str],
    mut put: impl FnMut(usize, &str) -> Option<()>,
) -> Option<()> {
    let Some(query) = query else {
        return Some(());
    };
    if query.is_empty() {
        return Some(());
    }
    let mut seen = 0u32;
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=')?;
        let i = keys.iter().position(|k| *k == key)?;
        if seen & (1 << i) != 0 || value.is_empty() || !value.bytes().all(is_plain) {
            return None;
        }
        seen |= 1 << i;
        put(i, value)?;
    }
    Some(())
}

/// A byte that means itself in a query value (no escape, no `+` for space).
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// A plain unsigned number (ASCII digits only, so `+5` and ` 5` go to
/// `Query`, which reads them its own way).
pub(crate) fn number(value: &str) -> Option<usize> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        value.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `plain`'s reading of `query` for the keys `after`, `limit`, `wait`.
    fn read(query: Option<&str>) -> Option<(Option<String>, Option<usize>, Option<String>)> {
        let (mut after, mut limit, mut wait) = (None, None, None);
        plain(query, &["after", "limit", "wait"], |i, v| {
            match i {
                0 => after = Some(v.to_owned()),
                1 => limit = Some(number(v)?),
                _ => wait = Some(v.to_owned()),
            }
            Some(())
        })?;
        Some((after, limit, wait))
    }

    #[test]
    fn plain_queries_are_read_and_the_rest_left_to_serde() {
        assert_eq!(read(None), Some((None, None, None)));
        assert_eq!(read(Some("")), Some((None, None, None)));
        assert_eq!(
            read(Some("after=evt_000042&limit=100")),
            Some((Some("evt_000042".into()), Some(100), None))
        );
        assert_eq!(
            read(Some("limit=7&wait=30s")),
            Some((None, Some(7), Some("30s".into())))
        );
        for other in [
            "after=evt%5F1",
            "after=a+b",
            "after=",
            "limit=1&limit=2",
            "limit=+5",
            "limit=-1",
            "limit=99999999999999999999999",
            "cursor=1",
            "after",
            "a=1&&limit=2",
            "limit=1&",
        ] {
            assert_eq!(read(Some(other)), None, "{other}");
        }
    }
}
