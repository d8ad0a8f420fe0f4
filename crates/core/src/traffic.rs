//! A one-line-per-request log of what crosses the wire, for people watching.
//!
//! When hooklab runs as two processes (`hooklab platform` in one terminal,
//! `hooklab shop` in another, as the seed's demo does), each prints a line
//! per poll, delivery, retry and rejection, so a class can watch polling
//! hammer the platform while webhooks sit quiet. In measured runs the log is
//! off, and a line is never even formatted: [`TrafficLog::line`] takes a
//! closure.

use std::sync::Arc;

/// Where traffic lines go: nowhere (the default) or a callback.
#[derive(Clone, Default)]
pub struct TrafficLog(Option<Arc<dyn Fn(String) + Send + Sync>>);

impl std::fmt::Debug for TrafficLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "TrafficLog(on)"
        } else {
            "TrafficLog(off)"
        })
    }
}

impl TrafficLog {
    /// A log that hands each line to `sink`.
    pub fn to(sink: impl Fn(String) + Send + Sync + 'static) -> Self {
        TrafficLog(Some(Arc::new(sink)))
    }

    /// Whether lines go anywhere.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Logs the line `make` builds, if the log is on.
    pub fn line(&self, make: impl FnOnce() -> String) {
        if let Some(sink) = &self.0 {
            sink(make());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn off_formats_nothing_and_on_delivers_lines() {
        let off = TrafficLog::default();
        off.line(|| unreachable!("an off log never builds its line"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let on = TrafficLog::to(move |l| sink.lock().unwrap().push(l));
        on.line(|| "poll pay_000001: pending".to_owned());
        assert_eq!(*seen.lock().unwrap(), vec!["poll pay_000001: pending"]);
    }
}
