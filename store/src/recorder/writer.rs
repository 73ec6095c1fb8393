//! The writer thread: batches output per pane, compresses it, and commits once per tick.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use rusqlite::ErrorCode;

use super::checker::DamageReport;
use super::pending::{PendingWrites, Write};
use super::{Message, RecorderConfig, RecorderStatus};
use crate::clock::unix_millis;
use crate::compression;
use crate::database::Database;
use crate::error::{Result, StoreError};
use crate::ids::PaneId;
use crate::ids::WorkspaceId;
use crate::layouts::LayoutRecord;
use crate::panes::PaneRecord;
use crate::snapshots::SnapshotRecord;
use crate::workspaces::WorkspaceRecord;

/// How often an idle writer wakes (to act on damage the checker found).
const IDLE_WAKE: Duration = Duration::from_secs(5);
/// How long the writer lets output gather after a burst before it looks again.
const GATHER: Duration = Duration::from_millis(5);

/// Batch buffers kept for reuse: enough for a few flooding panes at once.
const MAX_SPARE_BUFFERS: usize = 8;

/// Output of one pane received since its last batch was sealed; contiguous by construction.
#[derive(Debug)]
struct OpenBatch {
    start_offset: u64,
    created_at_ms: i64,
    bytes: Vec<u8>,
}

impl OpenBatch {
    fn end_offset(&self) -> u64 {
        self.start_offset
            .saturating_add(u64::try_from(self.bytes.len()).unwrap_or(u64::MAX))
    }
}

/// Everything the writer thread owns.
pub(super) struct Writer {
    database: Database,
    compressor: zstd::bulk::Compressor<'static>,
    config: RecorderConfig,
    open_batches: BTreeMap<PaneId, OpenBatch>,
    /// Emptied batch buffers, reused so a flood does not map fresh memory for every batch.
    spare_buffers: Vec<Vec<u8>>,
    /// Where batches are compressed before being copied out at their exact size.
    scratch: Vec<u8>,
    pending: PendingWrites,
    status: Arc<Mutex<RecorderStatus>>,
    last_commit: Instant,
    /// Where the damage checker leaves its findings.
    damage: Arc<DamageReport>,
    /// The newest workspace, layout and pane records, to write again into a fresh file.
    records: Records,
    /// Panes of deleted workspaces: what they still send is dropped.
    deleted_panes: std::collections::BTreeSet<PaneId>,
}

/// The newest record of every workspace, layout and open pane. After a damaged file is
/// replaced they are written into the new one first, so the output that follows has its pane
/// to belong to even when the old pane records were on the damaged pages.
#[derive(Debug, Default)]
struct Records {
    workspaces: BTreeMap<WorkspaceId, WorkspaceRecord>,
    layouts: BTreeMap<WorkspaceId, LayoutRecord>,
    panes: BTreeMap<PaneId, PaneRecord>,
}

impl Records {
    /// What the database holds now (nothing, if it cannot be read).
    fn load(database: &Database) -> Self {
        let mut records = Self::default();
        let loaded: Result<()> = (|| {
            for workspace in database.list_workspaces(true)? {
                if let Some(layout) = database.load_layout(workspace.id)? {
                    records.layouts.insert(workspace.id, layout);
                }
                for pane in database.list_panes(workspace.id)? {
                    records.panes.insert(pane.id, pane);
                }
                records.workspaces.insert(workspace.id, workspace);
            }
            Ok(())
        })();
        if let Err(error) = loaded {
            tracing::warn!(%error, "could not read the records to keep");
        }
        records
    }

    /// The writes that put every record back, workspaces first.
    fn writes(&self) -> Vec<Write> {
        let workspaces = self.workspaces.values().cloned().map(Write::Workspace);
        let panes = self.panes.values().cloned().map(Write::Pane);
        let layouts = self.layouts.values().cloned().map(Write::Layout);
        workspaces.chain(panes).chain(layouts).collect()
    }
}

impl Writer {
    pub(super) fn new(
        database: Database,
        config: RecorderConfig,
        status: Arc<Mutex<RecorderStatus>>,
        damage: Arc<DamageReport>,
    ) -> Result<Self> {
        let compressor =
            zstd::bulk::Compressor::new(compression::LEVEL).map_err(StoreError::Compression)?;
        let records = Records::load(&database);
        Ok(Self {
            database,
            compressor,
            config,
            open_batches: BTreeMap::new(),
            spare_buffers: Vec::new(),
            scratch: Vec::new(),
            pending: PendingWrites::default(),
            records,
            deleted_panes: std::collections::BTreeSet::new(),
            status,
            last_commit: Instant::now(),
            damage,
        })
    }

    /// Runs until [`Message::Shutdown`] or until every handle is gone, then commits what is left.
    pub(super) fn run(mut self, receiver: &Receiver<Message>) {
        'running: loop {
            let first = match receiver.recv_deadline(self.commit_deadline()) {
                Ok(message) => message,
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    self.commit();
                    continue;
                }
            };
            let streaming = matches!(first, Message::Output { .. });
            if !self.handle(first) {
                break;
            }
            // A flooding pane sends a chunk every few microseconds. Taking what has queued and
            // then letting more gather spares both threads a wake-up per chunk; the channel
            // holds far more than arrives in `GATHER`, so the reader never waits for it. The
            // commit deadline bounds both: busy panes can keep the queue from ever running
            // dry, and output must still reach the disk on time.
            if streaming {
                for message in receiver.try_iter() {
                    if !self.handle(message) {
                        break 'running;
                    }
                    if self.commit_due() {
                        break;
                    }
                }
                let until_due = self
                    .commit_deadline()
                    .saturating_duration_since(Instant::now());
                std::thread::sleep(GATHER.min(until_due));
            }
            if self.commit_due() {
                self.commit();
            }
        }
        // Messages other clones sent before the shutdown are still recorded, and their flushes
        // answered, rather than dropped with the channel.
        let mut flushes = Vec::new();
        for message in receiver.try_iter() {
            match message {
                Message::Flush(reply) => flushes.push(reply),
                message => self.accept(message),
            }
        }
        self.commit();
        self.damage.stop();
        for reply in flushes {
            self.answer(&reply);
        }
        if !self.pending.is_empty() {
            tracing::error!(
                bytes = self.pending.memory_bytes(),
                "the recorder stopped with writes it could not commit"
            );
        }
    }

    /// When the writer wakes without a message: at the commit interval while something waits
    /// to be written, else only now and then (to act on damage found meanwhile), so an idle
    /// window's writer sleeps.
    fn commit_deadline(&self) -> Instant {
        if self.pending.is_empty() && self.open_batches.is_empty() {
            // Not after the damage checker's next look: what it finds is acted on soon.
            let checks = self
                .config
                .damage_checks
                .map_or(IDLE_WAKE, |checks| checks.vital_every.min(IDLE_WAKE));
            self.last_commit + checks.max(self.config.commit_interval)
        } else {
            self.last_commit + self.config.commit_interval
        }
    }

    /// Whether a commit is due now.
    fn commit_due(&self) -> bool {
        Instant::now() >= self.last_commit + self.config.commit_interval
    }

    /// Takes one message; false on shutdown.
    fn handle(&mut self, message: Message) -> bool {
        match message {
            Message::Shutdown => return false,
            Message::Flush(reply) => {
                self.commit();
                self.answer(&reply);
            }
            message => self.accept(message),
        }
        true
    }

    fn answer(&self, reply: &crossbeam_channel::Sender<std::result::Result<(), String>>) {
        if reply.send(self.flush_answer()).is_err() {
            tracing::debug!("a flush caller stopped waiting");
        }
    }

    fn accept(&mut self, message: Message) {
        let pane = match &message {
            Message::Output { pane, .. } | Message::Input { pane, .. } => Some(*pane),
            Message::Snapshot(snapshot) => Some(snapshot.pane_id),
            Message::Pane(record) => Some(record.id),
            _ => None,
        };
        if pane.is_some_and(|pane| self.deleted_panes.contains(&pane)) {
            return;
        }
        match message {
            Message::Output {
                pane,
                start_offset,
                bytes,
            } => self.add_output(pane, start_offset, &bytes),
            Message::Input {
                pane,
                output_offset,
                bytes,
            } => self.pending.push(Write::Input {
                pane,
                output_offset,
                created_at_ms: unix_millis(),
                bytes,
            }),
            Message::Snapshot(snapshot) => self.add_snapshot(snapshot),
            Message::Pane(pane) => {
                if pane.closed_at_ms.is_some() {
                    self.records.panes.remove(&pane.id);
                } else {
                    self.records.panes.insert(pane.id, pane.clone());
                }
                self.pending.push(Write::Pane(pane));
            }
            Message::Layout(layout) => {
                self.records
                    .layouts
                    .insert(layout.workspace_id, layout.clone());
                self.pending.push(Write::Layout(layout));
            }
            Message::Workspace(workspace) => {
                self.records
                    .workspaces
                    .insert(workspace.id, workspace.clone());
                self.pending.push(Write::Workspace(workspace));
            }
            Message::DeleteWorkspace(workspace) => self.delete_workspace(workspace),
            Message::WorkspaceSetup(setup) => self.pending.push(Write::WorkspaceSetup(setup)),
            Message::Worktree(worktree) => self.pending.push(Write::Worktree(worktree)),
            Message::ForgetWorktree { workspace, path } => {
                self.pending.push(Write::ForgetWorktree { workspace, path });
            }
            Message::Setting { key, value } => self.pending.push(Write::Setting { key, value }),
            Message::TrimHistory {
                pane,
                max_compressed_bytes,
            } => {
                // Output still in memory must reach the table before retention looks at it.
                self.seal(pane);
                self.pending.push(Write::TrimHistory {
                    pane,
                    max_compressed_bytes,
                });
            }
            #[cfg(test)]
            Message::LimitPages(extra_pages) => self.limit_pages(extra_pages),
            Message::Flush(_) | Message::Shutdown => {}
        }
    }

    /// Appends output to the pane's open batch, sealing the batch first if the new bytes do not
    /// follow it, and after if it has grown to the batch size.
    fn add_output(&mut self, pane: PaneId, start_offset: u64, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self
            .open_batches
            .get(&pane)
            .is_some_and(|batch| batch.end_offset() != start_offset)
        {
            self.seal(pane);
        }
        let spare = &mut self.spare_buffers;
        let batch_bytes = self.config.batch_bytes;
        let batch = self.open_batches.entry(pane).or_insert_with(|| OpenBatch {
            start_offset,
            created_at_ms: unix_millis(),
            // Room for a whole batch plus the chunk that overflows it.
            bytes: spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(batch_bytes + 64 * 1024)),
        });
        batch.bytes.extend_from_slice(bytes);
        if batch.bytes.len() >= self.config.batch_bytes {
            self.seal(pane);
        }
    }

    /// Compresses the pane's open batch into a pending row.
    /// Forgets a workspace's records and its panes' unwritten output, then deletes it.
    fn delete_workspace(&mut self, workspace: WorkspaceId) {
        let panes: Vec<PaneId> = self
            .records
            .panes
            .values()
            .filter(|record| record.workspace_id == workspace)
            .map(|record| record.id)
            .collect();
        for pane in panes {
            self.records.panes.remove(&pane);
            self.open_batches.remove(&pane);
            self.deleted_panes.insert(pane);
        }
        self.records.workspaces.remove(&workspace);
        self.records.layouts.remove(&workspace);
        self.pending.push(Write::DeleteWorkspace(workspace));
    }

    fn seal(&mut self, pane: PaneId) {
        let Some(batch) = self.open_batches.remove(&pane) else {
            return;
        };
        match self.compress(&batch.bytes) {
            Ok(compressed) => self.pending.push(Write::Output {
                pane,
                start_offset: batch.start_offset,
                raw_len: batch.bytes.len(),
                created_at_ms: batch.created_at_ms,
                compressed,
            }),
            Err(error) => {
                let lost = u64::try_from(batch.bytes.len()).unwrap_or(u64::MAX);
                self.report_dropped(lost, &format!("could not compress output: {error}"));
            }
        }
        let mut buffer = batch.bytes;
        if self.spare_buffers.len() < MAX_SPARE_BUFFERS {
            buffer.clear();
            self.spare_buffers.push(buffer);
        }
    }

    /// Compresses into the reused scratch buffer and returns an exact-size copy, so pending
    /// writes hold no slack (their memory bound counts lengths).
    fn compress(&mut self, data: &[u8]) -> std::io::Result<Vec<u8>> {
        self.scratch.clear();
        self.scratch
            .reserve(zstd::zstd_safe::compress_bound(data.len()));
        self.compressor
            .compress_to_buffer(data, &mut self.scratch)?;
        Ok(self.scratch.clone())
    }

    fn seal_all(&mut self) {
        let panes: Vec<PaneId> = self.open_batches.keys().copied().collect();
        for pane in panes {
            self.seal(pane);
        }
    }

    fn add_snapshot(&mut self, mut snapshot: SnapshotRecord) {
        match self.compress(&snapshot.data) {
            Ok(compressed) => {
                let raw_len = snapshot.data.len();
                snapshot.data = Vec::new();
                self.pending.push(Write::Snapshot {
                    header: snapshot,
                    raw_len,
                    compressed,
                });
            }
            Err(error) => self.report_dropped(0, &format!("could not compress snapshot: {error}")),
        }
    }

    /// One tick: seal every batch and write all pending writes in one transaction. On a
    /// failure that may pass (disk full, I/O error, lock), everything stays pending for the
    /// next tick, within the memory bound.
    fn commit(&mut self) {
        self.last_commit = Instant::now();
        self.seal_all();
        if let Some(findings) = self.damage.take() {
            self.recover(&format!("it is damaged: {findings}"));
        }
        if self.pending.is_empty() {
            return;
        }
        let mut result = self.write_pending();
        if let Err(error) = &result
            && error.is_damage()
        {
            // The file is damaged where this commit touched it: replace it, then write the
            // same batches into the new file.
            let reason = format!("a write failed: {error}");
            self.roll_back();
            self.recover(&reason);
            result = self.write_pending();
        }
        match result {
            Ok(()) => {
                self.pending.clear();
                self.update_status(|status| {
                    status.healthy = true;
                    status.disk_full = false;
                });
            }
            Err(error) => {
                self.roll_back();
                tracing::warn!(%error, "commit failed; keeping the writes for the next tick");
                let disk_full = error.is_disk_full();
                self.update_status(|status| {
                    status.healthy = false;
                    status.disk_full = disk_full;
                    status.last_error = Some(error.to_string());
                });
                let dropped = self.pending.shrink_to(self.config.max_pending_bytes);
                if dropped > 0 {
                    self.report_dropped(dropped, "pending output exceeded the memory bound");
                }
            }
        }
        let pending_bytes = u64::try_from(self.pending.memory_bytes()).unwrap_or(u64::MAX);
        self.update_status(|status| status.pending_bytes = pending_bytes);
    }

    /// Applies every pending write inside one transaction. A write the database refuses for
    /// good (a constraint) is dropped and reported so it cannot block the rest forever.
    fn write_pending(&mut self) -> Result<()> {
        self.database
            .connection()
            .execute_batch("BEGIN IMMEDIATE")?;
        let mut index = 0;
        while let Some(write) = self.pending.get(index) {
            match write.apply(&self.database) {
                Ok(()) => index += 1,
                Err(error) if is_transient(&error) => return Err(error),
                Err(error) => {
                    let lost = self
                        .pending
                        .remove(index)
                        .map_or(0, |write| write.output_bytes());
                    self.report_dropped(lost, &format!("a write was refused: {error}"));
                }
            }
        }
        self.database.connection().execute_batch("COMMIT")?;
        Ok(())
    }

    /// Replaces a damaged database file: moves it aside, starts a fresh one at the same path,
    /// copies into it whatever can still be read, and goes on recording there (into memory
    /// if no new file can be made). Pending writes stay pending for the next commit.
    fn recover(&mut self, reason: &str) {
        let Some(path) = self.database.path().map(std::path::Path::to_path_buf) else {
            return;
        };
        tracing::error!(reason, path = %path.display(), "replacing the damaged database");
        // Close the connection to the damaged file before it moves.
        match Database::open_in_memory() {
            Ok(memory) => drop(std::mem::replace(&mut self.database, memory)),
            Err(error) => {
                tracing::error!(%error, "cannot even open memory; recording into the damaged file");
                return;
            }
        }
        let (fresh, report) = crate::database::replace_unusable(&path, reason.to_owned(), true);
        let saving_to_disk = fresh.is_some();
        if let Some(fresh) = fresh {
            self.database = fresh;
        }
        // The records come back before anything else is written into the new file.
        self.pending.push_front_all(self.records.writes());
        let message = report.message();
        self.update_status(|status| {
            status.saving_to_disk = saving_to_disk;
            status.recoveries += 1;
            status.last_recovery = Some(message);
        });
    }

    /// Ends a failed transaction, unless SQLite already rolled it back by itself.
    fn roll_back(&self) {
        let connection = self.database.connection();
        if !connection.is_autocommit()
            && let Err(error) = connection.execute_batch("ROLLBACK")
        {
            tracing::error!(%error, "could not roll back a failed commit");
        }
    }

    fn flush_answer(&self) -> std::result::Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        Err(self
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_error
            .clone()
            .unwrap_or_else(|| "writes are still pending".to_owned()))
    }

    fn report_dropped(&self, bytes: u64, reason: &str) {
        tracing::error!(bytes, reason, "the recorder dropped data");
        self.update_status(|status| {
            status.dropped_bytes = status.dropped_bytes.saturating_add(bytes);
            status.last_error = Some(format!("{reason} ({bytes} bytes of output lost)"));
        });
    }

    fn update_status(&self, change: impl FnOnce(&mut RecorderStatus)) {
        change(&mut self.status.lock().unwrap_or_else(PoisonError::into_inner));
    }

    #[cfg(test)]
    fn limit_pages(&self, extra_pages: Option<u64>) {
        let connection = self.database.connection();
        let limit = match extra_pages {
            Some(extra) => connection
                .query_row("PRAGMA page_count", [], |row| row.get::<_, u64>(0))
                .map(|pages| pages + extra),
            None => Ok(u64::from(u32::MAX - 1)),
        };
        let result = limit.and_then(|limit| {
            connection.query_row(&format!("PRAGMA max_page_count = {limit}"), [], |row| {
                row.get::<_, u64>(0)
            })
        });
        if let Err(error) = result {
            tracing::error!(%error, "could not set max_page_count");
        }
    }
}

/// Errors that may go away by themselves (space freed, lock released), so the write is kept.
/// Everything the database refuses for good (constraints, types) and encoding failures are not.
fn is_transient(error: &StoreError) -> bool {
    let StoreError::Sqlite(error) = error else {
        return false;
    };
    !matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::ConstraintViolation | ErrorCode::TypeMismatch | ErrorCode::TooBig) | None
    )
}
