//! The query strings of the two hottest reads (`GET /v1/payments/{id}` and
//! `GET /v1/events`), read without serde when they are plain.
//!
//! axum's `Query` runs `serde_urlencoded` under `serde_path_to_error` on
//! every request, even one with no query at all: about 2,000 instructions
//! a poll, for `?after=evt_000042&limit=100`. A poller's query is ids,
//! numbers and durations, so [`plain`] splits it itself. Anything it is not
//! sure to read exactly as `Query` would (a percent escape, a `+`, an empty
//! or repeated key, a key it does not know, a number with a sign) it leaves
//! to [`pairs`] (`Query`'s decoding), so every answer stays the same.
//!
//! Every refusal of a query is one status and one code on every route: 400
//! `invalid_parameter`, naming the parameter and what it takes (a key the
//! route does not know, one sent twice, a value out of range). They used to
//! be four (422 `invalid_request` from serde's words, 422 `invalid_field`
//! for a `limit` of 0, 400 `invalid_parameter` for a cursor), which a
//! client could not handle as one case. A route that takes no query refuses
//! one too ([`none`]): `/v1/events/stream?after=evt_…` resumed from now,
//! ignoring a cursor its client believed it sent.

use crate::error::ApiError;
use crate::i18n::Said;

/// A route's query parameters, each with what it takes, for the messages
/// that refuse one.
pub(crate) struct Params {
    /// The route, as messages name it: `GET /v1/events`.
    pub(crate) route: &'static str,
    /// Each parameter and what it takes, in English and in Portuguese:
    /// `("limit", "a whole number from 1 to 1000", "um número inteiro de 1 a 1000")`.
    pub(crate) takes: &'static [(&'static str, &'static str, &'static str)],
}

impl Params {
    /// The parameters as a message lists them.
    fn listed(&self) -> Said {
        match self.takes {
            [] => no_parameters(self.route),
            takes => {
                let each = |pt: bool| {
                    let each: Vec<String> = takes
                        .iter()
                        .map(|(name, en, pt_br)| {
                            format!("`{name}` ({})", if pt { pt_br } else { en })
                        })
                        .collect();
                    each.join(", ")
                };
                Said::new(
                    format!("{} takes {}", self.route, each(false)),
                    format!("{} aceita {}", self.route, each(true)),
                )
            }
        }
    }

    /// `name`'s value refused: what it takes, and what came.
    pub(crate) fn bad(&self, name: &'static str, value: &str) -> ApiError {
        let (en, pt_br) = self
            .takes
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or(("", ""), |(_, en, pt_br)| (en, pt_br));
        let value = crate::error::quoted(value);
        ApiError::BadParameter {
            name,
            message: Said::new(
                format!("must be {en}, got `{value}`"),
                format!("deve ser {pt_br}; veio `{value}`"),
            ),
        }
    }
}

/// Reads the query of `uri` as `Query` decodes it (percent escapes, `+` for
/// space), one value per parameter of `params`, in its order: a key it does
/// not take, or one given twice, is refused.
pub(crate) fn pairs(uri: &http::Uri, params: &Params) -> Result<Vec<Option<String>>, ApiError> {
    let mut values = vec![None; params.takes.len()];
    let Some(query) = uri.query() else {
        return Ok(values);
    };
    // The same decoding as `Query`'s (serde_urlencoded), into pairs.
    let axum::extract::Query(read) =
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|e| {
            let listed = params.listed();
            let query = crate::error::quoted(query);
            ApiError::BadParameter {
                name: "query",
                message: Said::new(
                    format!("`{query}` is not a query: {e}; {}", listed.en),
                    format!("`{query}` não é uma query válida: {e}; {}", listed.pt_br),
                ),
            }
        })?;
    for (key, value) in read {
        let Some(i) = params.takes.iter().position(|(name, _, _)| *name == key) else {
            let listed = params.listed();
            return Err(ApiError::UnknownParameter {
                name: key,
                message: Said::new(
                    format!("is not a parameter here: {}", listed.en),
                    format!("não é um parâmetro aqui: {}", listed.pt_br),
                ),
            });
        };
        if values[i].is_some() {
            return Err(ApiError::BadParameter {
                name: params.takes[i].0,
                message: Said::new(
                    "sent more than once; send it once",
                    "enviado mais de uma vez; envie uma vez só",
                ),
            });
        }
        values[i] = Some(value);
    }
    Ok(values)
}

/// Refuses any query on a route that takes none (see the module's docs).
pub(crate) fn none(uri: &http::Uri, route: &str) -> Result<(), ApiError> {
    let Some(query) = uri.query().filter(|q| !q.is_empty()) else {
        return Ok(());
    };
    // The first key, as `pairs` decodes it, names the refusal.
    let axum::extract::Query(read) =
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|e| {
            let query = crate::error::quoted(query);
            let none = no_parameters(route);
            ApiError::BadParameter {
                name: "query",
                message: Said::new(
                    format!("`{query}` is not a query: {e}; {}", none.en),
                    format!("`{query}` não é uma query válida: {e}; {}", none.pt_br),
                ),
            }
        })?;
    match read.into_iter().next() {
        None => Ok(()),
        Some((name, _)) => {
            let none = no_parameters(route);
            Err(ApiError::UnknownParameter {
                name,
                message: Said::new(
                    format!("is not a parameter here: {}", none.en),
                    format!("não é um parâmetro aqui: {}", none.pt_br),
                ),
            })
        }
    }
}

/// `route` takes no query parameters, in words.
fn no_parameters(route: &str) -> Said {
    Said::new(
        format!("{route} takes no query parameters"),
        format!("{route} não aceita parâmetros de query"),
    )
}

/// A route that takes no query: extracted after [`super::Caller`], it
/// refuses one ([`none`]), naming the request's method and path.
pub(crate) struct NoQuery;

impl axum::extract::FromRequestParts<std::sync::Arc<crate::Shared>> for NoQuery {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        shared: &std::sync::Arc<crate::Shared>,
    ) -> Result<Self, ApiError> {
        if parts.uri.query().is_none() {
            return Ok(NoQuery);
        }
        let route = format!("{} {}", parts.method, parts.uri.path());
        none(&parts.uri, &route)
            .map(|()| NoQuery)
            .map_err(|e| super::refuse(shared, e))
    }
}

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
