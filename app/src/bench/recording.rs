//! `spaces bench ingest --recording`: the pane pipeline recording through the app's own
//! [`Persistence`] (a real recorder on a fresh database), timed until everything is committed.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use spaces_term::{Listeners, PaneId, SpawnOptions, TermSize, Terminal, TerminalEventKind};

use crate::model::persistence::Persistence;

/// What one recorded run measured.
pub struct RecordedRun {
    pub elapsed: Duration,
    /// spaces.db plus its WAL once the recorder stopped.
    pub db_bytes: u64,
}

/// The app's snapshot interval (Settings' default).
const SNAPSHOT_INTERVAL: Duration = Duration::from_secs(10);

/// Runs `command` in a pane recorded into a new database under `dir`, until the pane exited
/// and the recorder committed every byte and snapshot.
pub fn recorded_pipeline(
    command: Vec<String>,
    size: TermSize,
    dir: &Path,
) -> anyhow::Result<RecordedRun> {
    spaces_store::ensure_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (opened, database) = Persistence::open(dir);
    let problems: Vec<String> = opened.notices.iter().map(ToString::to_string).collect();
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("; "));
    let mut persistence = opened.persistence;
    persistence
        .start_recorder(database.context("no database")?, None)
        .map_err(anyhow::Error::msg)?;
    let recorder = persistence.recorder.clone().context("no recorder")?;
    let (events_tx, events) = crossbeam_channel::unbounded();
    let listeners = Listeners {
        events: events_tx,
        wake: Arc::new(|| {}),
        sink: persistence.sink(),
        palette: Arc::new(spaces_term::palette::Palette::default()),
    };
    let options = SpawnOptions {
        command,
        size,
        snapshot_interval: Some(SNAPSHOT_INTERVAL),
        ..SpawnOptions::default()
    };
    let pane = PaneId(1);
    let start = Instant::now();
    // As the app does: the pane's record goes to the writer before its first output.
    let workspace = crate::model::workspaces::Workspaces::new(Vec::new(), None)
        .active()
        .clone();
    let workspace_id = workspace.id;
    persistence.save_workspace(workspace);
    persistence.save_pane(crate::model::record::new_record(
        pane,
        &options,
        workspace_id,
    ));
    let terminal = Terminal::spawn(pane, options, listeners)?;
    wait_for_exit(&events)?;
    recorder.flush().context("committing the recording")?;
    let elapsed = start.elapsed();
    drop(terminal);
    recorder.shutdown().context("stopping the recorder")?;
    Ok(RecordedRun {
        elapsed,
        db_bytes: database_bytes(persistence.database_path()),
    })
}

fn wait_for_exit(
    events: &crossbeam_channel::Receiver<spaces_term::TerminalEvent>,
) -> anyhow::Result<()> {
    loop {
        let event = events
            .recv_timeout(Duration::from_secs(600))
            .context("the pane never finished")?;
        if matches!(event.kind, TerminalEventKind::Exited(_)) {
            return Ok(());
        }
    }
}

/// Size on disk of the database and its write-ahead log.
pub fn database_bytes(path: &Path) -> u64 {
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
    ));
    [path, wal.as_path()]
        .iter()
        .filter_map(|file| std::fs::metadata(file).ok())
        .map(|metadata| metadata.len())
        .sum()
}
