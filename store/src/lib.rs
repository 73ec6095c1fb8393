//! Spaces storage: everything at rest (the SQLite database, its migrations, the writer thread).
//!
//! This crate knows nothing of egui and nothing of the terminal crate. The binary opens one
//! [`Database`] per reader, starts one [`Recorder`] (the only writer), and talks to both with the
//! typed records defined here.

mod clock;
mod compression;
mod database;
mod error;
mod export;
mod ids;
mod input;
mod layouts;
pub mod limits;
mod migrations;
mod output;
mod panes;
mod paths;
mod recorder;
mod search;
pub mod sessions;
mod settings;
mod snapshots;
pub mod usage;
mod workspaces;

pub use clock::unix_millis;
pub use database::{CheckError, Database, Quarantined, Salvage};
pub use error::{Result, StoreError};
pub use export::{
    EXPORT_FORMAT, EXPORT_VERSION, ExportError, ExportSummary, IMPORTED_ID_GAP, IfExists,
    ImportError, ImportRules, ImportSummary,
};
pub use ids::{PaneId, WorkspaceId};
pub use input::InputChunk;
pub use layouts::LayoutRecord;
pub use migrations::{MIGRATIONS, Migration};
pub use output::{OutputChunk, OutputTotals, TrimReport};
pub use panes::PaneRecord;
pub use paths::{DATABASE_FILE_NAME, data_dir, database_path, ensure_private_dir};
pub use recorder::{DamageChecks, Recorder, RecorderConfig, RecorderStatus};
pub use search::{AppendOutcome, LineMatch, PaneToIndex, SearchBatch, SearchProgress};
pub use sessions::{
    Agent, IndexProblem, IndexProgress, IndexReport, MessageRole, ResumeCommand, SearchHit,
    SessionEnvironment, SessionFilter, SessionMessage, SessionRoots, SessionSummary, TokenUsage,
};
pub use snapshots::SnapshotRecord;
pub use usage::{
    GroupBy, ModelPrice, Pricing, PricingError, SessionUsage, SessionsOnDay, UsageFigures,
    UsageQuery, UsageReport, UsageRow, UsageTimeZone,
};
pub use workspaces::WorkspaceRecord;
pub use workspaces::setup::{WorkspaceSetup, WorktreeRecord};
