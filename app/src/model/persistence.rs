//! The glue between live panes and the store: opens the database (moving a broken one
//! aside), loads what the last run left, and records output, snapshots, input, panes and the
//! layout through the store's single writer thread.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use spaces_store::{
    Database, LayoutRecord, PaneRecord, Recorder, RecorderConfig, SnapshotRecord, WorkspaceId,
    WorkspaceRecord,
};
use spaces_term::{OutputSink, PaneId};

use super::Notice;
use super::layout::Layout;

/// The setting that remembers which workspace was shown.
const ACTIVE_WORKSPACE_SETTING: &str = "active_workspace";

pub fn store_id(pane: PaneId) -> spaces_store::PaneId {
    spaces_store::PaneId(pane.0 as i64)
}

pub fn pane_id(pane: spaces_store::PaneId) -> PaneId {
    PaneId(pane.0.max(0) as u64)
}

/// What the previous run left behind.
pub struct Saved {
    /// Every workspace, archived ones included.
    pub workspaces: Vec<WorkspaceRecord>,
    /// The workspace that was shown.
    pub active: Option<WorkspaceId>,
    /// The layouts of the unarchived workspaces.
    pub layouts: Vec<LayoutRecord>,
    /// The open panes of the unarchived workspaces: they all come back and run.
    pub panes: Vec<PaneRecord>,
    /// The next pane id never used before (ids are unique across runs).
    pub next_pane_id: u64,
    /// Each workspace's root directory and environment, where set.
    pub setups: Vec<spaces_store::WorkspaceSetup>,
    /// The git worktrees made for workspaces.
    pub worktrees: Vec<spaces_store::WorktreeRecord>,
}

impl Saved {
    pub fn layout(&self, workspace: WorkspaceId) -> Option<&LayoutRecord> {
        self.layouts
            .iter()
            .find(|layout| layout.workspace_id == workspace)
    }
}

/// The store side of the app: the recorder (when the database works).
pub struct Persistence {
    pub recorder: Option<Recorder>,
    database_path: std::path::PathBuf,
    /// The database is a stand-in in memory: nothing of this session reaches the disk.
    in_memory: bool,
    /// The layout last saved of each workspace, to save only changes.
    last_layouts: std::collections::HashMap<WorkspaceId, String>,
    /// The `record_input` setting, read by every pane's sink.
    record_input: Arc<AtomicBool>,
    /// Replacements of a damaged file already told to the user.
    recoveries_seen: u64,
}

/// Opening result: the persistence, what to restore, and problems to show the user.
pub struct Opened {
    pub persistence: Persistence,
    pub saved: Option<Saved>,
    /// Where `saved` and the panes' histories are read from when that is not the database
    /// being recorded into: the old file, opened read-only because it cannot be written.
    pub restore_source: Option<Database>,
    pub notices: Vec<Notice>,
}

impl Persistence {
    /// Opens `spaces.db` in `data_dir`; never fails: a broken database is moved aside (and
    /// the user told), an unusable location falls back to memory. The database is returned
    /// open, to read what to restore before the writer thread takes it.
    pub fn open(data_dir: &Path) -> (Opened, Option<Database>) {
        let path = spaces_store::database_path(data_dir);
        let (database, quarantined) = Database::open_or_quarantine(&path);
        let mut notices: Vec<Notice> = quarantined
            .iter()
            .map(|q| Notice::error(q.message()))
            .collect();
        // A database that is there but cannot be written (a read-only disk or directory, the
        // wrong owner): this session records into memory, but the last one still comes back.
        let restore_source = quarantined
            .as_ref()
            .filter(|q| q.in_memory && q.moved_to.is_none() && path.exists())
            .and_then(|_| read_only_source(&path, &database, &mut notices));
        let saved = match load_saved(restore_source.as_ref().unwrap_or(&database)) {
            Ok(saved) => Some(saved),
            Err(error) => {
                notices.push(Notice::error(format!(
                    "could not read the saved layout: {error}"
                )));
                None
            }
        };
        let persistence = Self {
            recorder: None,
            database_path: path,
            in_memory: database.path().is_none(),
            last_layouts: std::collections::HashMap::new(),
            record_input: Arc::new(AtomicBool::new(true)),
            recoveries_seen: 0,
        };
        (
            Opened {
                persistence,
                saved,
                restore_source,
                notices,
            },
            Some(database),
        )
    }

    /// Starts the writer thread on `database`; `damage_checks` overrides how often it looks
    /// for damage on disk (tests).
    pub fn start_recorder(
        &mut self,
        database: Database,
        damage_checks: Option<spaces_store::DamageChecks>,
    ) -> Result<(), String> {
        let mut config = RecorderConfig::default();
        if damage_checks.is_some() {
            config.damage_checks = damage_checks;
        }
        match Recorder::with_database(database, config) {
            Ok(recorder) => {
                self.recorder = Some(recorder);
                Ok(())
            }
            Err(error) => Err(format!("recording is off: {error}")),
        }
    }

    pub fn database_path(&self) -> &Path {
        &self.database_path
    }

    /// True when this session is saved to `database_path`, false when it only lives in
    /// memory (from the start, or since a damaged file could not be replaced).
    pub fn saves_to_disk(&self) -> bool {
        !self.in_memory
            && self
                .recorder
                .as_ref()
                .is_none_or(|recorder| recorder.status().saving_to_disk)
    }

    /// What the recorder had to do about a damaged file since the last call, once each.
    pub fn take_recovery(&mut self) -> Option<String> {
        let status = self.recorder.as_ref()?.status();
        if status.recoveries == self.recoveries_seen {
            return None;
        }
        self.recoveries_seen = status.recoveries;
        status.last_recovery
    }

    /// The sink panes report their output to, if recording works.
    pub fn sink(&self) -> Option<Arc<dyn OutputSink>> {
        self.recorder.clone().map(|recorder| {
            Arc::new(RecorderSink {
                recorder,
                record_input: self.record_input.clone(),
            }) as Arc<dyn OutputSink>
        })
    }

    /// Turns the recording of typed input on or off (the `record_input` setting), for every
    /// pane at once.
    pub fn set_record_input(&self, on: bool) {
        self.record_input.store(on, Ordering::Relaxed);
    }

    pub fn save_pane(&self, record: PaneRecord) {
        if let Some(recorder) = &self.recorder {
            report(recorder.upsert_pane(record));
        }
    }

    /// Saves a workspace's layout if it changed since the last call.
    pub fn save_layout_if_changed(
        &mut self,
        workspace: WorkspaceId,
        layout: &Layout,
        focused: Option<PaneId>,
    ) {
        let tree_json = layout.to_json();
        let key = format!("{tree_json}|{focused:?}");
        if self.last_layouts.get(&workspace) == Some(&key) {
            return;
        }
        if let Some(recorder) = &self.recorder {
            report(recorder.save_layout(LayoutRecord {
                workspace_id: workspace,
                tree_json,
                focused_pane: focused.map(store_id),
                updated_at_ms: spaces_store::unix_millis(),
            }));
        }
        self.last_layouts.insert(workspace, key);
    }

    pub fn save_workspace(&self, record: WorkspaceRecord) {
        if let Some(recorder) = &self.recorder {
            report(recorder.upsert_workspace(record));
        }
    }

    /// Deletes a workspace with its panes and their history (their processes have ended).
    pub fn delete_workspace(&mut self, workspace: WorkspaceId) {
        self.last_layouts.remove(&workspace);
        if let Some(recorder) = &self.recorder {
            report(recorder.delete_workspace(workspace));
        }
    }

    pub fn save_workspace_setup(&self, setup: spaces_store::WorkspaceSetup) {
        if let Some(recorder) = &self.recorder {
            report(recorder.save_workspace_setup(setup));
        }
    }

    pub fn save_worktree(&self, worktree: spaces_store::WorktreeRecord) {
        if let Some(recorder) = &self.recorder {
            report(recorder.save_worktree(worktree));
        }
    }

    pub fn forget_worktree(&self, workspace: WorkspaceId, path: &str) {
        if let Some(recorder) = &self.recorder {
            report(recorder.forget_worktree(workspace, path));
        }
    }

    /// Remembers which workspace is shown, for the next start.
    pub fn save_active_workspace(&self, workspace: WorkspaceId) {
        if let Some(recorder) = &self.recorder {
            report(recorder.set_setting(ACTIVE_WORKSPACE_SETTING, &workspace.0.to_string()));
        }
    }

    pub fn trim_history(&self, pane: PaneId, max_compressed_bytes: u64) {
        if let Some(recorder) = &self.recorder {
            report(recorder.trim_history(store_id(pane), max_compressed_bytes));
        }
    }

    /// A problem with recording the user should see (disk full...), if any.
    pub fn recorder_problem(&self) -> Option<String> {
        let recorder = self.recorder.as_ref()?;
        let status = recorder.status();
        if status.healthy {
            return None;
        }
        let error = status
            .last_error
            .unwrap_or_else(|| "unknown error".to_owned());
        let waiting = status.pending_bytes / 1024;
        Some(if status.disk_full {
            format!(
                "Output is not being saved ({error}). {waiting} KB wait in memory; saving resumes when the disk has room."
            )
        } else {
            format!(
                "Output is not being saved ({error}). {waiting} KB wait in memory and are retried every tick."
            )
        })
    }

    /// Commits everything and stops the writer (on exit).
    pub fn shutdown(&self) {
        if let Some(recorder) = &self.recorder {
            report(recorder.shutdown());
        }
    }
}

fn report(result: spaces_store::Result<()>) {
    if let Err(error) = result {
        tracing::warn!(%error, "recording failed");
    }
}

/// Opens the old database read-only to restore from, and copies its workspace and pane
/// records into the in-memory `recording` database, which the restored panes record into.
fn read_only_source(
    path: &Path,
    recording: &Database,
    notices: &mut Vec<Notice>,
) -> Option<Database> {
    let source = match Database::open_readonly(path) {
        Ok(source) => source,
        Err(error) => {
            tracing::warn!(%error, "could not open the database read-only either");
            return None;
        }
    };
    let workspaces = match source.list_workspaces(true) {
        Ok(workspaces) => workspaces,
        Err(error) => {
            tracing::warn!(%error, "could not read the workspaces of the read-only database");
            return None;
        }
    };
    let copied = workspaces.iter().try_for_each(|workspace| {
        recording.upsert_workspace(workspace)?;
        source
            .list_panes(workspace.id)?
            .iter()
            .try_for_each(|pane| recording.upsert_pane(pane))
    });
    if let Err(error) = copied {
        tracing::warn!(%error, "could not copy the workspaces into memory");
        return None;
    }
    notices.push(Notice::info(format!(
        "The last session was restored from {} without changing it.",
        path.display()
    )));
    Some(source)
}

fn load_saved(database: &Database) -> spaces_store::Result<Saved> {
    let workspaces = database.list_workspaces(true)?;
    let mut layouts = Vec::new();
    let mut panes = Vec::new();
    for workspace in workspaces.iter().filter(|workspace| !workspace.archived) {
        layouts.extend(database.load_layout(workspace.id)?);
        panes.extend(database.list_panes(workspace.id)?);
    }
    let active = database
        .get_setting(ACTIVE_WORKSPACE_SETTING)?
        .and_then(|value| value.parse().ok())
        .map(WorkspaceId);
    Ok(Saved {
        workspaces,
        active,
        layouts,
        panes,
        next_pane_id: database.next_pane_id()?.0.max(1) as u64,
        setups: database.workspace_setups()?,
        worktrees: database.worktrees()?,
    })
}

/// Forwards a pane's output, snapshots and input to the recorder.
struct RecorderSink {
    recorder: Recorder,
    /// The `record_input` setting, shared with [`Persistence`].
    record_input: Arc<AtomicBool>,
}

impl OutputSink for RecorderSink {
    fn output(&self, pane: PaneId, offset: u64, bytes: Arc<[u8]>) {
        report(self.recorder.record_output(store_id(pane), offset, bytes));
    }

    fn snapshot(&self, pane: PaneId, offset: u64, data: Vec<u8>) {
        report(self.recorder.save_snapshot(SnapshotRecord {
            pane_id: store_id(pane),
            output_offset: offset,
            created_at_ms: spaces_store::unix_millis(),
            format_version: u32::from(spaces_term::snapshot::FORMAT_VERSION),
            data,
        }));
    }

    fn input(&self, pane: PaneId, offset: u64, bytes: &[u8]) {
        if !self.record_input.load(Ordering::Relaxed) {
            return;
        }
        report(
            self.recorder
                .record_input(store_id(pane), offset, bytes.to_vec()),
        );
    }
}
