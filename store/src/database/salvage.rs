//! Damage: finding it cheaply, and copying what can still be read out of a damaged file.
//!
//! A database damaged on disk (a bad sector, a stray write, garbage over some pages) is moved
//! aside like any unusable one, a fresh file takes its place, and every row that can still be
//! read is copied into it, table by table. Reading skips what it cannot read: a damaged page
//! loses the rows on it, not the rest of the table. Compressed blobs are checked as they are
//! copied, so garbage inside a page that still looks sound is left behind too.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params_from_iter};

use super::Database;
use crate::compression;

/// Tables in the order they are copied (workspaces before what refers to them).
const TABLES: &[&str] = &[
    "workspaces",
    "layouts",
    "panes",
    "settings",
    "snapshots",
    "output_chunks",
    "input_chunks",
    // The agents' sessions: kept because the agents delete their own transcripts.
    "session_files",
    "agent_sessions",
    "session_messages",
];

/// The tables that are small and that a restart cannot do without: checked at every open.
const VITAL_TABLES: &[&str] = &["workspaces", "layouts", "panes", "settings"];

/// Rows read per query while copying.
const BATCH: i64 = 256;

/// What a salvage copied and what it had to leave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Salvage {
    pub rows_copied: u64,
    /// Rows read but not copied: a blob that does not decompress, a row the fresh schema
    /// refuses.
    pub rows_bad: u64,
    /// Places where reading failed and was resumed further on (each may have lost rows).
    pub unreadable_places: u64,
    /// Tables nothing could be read from.
    pub tables_lost: Vec<&'static str>,
}

impl Salvage {
    /// One phrase for the user.
    pub fn summary(&self) -> String {
        let mut text = format!("{} records were saved from it", self.rows_copied);
        if self.unreadable_places > 0 || self.rows_bad > 0 {
            text.push_str(&format!(
                "; {} damaged places and {} damaged records could not be read",
                self.unreadable_places, self.rows_bad
            ));
        }
        if !self.tables_lost.is_empty() {
            text.push_str(&format!("; lost: {}", self.tables_lost.join(", ")));
        }
        text
    }
}

/// Why a check did not say "ok".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// SQLite found the file damaged: its findings.
    Damaged(String),
    /// The check itself could not run (a lock, an I/O error): nothing is known.
    Failed(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Damaged(findings) => write!(f, "damaged: {findings}"),
            Self::Failed(error) => write!(f, "the check failed: {error}"),
        }
    }
}

/// Runs SQLite's `quick_check` on the small tables a restart needs (milliseconds whatever
/// the size of the output history).
pub(super) fn check_vital_tables(connection: &Connection) -> std::result::Result<(), CheckError> {
    for table in VITAL_TABLES {
        quick_check(connection, Some(table))?;
    }
    Ok(())
}

/// How long the check of the whole file at open may take; a larger file is checked whole by
/// the recorder's background checker instead.
const OPEN_CHECK_BUDGET: std::time::Duration = std::time::Duration::from_millis(300);

/// The check at open: the vital tables always, then the whole file if that fits in
/// [`OPEN_CHECK_BUDGET`] (an interrupted check finds nothing: the background one goes on).
pub(super) fn check_at_open(connection: &Connection) -> std::result::Result<(), CheckError> {
    check_vital_tables(connection)?;
    // A watchdog interrupts the check when the budget is spent; it goes away with `done`.
    let interrupt = connection.get_interrupt_handle();
    let (done, finished) = crossbeam_channel::bounded::<()>(0);
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(OPEN_CHECK_BUDGET)
            == Err(crossbeam_channel::RecvTimeoutError::Timeout)
        {
            interrupt.interrupt();
        }
    });
    let whole = quick_check(connection, None);
    drop(done);
    if watchdog.join().is_err() {
        tracing::error!("the check's watchdog panicked");
    }
    match whole {
        Err(CheckError::Failed(error)) => {
            tracing::debug!(error, "the whole-file check moves to the background");
            Ok(())
        }
        other => other,
    }
}

/// SQLite's `quick_check` of one table, or of the whole file.
pub(super) fn quick_check(
    connection: &Connection,
    table: Option<&str>,
) -> std::result::Result<(), CheckError> {
    let sql = match table {
        Some(table) => format!("PRAGMA quick_check({table})"),
        None => "PRAGMA quick_check".to_owned(),
    };
    let lines: rusqlite::Result<Vec<String>> =
        connection.prepare(&sql).and_then(|mut statement| {
            statement
                .query_map([], |row| row.get::<_, String>(0))?
                .collect()
        });
    match lines {
        Ok(lines) if lines == ["ok"] => Ok(()),
        Ok(lines) => Err(CheckError::Damaged(
            lines.into_iter().take(3).collect::<Vec<_>>().join("; "),
        )),
        Err(error) if is_damage(&error) => Err(CheckError::Damaged(error.to_string())),
        Err(error) => Err(CheckError::Failed(error.to_string())),
    }
}

/// The SQLite errors that mean a damaged file.
pub(super) fn is_damage(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Copies every readable row of the damaged database at `from` into `into` (fresh, same
/// schema). Foreign keys are off meanwhile: output whose pane record was lost is kept.
pub(super) fn salvage(from: &Path, into: &Database) -> Salvage {
    let mut report = Salvage::default();
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let source = match Connection::open_with_flags(from, flags) {
        Ok(source) => source,
        Err(error) => {
            tracing::error!(%error, "the damaged database cannot be opened at all");
            report.tables_lost = TABLES.to_vec();
            return report;
        }
    };
    if let Err(error) = source.pragma_update(None, "query_only", true) {
        tracing::warn!(%error, "could not make the damaged database read-only");
    }
    let target = into.connection();
    if let Err(error) = target.pragma_update(None, "foreign_keys", false) {
        tracing::warn!(%error, "foreign keys stay on while salvaging");
    }
    for table in TABLES {
        let places_before = report.unreadable_places;
        let copied = copy_table(&source, target, table, &mut report);
        let damaged = report.unreadable_places > places_before;
        if copied == 0
            && (damaged || table_unreadable(&source, table))
            && !report.tables_lost.contains(table)
        {
            report.tables_lost.push(table);
        }
    }
    if let Err(error) = target.pragma_update(None, "foreign_keys", true) {
        tracing::error!(%error, "could not turn foreign keys back on");
    }
    report
}

/// Whether not even the first row of `table` can be read.
fn table_unreadable(source: &Connection, table: &str) -> bool {
    source
        .query_row(
            &format!("SELECT rowid FROM {table} LIMIT 1"),
            [],
            |_| Ok(()),
        )
        .map_or_else(
            |error| error != rusqlite::Error::QueryReturnedNoRows,
            |()| false,
        )
}

/// The column names of `table` in the fresh schema.
fn columns(target: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = target.prepare(&format!("PRAGMA table_info({table})"))?;
    statement
        .query_map([], |row| row.get::<_, String>(1))?
        .collect()
}

/// Copies the readable rows of one table; returns how many.
fn copy_table(
    source: &Connection,
    target: &Connection,
    table: &'static str,
    report: &mut Salvage,
) -> u64 {
    let Ok(columns) = columns(target, table) else {
        report.tables_lost.push(table);
        return 0;
    };
    let list = columns.join(", ");
    let select =
        format!("SELECT rowid, {list} FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT {BATCH}");
    let placeholders = vec!["?"; columns.len()].join(", ");
    let insert = format!("INSERT OR IGNORE INTO {table} ({list}) VALUES ({placeholders})");
    let mut after = i64::MIN;
    let mut copied = 0;
    loop {
        let (rows, failed) = read_batch(source, &select, after, columns.len());
        if let Some((rowid, _)) = rows.last() {
            after = *rowid;
        }
        let read = rows.len();
        for (_, row) in rows {
            if !row_is_sound(table, &columns, &row) {
                report.rows_bad += 1;
                continue;
            }
            match target.execute(&insert, params_from_iter(row)) {
                Ok(_) => {
                    copied += 1;
                    report.rows_copied += 1;
                }
                Err(_) => report.rows_bad += 1,
            }
        }
        if failed {
            report.unreadable_places += 1;
            match next_readable(source, table, after) {
                Some(resume) => after = resume,
                None => break,
            }
        } else if read < BATCH as usize {
            break;
        }
    }
    copied
}

/// Reads up to [`BATCH`] rows after `after`; the flag says reading stopped at damage.
fn read_batch(
    source: &Connection,
    select: &str,
    after: i64,
    columns: usize,
) -> (Vec<(i64, Vec<Value>)>, bool) {
    let mut out = Vec::new();
    let Ok(mut statement) = source.prepare_cached(select) else {
        return (out, true);
    };
    let Ok(mut rows) = statement.query([after]) else {
        return (out, true);
    };
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let values: rusqlite::Result<Vec<Value>> = (0..=columns)
                    .map(|index| row.get::<_, Value>(index))
                    .collect();
                match values {
                    Ok(mut values) => {
                        let rowid = match values.remove(0) {
                            Value::Integer(rowid) => rowid,
                            _ => return (out, true),
                        };
                        out.push((rowid, values));
                    }
                    Err(_) => return (out, true),
                }
            }
            Ok(None) => return (out, false),
            Err(_) => return (out, true),
        }
    }
}

/// Where reading can go on after damage past `after`: probes ever further rowids until a
/// seek succeeds. `None` when nothing further can be read.
fn next_readable(source: &Connection, table: &str, after: i64) -> Option<i64> {
    let probe = format!("SELECT rowid FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT 1");
    let mut skip: i64 = 1;
    while skip < (1 << 62) {
        let from = after.saturating_add(skip);
        match source.query_row(&probe, [from], |row| row.get::<_, i64>(0)) {
            // Resume just before the first readable row found.
            Ok(rowid) => return Some(rowid - 1),
            Err(rusqlite::Error::QueryReturnedNoRows) => return None,
            Err(_) => skip = skip.saturating_mul(2),
        }
        if from == i64::MAX {
            return None;
        }
    }
    None
}

/// Blobs that must decompress to their stated length do.
fn row_is_sound(table: &str, columns: &[String], row: &[Value]) -> bool {
    if !matches!(table, "output_chunks" | "snapshots") {
        return true;
    }
    let column = |name: &str| {
        columns
            .iter()
            .position(|column| column == name)
            .and_then(|index| row.get(index))
    };
    match (column("raw_len"), column("data")) {
        (Some(Value::Integer(raw_len)), Some(Value::Blob(data))) => usize::try_from(*raw_len)
            .ok()
            .is_some_and(|raw_len| compression::decompress(data, raw_len).is_ok()),
        _ => false,
    }
}
