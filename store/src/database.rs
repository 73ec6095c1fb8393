//! The database handle: opening `spaces.db` with the right pragmas, permissions and schema.
//!
//! One `Database` wraps one SQLite connection. The recorder owns the only writing connection;
//! readers (UI queries, restore) open their own with [`Database::open_readonly`], which WAL
//! lets run beside the writer.

mod quarantine;
mod salvage;

#[cfg(test)]
mod damage_tests;

use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use quarantine::Quarantined;
pub(crate) use quarantine::replace as replace_unusable;
pub use salvage::{CheckError, Salvage};

use crate::error::{Result, StoreError};
use crate::migrations;

/// Permission bits of the database file: only the owner may read it (it holds terminal output).
const PRIVATE_FILE_MODE: u32 = 0o600;

/// How long a statement waits for a lock held by another connection before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open Spaces database (one SQLite connection).
#[derive(Debug)]
pub struct Database {
    connection: Connection,
    path: Option<PathBuf>,
}

impl Database {
    /// Opens (creating if needed) the database at `path` for writing: mode 0600, WAL,
    /// `synchronous=NORMAL`, foreign keys on, and every migration applied.
    pub fn open(path: &Path) -> Result<Self> {
        create_private_file(path)?;
        let connection = Connection::open(path)?;
        // SQLite opens a file it may not write read-only without a word; a writer must know.
        if connection.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::io(
                "could not open for writing",
                path,
                std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            ));
        }
        let mut database = Self {
            connection,
            path: Some(path.to_path_buf()),
        };
        database.configure_writer()?;
        migrations::migrate(&mut database.connection)?;
        Ok(database)
    }

    /// Opens a private in-memory database with the full schema: the fallback when no file can
    /// be used, and handy in tests. Nothing written to it survives the process.
    pub fn open_in_memory() -> Result<Self> {
        let mut database = Self {
            connection: Connection::open_in_memory()?,
            path: None,
        };
        database.configure_writer()?;
        migrations::migrate(&mut database.connection)?;
        Ok(database)
    }

    /// Opens an existing, already migrated database for reading only. WAL lets this connection
    /// read while the recorder writes; it sees each commit once made.
    pub fn open_readonly(path: &Path) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let connection = Connection::open_with_flags(path, flags)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection.pragma_update(None, "query_only", true)?;
        migrations::verify(&connection)?;
        Ok(Self {
            connection,
            path: Some(path.to_path_buf()),
        })
    }

    /// Opens `path`; if the file is unusable, moves it aside and starts fresh; if no file can be
    /// used at all, falls back to memory. The second value says what happened, for the window
    /// to tell the user. Never fails: the app always starts.
    pub fn open_or_quarantine(path: &Path) -> (Self, Option<Quarantined>) {
        quarantine::open_or_quarantine(path)
    }

    /// SQLite's `quick_check` of the whole file, on a connection of its own (read-only):
    /// `Err` with SQLite's findings when the file is damaged. Takes a while on a large file:
    /// the recorder runs it in the background.
    pub fn quick_check_file(path: &Path) -> std::result::Result<(), CheckError> {
        salvage::quick_check(&check_connection(path)?, None)
    }

    /// The small tables a restart needs, checked with `quick_check` on a connection of its
    /// own (milliseconds, whatever the size of the output history).
    pub fn check_vital_tables_of_file(path: &Path) -> std::result::Result<(), CheckError> {
        salvage::check_vital_tables(&check_connection(path)?)
    }

    /// The file behind this database, or `None` for an in-memory one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs SQLite's full `PRAGMA integrity_check` and returns its verdict (`"ok"` when sound).
    /// Slow on a large file: for diagnostics and tests, not for every start.
    pub fn integrity_check(&self) -> Result<String> {
        let mut statement = self.connection.prepare("PRAGMA integrity_check")?;
        let lines = statement.query_map([], |row| row.get::<_, String>(0))?;
        let lines = lines.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(lines.join("\n"))
    }

    /// The underlying connection, for the record modules of this crate.
    /// Caps the database file at `pages` pages (SQLite's `max_page_count`): writes past it fail
    /// as if the disk were full. For quotas and for testing how the app copes with a full disk.
    /// Returns the cap in force (never below the current size).
    pub fn set_max_page_count(&self, pages: u64) -> Result<u64> {
        Ok(self
            .connection()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |row| {
                row.get(0)
            })?)
    }

    /// The database size in pages.
    pub fn page_count(&self) -> Result<u64> {
        Ok(self
            .connection()
            .query_row("PRAGMA page_count", [], |row| row.get(0))?)
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    fn configure_writer(&mut self) -> Result<()> {
        let connection = &self.connection;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // journal_mode answers with the mode in force; an in-memory database stays "memory".
        let mode: String =
            connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if self.path.is_some() && !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "database did not switch to WAL");
        }
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", true)?;
        Ok(())
    }
}

/// A read-only connection for a damage check.
fn check_connection(path: &Path) -> std::result::Result<Connection, CheckError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(|error| {
        if salvage::is_damage(&error) {
            CheckError::Damaged(error.to_string())
        } else {
            CheckError::Failed(error.to_string())
        }
    })?;
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|error| CheckError::Failed(error.to_string()))?;
    Ok(connection)
}

/// Creates `path` with mode 0600 if it does not exist (SQLite gives its -wal and -shm files the
/// same mode), tightens the mode of an existing file, and creates missing parent directories
/// with mode 0700.
fn create_private_file(path: &Path) -> Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        && !parent.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|source| StoreError::io("could not create directory", parent, source))?;
    }
    // An existing file is never opened here: closing any descriptor of a database file
    // drops every POSIX lock this process holds on it, including those of the recorder's
    // connection, and another connection could then checkpoint under its readers.
    if let Ok(metadata) = std::fs::metadata(path) {
        if metadata.permissions().mode() & 0o777 != PRIVATE_FILE_MODE {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(PRIVATE_FILE_MODE))
                .map_err(|source| StoreError::io("could not make private", path, source))?;
        }
        return Ok(());
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(PRIVATE_FILE_MODE)
        .open(path)
        .map_err(|source| StoreError::io("could not open", path, source))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_new_database_is_private_and_in_wal_mode() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("nested").join("spaces.db");
        let database = Database::open(&path).expect("open");
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(mode_of(path.parent().expect("parent")), 0o700);
        let connection = database.connection();
        let mode: String = connection
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
        let synchronous: i64 = connection
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .expect("synchronous");
        assert_eq!(synchronous, 1, "NORMAL");
        let foreign_keys: i64 = connection
            .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
            .expect("foreign_keys");
        assert_eq!(foreign_keys, 1);
        assert_eq!(database.integrity_check().expect("check"), "ok");
    }

    #[test]
    fn an_existing_loose_file_is_tightened() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("spaces.db");
        drop(Database::open(&path).expect("create"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        drop(Database::open(&path).expect("reopen"));
        assert_eq!(mode_of(&path), 0o600);
    }

    #[test]
    fn tables_are_strict() {
        let database = Database::open_in_memory().expect("open");
        let result = database.connection().execute(
            "INSERT INTO settings (key, value) VALUES ('k', ?1)",
            [vec![1_u8, 2, 3]],
        );
        assert!(result.is_err(), "a blob must not fit a STRICT TEXT column");
    }

    #[test]
    fn readers_open_beside_the_writer_and_cannot_write() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("spaces.db");
        let writer = Database::open(&path).expect("writer");
        writer
            .connection()
            .execute("INSERT INTO settings VALUES ('theme', 'dark')", [])
            .expect("insert");
        let reader = Database::open_readonly(&path).expect("reader");
        let value: String = reader
            .connection()
            .query_row("SELECT value FROM settings", [], |row| row.get(0))
            .expect("read");
        assert_eq!(value, "dark");
        let write = reader
            .connection()
            .execute("INSERT INTO settings VALUES ('x', 'y')", []);
        assert!(write.is_err());
    }

    #[test]
    fn a_reader_refuses_a_database_that_was_never_migrated() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("empty.db");
        Connection::open(&path)
            .expect("create")
            .execute_batch("CREATE TABLE unrelated (x INTEGER)")
            .expect("table");
        let error = Database::open_readonly(&path).expect_err("unmigrated");
        assert!(matches!(error, StoreError::OlderSchema { found: 0, .. }));
    }
}
