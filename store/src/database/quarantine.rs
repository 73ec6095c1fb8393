//! Opening the database no matter what: move an unusable file aside, or fall back to memory.
//!
//! The app must always start. A corrupt file, a file that is not a database, or one written by
//! a newer Spaces is renamed to `spaces.db.broken-<unix seconds>` (with its -wal and -shm files)
//! and a fresh database takes its place. If no file can be used at all (a read-only disk, a
//! permission problem) the app runs on an in-memory database and tells the user.

use std::path::{Path, PathBuf};

use super::Database;
use super::salvage::{self, Salvage};
use crate::clock::unix_seconds;
use crate::error::{Result, StoreError};

/// Files SQLite keeps beside the main database file; they belong to it and move with it.
const SIDECAR_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// What [`Database::open_or_quarantine`] had to do instead of a plain open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantined {
    /// The database path that could not be opened.
    pub original: PathBuf,
    /// Where the unusable file was moved, if it was moved.
    pub moved_to: Option<PathBuf>,
    /// Why the original could not be used, in words.
    pub reason: String,
    /// True when the app now runs on an in-memory database: nothing will be saved.
    pub in_memory: bool,
    /// For a damaged file: what could be copied from it into the fresh one.
    pub salvaged: Option<Salvage>,
}

impl Quarantined {
    /// One sentence for the window to show the user.
    pub fn message(&self) -> String {
        let mut message = self.situation();
        if let Some(salvaged) = &self.salvaged {
            message.push_str(&format!(" {}.", capitalized(&salvaged.summary())));
        }
        message
    }

    fn situation(&self) -> String {
        let original = self.original.display();
        match (&self.moved_to, self.in_memory) {
            (Some(moved_to), false) => format!(
                "The database {original} could not be opened ({}); it was moved to {} and a new \
                 one was started.",
                self.reason,
                moved_to.display()
            ),
            (Some(moved_to), true) => format!(
                "The database {original} could not be opened ({}); it was moved to {}, but no \
                 new file could be created, so nothing will be saved this session.",
                self.reason,
                moved_to.display()
            ),
            (None, _) => format!(
                "The database {original} could not be opened ({}); nothing will be saved this \
                 session.",
                self.reason
            ),
        }
    }
}

pub(super) fn open_or_quarantine(path: &Path) -> (Database, Option<Quarantined>) {
    let (reason, damaged) = match Database::open(path) {
        Ok(database) => match salvage::check_at_open(database.connection()) {
            Ok(()) => return (database, None),
            Err(salvage::CheckError::Damaged(findings)) => {
                (format!("it is damaged: {findings}"), true)
            }
            // The check could not run (a lock): nothing says the file is damaged.
            Err(salvage::CheckError::Failed(error)) => {
                tracing::warn!(error, "could not check the database for damage");
                return (database, None);
            }
        },
        Err(error) => {
            let damaged = error.is_damage();
            let reason = error.to_string();
            if !error.is_unusable_database() {
                tracing::error!(path = %path.display(), %error, "could not open the database");
                let report = Quarantined {
                    original: path.to_path_buf(),
                    moved_to: None,
                    reason,
                    in_memory: true,
                    salvaged: None,
                };
                return (in_memory_fallback(), Some(report));
            }
            (reason, damaged)
        }
    };
    tracing::error!(path = %path.display(), reason, "the database is unusable");
    let (database, report) = replace(path, reason, damaged);
    (database.unwrap_or_else(in_memory_fallback), Some(report))
}

/// Moves the unusable file at `path` aside and starts a fresh one there; from a `damaged`
/// file (not one of a newer Spaces, which is kept untouched for that version) everything
/// readable is copied into the fresh one. `None` when no fresh file could be made.
pub(crate) fn replace(
    path: &Path,
    reason: String,
    damaged: bool,
) -> (Option<Database>, Quarantined) {
    let mut report = Quarantined {
        original: path.to_path_buf(),
        moved_to: None,
        reason,
        in_memory: false,
        salvaged: None,
    };
    let moved_to = match move_aside(path) {
        Ok(moved_to) => moved_to,
        Err(move_error) => {
            tracing::error!(%move_error, "could not move the database aside");
            report.reason = format!("{}; moving it aside failed: {move_error}", report.reason);
            report.in_memory = true;
            return (None, report);
        }
    };
    report.moved_to = Some(moved_to.clone());
    match Database::open(path) {
        Ok(database) => {
            if damaged {
                let salvaged = salvage::salvage(&moved_to, &database);
                tracing::warn!(?salvaged, "salvaged the damaged database");
                report.salvaged = Some(salvaged);
            }
            (Some(database), report)
        }
        Err(fresh_error) => {
            tracing::error!(%fresh_error, "could not create a fresh database");
            report.reason = format!("{}; a new file failed too: {fresh_error}", report.reason);
            report.in_memory = true;
            (None, report)
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// An in-memory database with the full schema.
///
/// # Panics
///
/// Only if SQLite cannot open an empty in-memory database, which happens when the process is out
/// of memory: there is nothing sensible left to fall back to then.
fn in_memory_fallback() -> Database {
    match Database::open_in_memory() {
        Ok(database) => database,
        Err(error) => panic!("cannot open even an in-memory database: {error}"),
    }
}

/// Renames `path` and its sidecar files to `<name>.broken-<unix seconds>` (plus a counter if
/// that name is taken) and returns the new path of the main file.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let target = free_quarantine_name(path);
    std::fs::rename(path, &target)
        .map_err(|source| StoreError::io("could not move aside", path, source))?;
    for suffix in SIDECAR_SUFFIXES {
        let sidecar = with_suffix(path, suffix);
        if sidecar.exists() {
            // A stale -wal left beside a fresh file would be replayed into it, so a failure here
            // must stop the fresh start.
            std::fs::rename(&sidecar, with_suffix(&target, suffix))
                .map_err(|source| StoreError::io("could not move aside", &sidecar, source))?;
        }
    }
    tracing::warn!(from = %path.display(), to = %target.display(), "moved the database aside");
    Ok(target)
}

fn free_quarantine_name(path: &Path) -> PathBuf {
    let base = with_suffix(path, &format!(".broken-{}", unix_seconds()));
    let mut candidate = base.clone();
    let mut counter = 1;
    while candidate.exists() {
        candidate = with_suffix(&base, &format!("-{counter}"));
        counter += 1;
    }
    candidate
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use rusqlite::Connection;

    use super::*;

    fn fresh_database_works(database: &Database) {
        database
            .connection()
            .execute("INSERT INTO settings VALUES ('probe', 'ok')", [])
            .expect("fresh database is writable");
    }

    #[test]
    fn a_healthy_database_opens_without_a_report() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("spaces.db");
        let (database, report) = open_or_quarantine(&path);
        assert!(report.is_none());
        assert_eq!(database.path(), Some(path.as_path()));
    }

    #[test]
    fn a_garbage_file_is_moved_aside_and_replaced() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("spaces.db");
        let garbage = b"this is not a database, just some bytes. ".repeat(200);
        std::fs::write(&path, &garbage).expect("write garbage");

        let (database, report) = open_or_quarantine(&path);
        let report = report.expect("a report");
        assert!(!report.in_memory);
        let moved_to = report.moved_to.clone().expect("moved");
        assert!(
            moved_to.to_string_lossy().contains("spaces.db.broken-"),
            "{moved_to:?}"
        );
        assert_eq!(std::fs::read(&moved_to).expect("kept"), garbage);
        assert_eq!(database.path(), Some(path.as_path()));
        fresh_database_works(&database);
        assert!(report.message().contains("moved to"));
    }

    #[test]
    fn sidecar_files_move_with_the_database() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("spaces.db");
        for (suffix, content) in [("", "main"), ("-wal", "wal"), ("-shm", "shm")] {
            std::fs::write(with_suffix(&path, suffix), content).expect("write");
        }
        let moved_to = move_aside(&path).expect("move");
        for (suffix, content) in [("", "main"), ("-wal", "wal"), ("-shm", "shm")] {
            assert!(!with_suffix(&path, suffix).exists(), "{suffix} left behind");
            let moved = std::fs::read_to_string(with_suffix(&moved_to, suffix)).expect("moved");
            assert_eq!(moved, content);
        }
    }

    #[test]
    fn a_database_from_a_newer_build_is_moved_aside() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("spaces.db");
        drop(Database::open(&path).expect("create"));
        Connection::open(&path)
            .expect("reopen")
            .execute(
                "INSERT INTO schema_migrations VALUES (999, 'future', 'x', 0)",
                [],
            )
            .expect("pretend a newer build migrated it");

        let (database, report) = open_or_quarantine(&path);
        let report = report.expect("a report");
        assert!(report.reason.contains("newer"), "{}", report.reason);
        let moved_to = report.moved_to.expect("moved");
        let future: i64 = Connection::open(&moved_to)
            .expect("open moved")
            .query_row("SELECT max(version) FROM schema_migrations", [], |row| {
                row.get(0)
            })
            .expect("read");
        assert_eq!(future, 999, "the newer data is kept intact");
        fresh_database_works(&database);
    }

    #[test]
    fn two_quarantines_in_one_second_do_not_collide() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("spaces.db");
        for _ in 0..2 {
            std::fs::write(&path, b"garbage ".repeat(100)).expect("garbage");
            let (_database, report) = open_or_quarantine(&path);
            assert!(report.expect("report").moved_to.is_some());
        }
        let broken = std::fs::read_dir(temporary.path())
            .expect("list")
            .filter_map(|entry| entry.ok())
            .filter(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                name.contains(".broken-") && !name.ends_with("-wal") && !name.ends_with("-shm")
            })
            .count();
        assert_eq!(broken, 2);
    }

    /// A directory nobody may write to; `None` when this process ignores permissions (root).
    fn read_only_directory(parent: &Path) -> Option<PathBuf> {
        let dir = parent.join("read-only");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).expect("chmod");
        let probe = dir.join("probe");
        if std::fs::write(&probe, b"x").is_ok() {
            std::fs::remove_file(&probe).expect("remove probe");
            return None;
        }
        Some(dir)
    }

    #[test]
    fn an_unwritable_location_falls_back_to_memory_and_says_so() {
        let temporary = tempfile::tempdir().expect("tempdir");
        // Root ignores directory permissions; a path below a regular file fails for everyone.
        let path = match read_only_directory(temporary.path()) {
            Some(dir) => dir.join("spaces.db"),
            None => {
                let file = temporary.path().join("a-file");
                std::fs::write(&file, b"x").expect("file");
                file.join("spaces.db")
            }
        };
        let (database, report) = open_or_quarantine(&path);
        let report = report.expect("a report");
        assert!(report.in_memory);
        assert!(report.moved_to.is_none());
        assert!(database.path().is_none());
        assert!(report.message().contains("nothing will be saved"));
        fresh_database_works(&database);
    }
}
