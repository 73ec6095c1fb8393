//! The damage checker: a thread that looks at the database file with a fresh read-only
//! connection now and then, and tells the writer when SQLite finds it damaged. The writer
//! then replaces the file (see `Writer::recover`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::DamageChecks;
use crate::database::{CheckError, Database};
use crate::error::{Result, StoreError};

/// How often the checker looks whether the writer has stopped.
const POLL: Duration = Duration::from_millis(200);

/// What the checker found, for the writer to take; and the writer's word that it stopped.
#[derive(Debug, Default)]
pub(super) struct DamageReport {
    findings: Mutex<Option<String>>,
    stopped: AtomicBool,
}

impl DamageReport {
    /// The findings of a check that failed, once.
    pub(super) fn take(&self) -> Option<String> {
        self.findings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(super) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
    }

    fn report(&self, findings: String) {
        *self.findings.lock().unwrap_or_else(PoisonError::into_inner) = Some(findings);
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }
}

pub(super) fn start(path: PathBuf, checks: DamageChecks, report: Arc<DamageReport>) -> Result<()> {
    std::thread::Builder::new()
        .name("store-check".to_owned())
        .spawn(move || run(&path, checks, &report))
        .map(drop)
        .map_err(|source| StoreError::io("could not start thread", "store-check", source))
}

fn run(path: &std::path::Path, checks: DamageChecks, report: &DamageReport) {
    let started = Instant::now();
    let mut next_vital = started + checks.vital_every;
    let mut full_done = false;
    while !report.is_stopped() {
        std::thread::sleep(POLL);
        let now = Instant::now();
        let full_due = !full_done && now >= started + checks.full_after;
        if !full_due && now < next_vital {
            continue;
        }
        // A file the writer is replacing right now is not there for a moment: no finding.
        if !path.exists() {
            continue;
        }
        let result = if full_due {
            full_done = true;
            Database::quick_check_file(path)
        } else {
            next_vital = now + checks.vital_every;
            Database::check_vital_tables_of_file(path)
        };
        match result {
            Ok(()) => {}
            Err(CheckError::Damaged(findings)) => {
                tracing::error!(findings, "the database file is damaged");
                report.report(findings);
                // The writer replaces the file; the next checks look at the new one.
                full_done = false;
            }
            Err(CheckError::Failed(error)) => tracing::debug!(error, "damage check skipped"),
        }
    }
}
