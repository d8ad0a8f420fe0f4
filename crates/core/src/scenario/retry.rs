//! Provider retry profiles: how real webhook senders retry, by name.
//!
//! `[delivery]` can name a provider instead of spelling out a schedule:
//!
//! ```toml
//! [delivery]
//! retry = "shopify"      # or "svix" (the default), "stripe", "github"
//! ```
//!
//! and one `[[strategy]]` of kind `webhook` or `hybrid` can name its own
//! (`retry = "github"`), so one run can put the four providers side by side
//! on the same workload and the same outage. Each profile is a schedule (one
//! delay per attempt, counted from the previous failure) and a timeout per
//! attempt, taken from the provider's own documentation where it publishes
//! them (`scenarios/README.md` cites each, and says what was chosen where a
//! provider publishes no exact delays).
//!
//! Its parts: [`RetryProfile`] and the raw `[delivery]` table
//! ([`DeliveryTable`]), whose `retry` and `retry_schedule` are mutually
//! exclusive.

use super::tables::DeliverySettings;
use super::text::Said;
use crate::duration::Dur;
use serde::{Deserialize, Serialize};

/// A webhook provider's retry behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetryProfile {
    /// Svix: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h;
    /// 15 s per attempt. hooklab's default.
    Svix,
    /// Stripe (live mode): exponential backoff for up to three days. Stripe
    /// publishes no delays; hooklab doubles from one minute (12 retries, the
    /// last 68 h 15 min after the first attempt).
    Stripe,
    /// GitHub: one attempt, 10 s to answer, no automatic retry.
    Github,
    /// Shopify: the first attempt and 8 retries over 4 hours, exponential;
    /// 5 s per attempt. Shopify publishes no delays; hooklab's double from
    /// one minute and add up to 4 h.
    Shopify,
}

impl RetryProfile {
    /// Every profile, in the order the docs list them.
    pub const ALL: [RetryProfile; 4] = [
        RetryProfile::Svix,
        RetryProfile::Stripe,
        RetryProfile::Github,
        RetryProfile::Shopify,
    ];

    /// The name a scenario file gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryProfile::Svix => "svix",
            RetryProfile::Stripe => "stripe",
            RetryProfile::Github => "github",
            RetryProfile::Shopify => "shopify",
        }
    }

    /// The delay before each attempt, counted from the previous failure (the
    /// first from the settlement): its length is the number of attempts.
    pub fn schedule(self) -> Vec<Dur> {
        let minutes = |ms: &[u64]| -> Vec<Dur> {
            std::iter::once(Dur::ZERO)
                .chain(ms.iter().map(|m| Dur::from_secs(m * 60)))
                .collect()
        };
        match self {
            RetryProfile::Svix => [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]
                .iter()
                .map(|s| Dur::from_secs(*s))
                .collect(),
            // 1, 2, 4, … 2,048 minutes: 4,095 minutes (68 h 15 min) in all,
            // inside Stripe's "up to three days" before jitter moves them.
            RetryProfile::Stripe => minutes(&[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024, 2_048]),
            RetryProfile::Github => vec![Dur::ZERO],
            // Doubling, rounded so the eight retries add up to 4 h exactly.
            RetryProfile::Shopify => minutes(&[1, 2, 4, 8, 15, 30, 60, 120]),
        }
    }

    /// How long one attempt may take before it counts as failed.
    pub fn timeout(self) -> Dur {
        match self {
            // Stripe publishes no timeout in its webhook guide: hooklab's
            // default, Svix's.
            RetryProfile::Svix | RetryProfile::Stripe => Dur::from_secs(15),
            RetryProfile::Github => Dur::from_secs(10),
            RetryProfile::Shopify => Dur::from_secs(5),
        }
    }

    /// `delivery` with this profile's schedule and timeout (its jitter kept).
    pub fn applied_to(self, delivery: &DeliverySettings) -> DeliverySettings {
        DeliverySettings {
            retry_schedule: self.schedule(),
            timeout_ms: self.timeout(),
            ..delivery.clone()
        }
    }
}

impl std::fmt::Display for RetryProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `[delivery]` table as written: every field optional, so a profile
/// and an explicit schedule given together can be told apart from a
/// profile alone.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeliveryTable {
    #[serde(default)]
    pub(super) retry: Option<RetryProfile>,
    #[serde(default)]
    pub(super) retry_schedule: Option<Vec<Dur>>,
    #[serde(default)]
    pub(super) timeout_ms: Option<Dur>,
    #[serde(default)]
    pub(super) jitter: Option<f64>,
}

impl DeliveryTable {
    /// The settings it means: the profile's schedule and timeout (Svix's
    /// when none is named), with an explicit `retry_schedule`, `timeout_ms`
    /// or `jitter` taking the place of the profile's.
    pub(super) fn settings(&self) -> DeliverySettings {
        let defaults = DeliverySettings::default();
        let profile = self.retry.unwrap_or(RetryProfile::Svix);
        DeliverySettings {
            retry_schedule: self
                .retry_schedule
                .clone()
                .unwrap_or_else(|| profile.schedule()),
            timeout_ms: self.timeout_ms.unwrap_or_else(|| profile.timeout()),
            jitter: self.jitter.unwrap_or(defaults.jitter),
        }
    }

    /// What is wrong with the table beyond its values: a profile and an
    /// explicit schedule given together.
    pub(super) fn problem(&self) -> Option<(&'static str, Said)> {
        let profile = self.retry?;
        self.retry_schedule.as_ref()?;
        Some((
            "delivery.retry_schedule",
            Said::new(
                format!(
                    "give either `retry = \"{profile}\"` or `retry_schedule`, not both: the profile is a schedule already"
                ),
                format!(
                    "dê `retry = \"{profile}\"` ou `retry_schedule`, não os dois: o perfil já é uma agenda de tentativas"
                ),
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(schedule: &[Dur]) -> Dur {
        Dur(schedule.iter().map(|d| d.as_us()).sum())
    }

    #[test]
    fn profiles_follow_their_providers() {
        let svix = RetryProfile::Svix.schedule();
        assert_eq!(svix, DeliverySettings::default().retry_schedule);
        assert_eq!(RetryProfile::Svix.timeout(), Dur::from_secs(15));
        assert_eq!(RetryProfile::Github.schedule(), vec![Dur::ZERO]);
        assert_eq!(RetryProfile::Github.timeout(), Dur::from_secs(10));
        let shopify = RetryProfile::Shopify.schedule();
        assert_eq!(shopify.len(), 9, "the first attempt and 8 retries");
        assert_eq!(total(&shopify), Dur::from_secs(4 * 3_600));
        assert_eq!(RetryProfile::Shopify.timeout(), Dur::from_secs(5));
        let stripe = RetryProfile::Stripe.schedule();
        assert!(total(&stripe) <= Dur::from_secs(72 * 3_600));
        assert!(total(&stripe) > Dur::from_secs(60 * 3_600));
        // Exponential: each delay doubles the one before.
        for pair in stripe[1..].windows(2) {
            assert_eq!(pair[1].as_us(), 2 * pair[0].as_us());
        }
    }

    #[test]
    fn an_explicit_field_wins_over_the_profile_and_a_schedule_conflicts() {
        let table = DeliveryTable {
            retry: Some(RetryProfile::Github),
            timeout_ms: Some(Dur::from_secs(3)),
            ..DeliveryTable::default()
        };
        let s = table.settings();
        assert_eq!(s.retry_schedule, vec![Dur::ZERO]);
        assert_eq!(s.timeout_ms, Dur::from_secs(3));
        assert!(table.problem().is_none());
        assert_eq!(
            DeliveryTable::default().settings(),
            DeliverySettings::default()
        );
        let both = DeliveryTable {
            retry: Some(RetryProfile::Stripe),
            retry_schedule: Some(vec![Dur::ZERO]),
            ..DeliveryTable::default()
        };
        let (field, said) = both.problem().unwrap();
        assert_eq!(field, "delivery.retry_schedule");
        assert!(said.en.contains("not both"), "{}", said.en);
    }

    const BASE: &str = "name = \"x\"\nseed = 1\n[workload]\norders = 10\n\
        arrival = { dist = \"fixed\", every_ms = 5 }\n\
        settle = { dist = \"fixed\", ms = 100 }\n";

    fn parse(extra: &str) -> Result<super::super::Scenario, super::super::ScenarioError> {
        super::super::Scenario::parse(&format!("{BASE}{extra}"), "x.toml")
    }

    fn problem(extra: &str) -> super::super::Problem {
        match parse(extra) {
            Err(super::super::ScenarioError::Invalid { problems, .. }) => problems[0].clone(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_file_names_a_profile_run_wide_or_per_strategy() {
        let s = parse(
            "[delivery]\nretry = \"shopify\"\n\
             [[strategy]]\nname = \"svix\"\nkind = \"webhook\"\n\
             [[strategy]]\nname = \"gh\"\nkind = \"hybrid\"\nretry = \"github\"\n\
             reconcile_after_ms = \"1m\"\nreconcile_every_ms = \"1m\"\n",
        )
        .unwrap();
        assert_eq!(s.delivery.retry_schedule, RetryProfile::Shopify.schedule());
        assert_eq!(s.delivery.timeout_ms, Dur::from_secs(5));
        let gh = s.delivery_for(&s.strategies[1]);
        assert_eq!(gh.retry_schedule, vec![Dur::ZERO]);
        assert_eq!(gh.timeout_ms, Dur::from_secs(10));
        assert_eq!(gh.jitter, s.delivery.jitter);
        assert_eq!(s.delivery_for(&s.strategies[0]), s.delivery);
    }

    #[test]
    fn bad_profiles_are_refused_at_their_line_in_both_languages() {
        use crate::lang::Lang;
        // Both a profile and a schedule: the schedule's line.
        let webhook = "[[strategy]]\nname = \"w\"\nkind = \"webhook\"\n";
        let p = problem(&format!(
            "[delivery]\nretry = \"stripe\"\nretry_schedule = [\"0s\"]\n{webhook}"
        ));
        assert_eq!(p.line, 9, "{p:?}");
        assert_eq!(p.field.as_deref(), Some("delivery.retry_schedule"));
        assert!(p.what.en.contains("not both"), "{:?}", p.what);
        assert!(p.what.pt_br.contains("não os dois"), "{:?}", p.what);
        // An unknown provider: its own line, the known ones listed.
        let p = problem(&format!("[delivery]\nretry = \"paypal\"\n{webhook}"));
        assert_eq!(p.line, 8, "{p:?}");
        let text = p.what.get(Lang::PtBr);
        assert!(text.contains("paypal") && text.contains("github"), "{text}");
        // A profile on a strategy that receives no webhooks.
        let p = problem(
            "[[strategy]]\nname = \"p\"\nkind = \"poll\"\ninterval_ms = 10\nretry = \"github\"\n",
        );
        assert_eq!(p.field.as_deref(), Some("strategy[0].retry"), "{p:?}");
        assert!(
            p.what.en.contains("\"webhook\" or \"hybrid\""),
            "{:?}",
            p.what
        );
    }
}
