//! `[sweep]` values, checked like written ones. The harness expands a sweep
//! (`"poll.interval_ms" = [50, 100]`) into one strategy per value; every
//! value is checked here first, at load time, where the file's text is at
//! hand, so a bad one is refused with the sweep's own line: its key must name
//! a strategy and one of its fields, and each value must make a strategy that
//! passes the same checks as a `[[strategy]]` table, under a name no other
//! strategy has.

use super::file::{ScenarioFile, StrategyTable};
use super::text::{Said, excerpt, excerpt_pt, serde_said};
use super::validate::{Found, strategy_problems};
use super::{FieldPath, PathSeg};
use crate::duration::Dur;
use crate::report::point_name;
use serde::Deserialize as _;

/// How a swept value reads in its strategy's name: durations in their
/// shortest form (`500ms`, `2s`), anything else as written. Two values with
/// the same label would give two strategies the same name.
pub fn sweep_label(field: &str, value: &toml::Value) -> String {
    if field.ends_with("_ms")
        && let Ok(d) = Dur::deserialize(value.clone())
    {
        return d.to_string();
    }
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The fields of a strategy table a sweep may set: those of its kind.
fn sweepable(table: &StrategyTable) -> Vec<String> {
    let Ok(spec) = table.to_spec() else {
        return Vec::new();
    };
    match toml::Value::try_from(&spec) {
        Ok(toml::Value::Table(t)) => t
            .keys()
            .filter(|k| *k != "name" && *k != "kind")
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

/// `table` with `field` set to `value`, read back by the scenario's own
/// deserialiser.
fn with_value(
    table: &StrategyTable,
    field: &str,
    value: &toml::Value,
) -> Result<StrategyTable, String> {
    let mut t = match toml::Value::try_from(table) {
        Ok(toml::Value::Table(t)) => t,
        Ok(_) => return Err("the strategy is not a table".to_owned()),
        Err(e) => return Err(e.to_string()),
    };
    t.insert(field.to_owned(), value.clone());
    StrategyTable::deserialize(toml::Value::Table(t)).map_err(|e| e.message().to_owned())
}

impl ScenarioFile {
    /// Everything wrong with the `[sweep]` table, each at the key or value
    /// to blame.
    pub(super) fn validate_sweep(&self) -> Vec<Found> {
        let mut out: Vec<Found> = Vec::new();
        let mut swept: Vec<(&str, &str)> = Vec::new();
        for (key, values) in &self.sweep {
            let key_path = FieldPath(vec![
                PathSeg::Key("sweep".to_owned()),
                PathSeg::Key(key.clone()),
            ]);
            let at_key = key_path.clone();
            let (k_en, k_pt) = (excerpt(key), excerpt_pt(key));
            let Some((strategy, field)) = key
                .rsplit_once('.')
                .filter(|(s, f)| !s.is_empty() && !f.is_empty())
            else {
                out.push((
                    at_key,
                    Said::new(
                        format!("key `{k_en}`: expected \"<strategy name>.<field>\", such as \"poll-200ms.interval_ms\""),
                        format!("chave `{k_pt}`: esperado \"<nome da estratégia>.<campo>\", como \"poll-200ms.interval_ms\""),
                    ),
                ));
                continue;
            };
            let Some(table) = self.strategy.iter().find(|t| t.name == strategy) else {
                let known: Vec<String> = self.strategy.iter().map(|t| excerpt(&t.name)).collect();
                out.push((
                    at_key,
                    Said::new(
                        format!(
                            "key `{k_en}`: there is no strategy named `{}` (strategies: {})",
                            excerpt(strategy),
                            known.join(", ")
                        ),
                        format!(
                            "chave `{k_pt}`: não há estratégia chamada `{}` (estratégias: {})",
                            excerpt_pt(strategy),
                            known.join(", ")
                        ),
                    ),
                ));
                continue;
            };
            if let Some((other, _)) = swept.iter().find(|(_, s)| *s == strategy) {
                out.push((
                    at_key,
                    Said::new(
                        format!(
                            "keys `{}` and `{k_en}` sweep the same strategy: sweep one field per strategy",
                            excerpt(other)
                        ),
                        format!(
                            "as chaves `{}` e `{k_pt}` variam a mesma estratégia: varie um campo por estratégia",
                            excerpt_pt(other)
                        ),
                    ),
                ));
                continue;
            }
            swept.push((key, strategy));
            if values.is_empty() {
                out.push((
                    at_key,
                    Said::new(
                        format!("key `{k_en}`: give at least one value"),
                        format!("chave `{k_pt}`: dê pelo menos um valor"),
                    ),
                ));
                continue;
            }
            let fields = sweepable(table);
            if !fields.iter().any(|f| f == field) {
                let known = if fields.is_empty() {
                    ("none".to_owned(), "nenhum".to_owned())
                } else {
                    (fields.join(", "), fields.join(", "))
                };
                out.push((
                    at_key,
                    Said::new(
                        format!(
                            "key `{k_en}`: a {} strategy has no field `{}` to sweep (fields: {})",
                            table.kind,
                            excerpt(field),
                            known.0
                        ),
                        format!(
                            "chave `{k_pt}`: uma estratégia {} não tem o campo `{}` para variar (campos: {})",
                            table.kind,
                            excerpt_pt(field),
                            known.1
                        ),
                    ),
                ));
                continue;
            }
            let mut labels: Vec<String> = Vec::new();
            for (i, value) in values.iter().enumerate() {
                let mut at = key_path.clone();
                at.0.push(PathSeg::Index(i));
                let shown = excerpt(&value.to_string());
                let prefix = |said: Said| {
                    Said::new(
                        format!("value {shown} for `{k_en}`: {}", said.en),
                        format!("valor {shown} de `{k_pt}`: {}", said.pt_br),
                    )
                };
                match with_value(table, field, value) {
                    Err(message) => {
                        out.push((at.clone(), prefix(serde_said(&message, Some(field)))))
                    }
                    Ok(point) => {
                        for (_, said) in strategy_problems(&point) {
                            out.push((at.clone(), prefix(said)));
                        }
                    }
                }
                let label = sweep_label(field, value);
                let name = point_name(strategy, field, &label);
                let shown_name = excerpt(&name);
                if labels.contains(&label) {
                    out.push((
                        at,
                        prefix(Said::new(
                            format!("an earlier value is also {label}, and both would be named `{shown_name}`: give each value once"),
                            format!("um valor anterior também é {label}, e os dois se chamariam `{shown_name}`: dê cada valor uma vez só"),
                        )),
                    ));
                } else if self.strategy.iter().any(|t| t.name == name) {
                    out.push((
                        at,
                        prefix(Said::new(
                            format!("`{shown_name}` is already the name of a strategy"),
                            format!("`{shown_name}` já é o nome de uma estratégia"),
                        )),
                    ));
                }
                labels.push(label);
            }
        }
        out
    }
}
