//! The one error type of the store crate.

use std::path::PathBuf;

use crate::ids::PaneId;

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything that can go wrong while storing or reading Spaces data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// A file or directory operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// The data directory exists and other users can write to it (`/tmp`, a group share):
    /// Spaces will not keep private data there, and does not change its mode either.
    #[error(
        "{} is writable by other users (mode {mode:o}); Spaces keeps its data only in a private directory: use --data-dir with another one, or make this one private (chmod 700 {})",
        path.display(),
        path.display()
    )]
    UnsafeDirectory { path: PathBuf, mode: u32 },

    /// A migration that was already applied has different text now. Migrations are append-only:
    /// the fix is a new migration, never an edit of an old one.
    #[error("migration {version} was changed after it had been applied to this database")]
    MigrationChanged { version: i64 },

    /// The database was written by a newer Spaces than this one.
    #[error("database schema version {found} is newer than this build knows (up to {known})")]
    NewerSchema { found: i64, known: i64 },

    /// A read-only connection found a database that has not been migrated yet.
    #[error("database schema version {found} is older than this build needs ({expected})")]
    OlderSchema { found: i64, expected: i64 },

    /// The list of migrations compiled into the binary is malformed (a programming error).
    #[error("invalid migration list: {0}")]
    InvalidMigrations(String),

    /// zstd failed to compress or decompress.
    #[error("compression error: {0}")]
    Compression(#[source] std::io::Error),

    /// A stored value could not be decoded.
    #[error("stored data is corrupt: {0}")]
    CorruptData(String),

    /// A JSON column could not be encoded or decoded.
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),

    /// The recorded output of a pane has a hole or an overlap.
    #[error("output of pane {pane} is not contiguous: expected offset {expected}, found {found}")]
    OutputGap {
        pane: PaneId,
        expected: u64,
        found: u64,
    },

    /// The recorder's writer thread is gone, so nothing more can be recorded.
    #[error("the recorder has stopped")]
    RecorderStopped,

    /// The recorder could not commit what it was given (for example, the disk is full). The data
    /// is still held in memory and retried.
    #[error("the recorder could not write: {0}")]
    RecorderWrite(String),
}

impl StoreError {
    /// Builds an [`StoreError::Io`] for `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when the error says the database file itself is unusable (corrupt, not a database,
    /// or from a newer build), so moving it aside and starting fresh is the way forward.
    /// SQLite found the file damaged (corrupt pages, or not a database at all).
    pub fn is_damage(&self) -> bool {
        match self {
            Self::Sqlite(error) => matches!(
                error.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ),
            _ => false,
        }
    }

    /// The disk (or the file's page quota) is full: the write may succeed once space returns.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Self::Sqlite(error) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull))
    }

    pub fn is_unusable_database(&self) -> bool {
        match self {
            Self::Sqlite(error) => matches!(
                error.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ),
            Self::NewerSchema { .. } => true,
            _ => false,
        }
    }
}
