//! Export and import of one workspace as a self-contained file that a teammate can read.
//!
//! The file is itself a SQLite database (format `spaces-workspace`, version
//! [`EXPORT_VERSION`]; its tables are in `export/schema.sql`): a header row, the workspace,
//! its layout, every pane it ever had (closed ones too), every byte of their recorded output,
//! input and snapshots (the compressed blobs as stored), the agent sessions its panes were
//! linked to (with their sub-agents' sessions and every message), and its activity buckets.
//!
//! Export reads the database in one read transaction (a consistent picture while a window
//! records beside it), writes a private temporary file beside the target, checks it, and
//! renames it into place: a failed export leaves nothing behind. Import checks the whole file
//! first (SQLite's integrity check, the header, every row; each blob is decompressed to
//! check its length) and then writes everything in one transaction, as a new archived
//! workspace with new ids. What the store cannot judge (names, colours, the layout's format,
//! which belong to the app) is asked of [`ImportRules`].

mod import;
mod read;
mod rows;
mod write;

use std::path::{Path, PathBuf};

use crate::database::Database;
use crate::error::StoreError;
use crate::ids::{PaneId, WorkspaceId};
use crate::workspaces::WorkspaceRecord;

/// The `format` of the header row: what kind of file this is.
pub const EXPORT_FORMAT: &str = "spaces-workspace";

/// The version of the file format this build writes and the newest it reads. Bump it when the
/// tables of `export/schema.sql` change in a way an older reader would misread.
pub const EXPORT_VERSION: i64 = 1;

/// Imported workspaces and panes are numbered this far above the highest id in the database.
/// A window running during the import numbers its new panes from its own counter (taken from
/// the database when it started), so it never takes one of the imported ids.
pub const IMPORTED_ID_GAP: i64 = 1_000_000;

/// What to do when the export's target file already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfExists {
    /// Leave it alone and fail with [`ExportError::Exists`].
    Refuse,
    /// Replace it (only once the new file is complete).
    Replace,
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    pub workspace: String,
    /// Panes, closed ones included.
    pub panes: u64,
    /// Recorded output, uncompressed.
    pub output_bytes: u64,
    /// Recorded input.
    pub input_bytes: u64,
    pub snapshots: u64,
    /// Agent sessions (the linked ones and their sub-agents').
    pub sessions: u64,
    /// The size of the file written.
    pub file_bytes: u64,
}

/// What an import added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    /// The new (archived) workspace as stored.
    pub workspace: WorkspaceRecord,
    /// The name in the file (the stored one differs when that name was taken).
    pub exported_name: String,
    /// The Spaces version that wrote the file.
    pub exported_by: String,
    pub panes: u64,
    /// Recorded output, uncompressed.
    pub output_bytes: u64,
    pub input_bytes: u64,
    pub snapshots: u64,
    /// Agent sessions added to the index.
    pub sessions_added: u64,
    /// Agent sessions in the file that the index already had (kept as they were).
    pub sessions_known: u64,
}

/// The app's say on what the store cannot judge: names and colours (the app's rules) and the
/// layout (the app's format). Each refusal is one line for the user.
pub trait ImportRules {
    /// The name to import under, from the name in the file and the names in use; `Err` when
    /// the file's name is not a usable name at all.
    fn name(&self, exported: &str, taken: &[String]) -> Result<String, String>;
    /// The colour to keep: the file's when it is valid, else one of the app's own.
    fn color(&self, exported: &str, used: &[String]) -> String;
    /// The layout JSON with every pane id replaced by `new_id` (`None`: no such pane in the
    /// file); `Err` when the layout cannot be read.
    fn layout(
        &self,
        tree_json: &str,
        new_id: &dyn Fn(PaneId) -> Option<PaneId>,
    ) -> Result<String, String>;
}

/// Why an export failed. Nothing is left at the target when it does.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no workspace with id {0}")]
    NoSuchWorkspace(WorkspaceId),
    #[error("{} already exists", path.display())]
    Exists { path: PathBuf },
    #[error("cannot write {}: {reason}", path.display())]
    Destination { path: PathBuf, reason: String },
    #[error("could not export: {0}")]
    Store(#[from] StoreError),
}

/// Why an import failed. The database is unchanged when it does.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{} is empty, not a Spaces workspace export", path.display())]
    Empty { path: PathBuf },
    #[error("{} is not a Spaces workspace export ({reason})", path.display())]
    NotAnExport { path: PathBuf, reason: String },
    #[error("{} is damaged or truncated ({detail}); nothing was imported", path.display())]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{} was written by Spaces {by} in export format {found}, and this Spaces reads formats up to {EXPORT_VERSION}: update Spaces to import it (nothing was imported)",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: i64,
        by: String,
    },
    #[error("{} holds invalid data ({detail}); nothing was imported", path.display())]
    Invalid { path: PathBuf, detail: String },
    #[error("{} cannot be imported: {reason}; nothing was imported", path.display())]
    Refused { path: PathBuf, reason: String },
    #[error("could not import (nothing was imported): {0}")]
    Store(#[from] StoreError),
}

impl Database {
    /// Writes workspace `id` with everything recorded about it to `path` (see the module
    /// documentation for what the file holds).
    pub fn export_workspace(
        &self,
        id: WorkspaceId,
        path: &Path,
        if_exists: IfExists,
    ) -> Result<ExportSummary, ExportError> {
        write::export(self, id, path, if_exists)
    }

    /// Checks `path` the way an import does (integrity, header, every row) without a
    /// database: for refusing a bad file before a database is created for it.
    pub fn check_export(path: &Path) -> Result<(), ImportError> {
        read::ExportFile::open(path)?.check().map(drop)
    }

    /// Adds the workspace exported to `path` as a new archived workspace, with new ids for it
    /// and its panes; agent sessions the index lacks are added, known ones kept as they are.
    /// Everything is checked before anything is written, and written in one transaction.
    pub fn import_workspace(
        &self,
        path: &Path,
        rules: &dyn ImportRules,
    ) -> Result<ImportSummary, ImportError> {
        let file = read::ExportFile::open(path)?;
        let checked = file.check()?;
        import::import(self, &file, &checked, rules)
    }
}
