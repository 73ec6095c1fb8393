//! The recorder: the one thread that writes to the database, and the handle that feeds it.
//!
//! Pane readers hand every output chunk to [`Recorder::record_output`] over a bounded channel:
//! when the writer falls behind, senders block (backpressure) instead of data being dropped.
//! The writer batches output per pane, compresses each batch, and commits once per tick
//! (~100 ms), so a `kill -9` loses at most a few hundred milliseconds of output. When a write
//! fails (disk full) the data stays in memory, bounded, and is retried every tick; the
//! [`RecorderStatus`] says so, for the window to show.

mod checker;
mod pending;
mod writer;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Sender, bounded};

use crate::clock::unix_millis;
use crate::database::Database;
use crate::error::{Result, StoreError};
use crate::ids::{PaneId, WorkspaceId};
use crate::layouts::LayoutRecord;
use crate::panes::PaneRecord;
use crate::snapshots::SnapshotRecord;
use crate::workspaces::WorkspaceRecord;
use crate::workspaces::setup::{WorkspaceSetup, WorktreeRecord};

/// Tuning of the recorder. The defaults are what the design measured.
#[derive(Clone, Debug)]
pub struct RecorderConfig {
    /// Messages the channel holds before senders block.
    pub channel_capacity: usize,
    /// A pane's batch is compressed into one row once it reaches this many bytes.
    pub batch_bytes: usize,
    /// How often pending writes are committed (one transaction per tick).
    pub commit_interval: Duration,
    /// Compressed bytes kept in memory while writes fail; beyond it the oldest output is
    /// dropped, counted in [`RecorderStatus::dropped_bytes`].
    pub max_pending_bytes: usize,
    /// Background checks of the file for damage (`None`: none).
    pub damage_checks: Option<DamageChecks>,
}

/// When the recorder looks for damage on disk (pages overwritten behind SQLite's back, which
/// no write of its own may touch for a long time). Each check uses a fresh read-only
/// connection, so it reads the file as it is, not a cached page.
#[derive(Clone, Copy, Debug)]
pub struct DamageChecks {
    /// How often the small tables a restart needs are checked (milliseconds each).
    pub vital_every: Duration,
    /// When the whole file is checked once (seconds on a large file, so not at start).
    pub full_after: Duration,
}

impl Default for DamageChecks {
    fn default() -> Self {
        Self {
            vital_every: Duration::from_secs(30),
            full_after: Duration::from_secs(60),
        }
    }
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            channel_capacity: 256,
            batch_bytes: 256 * 1024,
            commit_interval: Duration::from_millis(100),
            max_pending_bytes: 64 * 1024 * 1024,
            damage_checks: Some(DamageChecks::default()),
        }
    }
}

/// How the writer is doing, for the window to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecorderStatus {
    /// False while commits fail (for example, the disk is full); data waits in memory.
    pub healthy: bool,
    /// The most recent write error, kept after recovery so it can still be shown.
    pub last_error: Option<String>,
    /// Output bytes given up for good (memory bound exceeded, or rows the database refused).
    pub dropped_bytes: u64,
    /// Bytes (compressed) waiting in memory for a commit that succeeds.
    pub pending_bytes: u64,
    /// True while commits reach a file; false on an in-memory database (nothing is saved).
    pub saving_to_disk: bool,
    /// How often the file was found damaged and replaced while recording.
    pub recoveries: u64,
    /// What the last replacement did, in words for the user.
    pub last_recovery: Option<String>,
    /// True while the last commit failed because the disk or the file's quota is full.
    pub disk_full: bool,
}

impl Default for RecorderStatus {
    fn default() -> Self {
        Self {
            healthy: true,
            last_error: None,
            dropped_bytes: 0,
            pending_bytes: 0,
            saving_to_disk: true,
            recoveries: 0,
            last_recovery: None,
            disk_full: false,
        }
    }
}

/// What the handle sends to the writer thread.
#[derive(Debug)]
enum Message {
    Output {
        pane: PaneId,
        start_offset: u64,
        bytes: Arc<[u8]>,
    },
    Input {
        pane: PaneId,
        output_offset: u64,
        bytes: Vec<u8>,
    },
    Snapshot(SnapshotRecord),
    Pane(PaneRecord),
    Layout(LayoutRecord),
    Workspace(WorkspaceRecord),
    DeleteWorkspace(WorkspaceId),
    WorkspaceSetup(WorkspaceSetup),
    Worktree(WorktreeRecord),
    ForgetWorktree {
        workspace: WorkspaceId,
        path: String,
    },
    Setting {
        key: String,
        value: String,
    },
    TrimHistory {
        pane: PaneId,
        max_compressed_bytes: u64,
    },
    /// Commit everything received so far, then answer (with the error if that failed).
    Flush(Sender<Result<(), String>>),
    Shutdown,
    /// Caps the database at its current size plus this many pages (`None`: no cap), to
    /// simulate a full disk.
    #[cfg(test)]
    LimitPages(Option<u64>),
}

/// A handle to the writer thread. Cheap to clone; every clone feeds the same thread.
#[derive(Clone, Debug)]
pub struct Recorder {
    sender: Sender<Message>,
    /// When output last came in (ms since the Unix epoch), for work that waits for quiet.
    last_output_ms: Arc<std::sync::atomic::AtomicI64>,
    status: Arc<Mutex<RecorderStatus>>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Recorder {
    /// Opens the database at `path` and starts the writer thread with default tuning.
    pub fn start(path: &Path) -> Result<Self> {
        Self::with_database(Database::open(path)?, RecorderConfig::default())
    }

    /// Starts the writer thread on an already open database (for example the in-memory
    /// fallback of [`Database::open_or_quarantine`]).
    pub fn with_database(database: Database, config: RecorderConfig) -> Result<Self> {
        let (sender, receiver) = bounded(config.channel_capacity.max(1));
        let status = Arc::new(Mutex::new(RecorderStatus {
            saving_to_disk: database.path().is_some(),
            ..RecorderStatus::default()
        }));
        let damage = Arc::new(checker::DamageReport::default());
        if let (Some(path), Some(checks)) = (database.path(), config.damage_checks) {
            checker::start(path.to_path_buf(), checks, Arc::clone(&damage))?;
        }
        let writer = writer::Writer::new(database, config, Arc::clone(&status), damage)?;
        let thread = std::thread::Builder::new()
            .name("store-writer".to_owned())
            .spawn(move || writer.run(&receiver))
            .map_err(|source| StoreError::io("could not start thread", "store-writer", source))?;
        Ok(Self {
            sender,
            last_output_ms: Arc::new(std::sync::atomic::AtomicI64::new(unix_millis())),
            status,
            thread: Arc::new(Mutex::new(Some(thread))),
        })
    }

    /// Records `bytes` printed by `pane`, starting at `start_offset` of its output stream.
    /// Blocks while the writer is behind; never drops data on this side.
    pub fn record_output(&self, pane: PaneId, start_offset: u64, bytes: Arc<[u8]>) -> Result<()> {
        self.last_output_ms
            .store(unix_millis(), std::sync::atomic::Ordering::Relaxed);
        self.send(Message::Output {
            pane,
            start_offset,
            bytes,
        })
    }

    /// Records input sent to `pane` when its output stood at `output_offset`.
    pub fn record_input(&self, pane: PaneId, output_offset: u64, bytes: Vec<u8>) -> Result<()> {
        self.send(Message::Input {
            pane,
            output_offset,
            bytes,
        })
    }

    /// Milliseconds since output last came in (since the recorder started, if none did).
    pub fn millis_since_output(&self) -> i64 {
        unix_millis()
            - self
                .last_output_ms
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stores a grid snapshot (compressed on the writer thread).
    pub fn save_snapshot(&self, snapshot: SnapshotRecord) -> Result<()> {
        self.send(Message::Snapshot(snapshot))
    }

    /// Inserts or updates a pane. Send it before the pane's first output.
    pub fn upsert_pane(&self, pane: PaneRecord) -> Result<()> {
        self.send(Message::Pane(pane))
    }

    /// Stores the layout of a workspace.
    pub fn save_layout(&self, layout: LayoutRecord) -> Result<()> {
        self.send(Message::Layout(layout))
    }

    /// Inserts or updates a workspace.
    pub fn upsert_workspace(&self, workspace: WorkspaceRecord) -> Result<()> {
        self.send(Message::Workspace(workspace))
    }

    /// Deletes a workspace with its layout, panes and their whole history. Output of its
    /// panes that arrives afterwards is dropped. End the panes' processes first.
    pub fn delete_workspace(&self, workspace: WorkspaceId) -> Result<()> {
        self.send(Message::DeleteWorkspace(workspace))
    }

    /// Stores a workspace's root directory and environment.
    pub fn save_workspace_setup(&self, setup: WorkspaceSetup) -> Result<()> {
        self.send(Message::WorkspaceSetup(setup))
    }

    /// Lists a worktree on its workspace.
    pub fn save_worktree(&self, worktree: WorktreeRecord) -> Result<()> {
        self.send(Message::Worktree(worktree))
    }

    /// Takes a worktree off its workspace's list (the user removed it).
    pub fn forget_worktree(&self, workspace: WorkspaceId, path: &str) -> Result<()> {
        self.send(Message::ForgetWorktree {
            workspace,
            path: path.to_owned(),
        })
    }

    /// Stores a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.send(Message::Setting {
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }

    /// Applies a retention limit to a pane's output (see [`Database::trim_history`]).
    pub fn trim_history(&self, pane: PaneId, max_compressed_bytes: u64) -> Result<()> {
        self.send(Message::TrimHistory {
            pane,
            max_compressed_bytes,
        })
    }

    /// Waits until everything sent so far (from any clone) is committed. Fails with
    /// [`StoreError::RecorderWrite`] if the commit failed; the data is then still pending.
    pub fn flush(&self) -> Result<()> {
        let (reply, answer) = bounded(1);
        self.send(Message::Flush(reply))?;
        match answer.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(StoreError::RecorderWrite(error)),
            Err(_) => Err(StoreError::RecorderStopped),
        }
    }

    /// Commits everything sent so far and stops the writer thread, waiting for it to finish.
    /// Later calls on any clone fail with [`StoreError::RecorderStopped`]. Call it on exit:
    /// dropping every handle also makes the writer commit and stop, but nothing waits for it.
    pub fn shutdown(&self) -> Result<()> {
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(thread) = thread else {
            return Ok(());
        };
        self.send(Message::Shutdown)?;
        thread
            .join()
            .map_err(|_| StoreError::RecorderWrite("the writer thread panicked".to_owned()))
    }

    /// The writer's current health.
    pub fn status(&self) -> RecorderStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn send(&self, message: Message) -> Result<()> {
        self.sender
            .send(message)
            .map_err(|_| StoreError::RecorderStopped)
    }

    #[cfg(test)]
    fn limit_pages(&self, extra_pages: Option<u64>) -> Result<()> {
        self.send(Message::LimitPages(extra_pages))
    }
}
