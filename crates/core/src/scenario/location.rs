//! Source locations: from a field path such as `strategy[1].interval_ms` to
//! the line where it is written, and from a byte offset (where `toml` or serde
//! found a problem) back to the field that covers it. Both walk the document
//! as `toml` parsed it, with the byte span of every key and value.

use std::fmt;

/// One step of a path to a field: a key, or an index in an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    /// A table key.
    Key(String),
    /// A position in an array (0-based).
    Index(usize),
}

/// A path to a field, such as `strategy[1].interval_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<PathSeg>);

impl FieldPath {
    /// Parses `a.b[2].c`; a key with a dot in it is quoted, as in TOML:
    /// `sweep."poll.interval_ms"[0]`.
    pub fn parse(text: &str) -> Self {
        let mut segs = Vec::new();
        let mut chars = text.chars().peekable();
        let mut key = String::new();
        let push_key = |key: &mut String, segs: &mut Vec<PathSeg>| {
            if !key.is_empty() {
                segs.push(PathSeg::Key(std::mem::take(key)));
            }
        };
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    for c in chars.by_ref() {
                        if c == '"' {
                            break;
                        }
                        key.push(c);
                    }
                    segs.push(PathSeg::Key(std::mem::take(&mut key)));
                }
                '.' => push_key(&mut key, &mut segs),
                '[' => {
                    push_key(&mut key, &mut segs);
                    let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
                    if let Ok(i) = digits.parse() {
                        segs.push(PathSeg::Index(i));
                    }
                }
                c => key.push(c),
            }
        }
        push_key(&mut key, &mut segs);
        FieldPath(segs)
    }
}

/// Whether `key` can be written bare in a path (and in TOML).
fn bare(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if bare(k) {
                        f.write_str(k)?;
                    } else {
                        // Quoted as TOML quotes it; cut and escaped, as every value
                        // an error message quotes.
                        write!(f, "\"{}\"", super::text::excerpt(k).replace('"', "\\\""))?;
                    }
                }
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The field named by serde's "unknown field `x`, expected …" message.
pub(super) fn unknown_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// The 1-based line and column of byte `offset` in `text`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Where the header of the table `name` that holds `offset` starts
/// (`[strategy.retry]` for a key under it): the nearest header above
/// `offset`, when its last key is `name`.
pub(super) fn table_header_before(text: &str, offset: usize, name: &str) -> Option<usize> {
    let mut end = text.get(..offset)?.trim_end_matches(['\n', '\r']).len();
    loop {
        let start = text[..end].rfind('\n').map_or(0, |at| at + 1);
        let header = text[start..end].trim();
        if header.starts_with('[') {
            let inner = header.trim_matches(|c| c == '[' || c == ']').trim();
            let last = inner
                .rsplit('.')
                .next()
                .unwrap_or(inner)
                .trim()
                .trim_matches('"');
            return (last == name).then_some(start);
        }
        if start == 0 {
            return None;
        }
        end = start - 1;
    }
}

/// The text of 1-based line `line`, or nothing past the end.
pub(super) fn source_line(text: &str, line: usize) -> String {
    text.lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .to_owned()
}

/// The byte offset where the field at `path` is written in `text`, if it is
/// written there; otherwise the offset of its nearest written parent.
pub fn locate(text: &str, path: &FieldPath) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let mut table: &DeTable = doc.get_ref();
    let mut best: Option<usize> = None;
    let mut segs = path.0.iter().peekable();
    while let Some(seg) = segs.next() {
        let PathSeg::Key(key) = seg else { return best };
        // A field that is not written is located at its nearest written parent.
        let Some((k, v)) = table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key.as_str())
        else {
            return best;
        };
        best = Some(k.span().start);
        let mut value = v;
        while let Some(PathSeg::Index(i)) = segs.peek() {
            segs.next();
            match value.get_ref() {
                DeValue::Array(items) => match items.get(*i) {
                    Some(item) => {
                        value = item;
                        best = Some(item.span().start);
                    }
                    None => return best,
                },
                _ => return best,
            }
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return best,
        }
    }
    best
}

/// The path of the deepest field whose key or value covers `offset`.
pub fn path_at(text: &str, offset: usize) -> Option<FieldPath> {
    use toml::de::{DeTable, DeValue};
    fn walk(table: &DeTable, offset: usize, path: &mut Vec<PathSeg>) -> bool {
        for (k, v) in table.iter() {
            let ks = k.span();
            let vs = v.span();
            let covers =
                (ks.start <= offset && offset < ks.end) || (vs.start <= offset && offset < vs.end);
            let inside_table = matches!(v.get_ref(), DeValue::Table(_) | DeValue::Array(_));
            if covers || inside_table {
                path.push(PathSeg::Key(k.get_ref().to_string()));
                match v.get_ref() {
                    DeValue::Table(t) => {
                        if walk(t, offset, path) || covers {
                            return true;
                        }
                    }
                    DeValue::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            path.push(PathSeg::Index(i));
                            if let DeValue::Table(t) = item.get_ref()
                                && walk(t, offset, path)
                            {
                                return true;
                            }
                            let s = item.span();
                            if s.start <= offset && offset < s.end {
                                return true;
                            }
                            path.pop();
                        }
                        if covers {
                            return true;
                        }
                    }
                    _ => return true,
                }
                path.pop();
            }
        }
        false
    }
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    walk(doc.get_ref(), offset, &mut path);
    Some(FieldPath(path))
}

/// The key of an inline table on `line` (`settle = { dist = "fixed", ms =
/// 1e300 }`) whose value is not a duration a [`crate::duration::Dur`]
/// holds (too long, negative, not finite): the field a duration error
/// inside the table is about. `None` when the line holds no such table, or
/// no key, or several, is to blame.
pub fn refused_duration_key(line: &str) -> Option<String> {
    use crate::duration::Dur;
    let (_, value) = line.split_once('=')?;
    let value = value.trim();
    if !value.starts_with('{') {
        return None;
    }
    let table: toml::Table = toml::from_str(&format!("x = {value}")).ok()?;
    let inner = table.get("x")?.as_table()?;
    let refused: Vec<&String> = inner
        .iter()
        .filter(|(key, value)| {
            key.as_str() != "dist"
                && match value {
                    toml::Value::Integer(i) => Dur::from_ms_f64(*i as f64).is_err(),
                    toml::Value::Float(f) => Dur::from_ms_f64(*f).is_err(),
                    toml::Value::String(s) => Dur::parse(s).is_err(),
                    _ => false,
                }
        })
        .map(|(key, _)| key)
        .collect();
    match refused.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}
