//! What a window needs before its first frame: the frame clock and event channel the panes
//! report to, the control socket, and the store opened with what the last run left to
//! restore.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use spaces_term::TerminalEvent;
use spaces_term::terminal::Listeners;

use super::{AppConfig, MIN_FRAME_INTERVAL};
use crate::control::ControlServer;
use crate::model::Notice;
use crate::model::persistence::{Persistence, Saved};
use crate::model::restore::RestorePlan;

/// The window's runtime pieces, made before anything is restored.
pub(super) struct Runtime {
    pub events: Receiver<TerminalEvent>,
    /// What every pane reports to (the recorder's sink is added once the store is open).
    pub listeners: Listeners,
    pub control: Option<ControlServer>,
    pub notices: Vec<Notice>,
}

impl Runtime {
    pub fn start(ctx: &egui::Context, config: &AppConfig) -> anyhow::Result<Self> {
        let frame_clock = Arc::new(FrameClock::new());
        // Unbounded: events are rare (titles, bells, exits) and a pane's parser thread must
        // never wait for the UI.
        let (events_tx, events) = crossbeam_channel::unbounded();
        let wake: spaces_term::Wake = {
            let ctx = ctx.clone();
            let clock = frame_clock.clone();
            Arc::new(move || clock.wake(&ctx))
        };
        let listeners = Listeners {
            events: events_tx,
            wake,
            sink: None,
            palette: Arc::new(spaces_term::palette::Palette::default()),
        };
        let mut notices = Vec::new();
        let control = if config.control_socket {
            start_control_server(ctx, &config.data_dir, &mut notices)?
        } else {
            None
        };
        Ok(Self {
            events,
            listeners,
            control,
            notices,
        })
    }
}

/// Set when the process is asked to end (SIGTERM, SIGHUP at logout, SIGINT): the window then
/// closes as if the user quit, saving everything first.
pub(super) fn watch_quit_signals(ctx: &egui::Context) -> Arc<std::sync::atomic::AtomicBool> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let asked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let signals = match signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) {
        Ok(signals) => signals,
        Err(error) => {
            tracing::warn!(%error, "cannot watch for SIGTERM; it will end the window unsaved");
            return asked;
        }
    };
    let flag = asked.clone();
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name("quit-signals".into())
        .spawn(move || {
            let mut signals = signals;
            if signals.forever().next().is_some() {
                flag.store(true, Ordering::SeqCst);
                ctx.request_repaint();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot watch for SIGTERM");
    }
    asked
}

/// The store, opened: persistence with its recorder running, and what to restore.
pub(super) struct Store {
    pub persistence: Persistence,
    pub saved: Option<Saved>,
    pub plans: Vec<RestorePlan>,
}

/// Opens the database (moving a broken one aside), reads what to restore from it (or from
/// the old file, read-only, when it cannot be written), then starts the recorder on it.
pub(super) fn open_store(config: &AppConfig, notices: &mut Vec<Notice>) -> Store {
    let (opened, database) = Persistence::open(&config.data_dir);
    notices.extend(opened.notices);
    let mut persistence = opened.persistence;
    let saved = opened.saved;
    let plans = match (&saved, opened.restore_source.as_ref().or(database.as_ref())) {
        (Some(saved), Some(database)) if !saved.layouts.is_empty() => {
            crate::model::restore::load_plans(database, saved.panes.clone(), notices)
        }
        _ => Vec::new(),
    };
    if let (Some(database), Some(extra)) = (&database, config.database_growth_limit_pages) {
        let limit = database.page_count().map(|pages| pages + extra);
        if let Err(error) = limit.and_then(|limit| database.set_max_page_count(limit)) {
            notices.push(Notice::warning(format!(
                "could not limit the database size: {error}"
            )));
        }
    }
    if let Some(database) = database
        && let Err(problem) = persistence.start_recorder(database, config.damage_checks)
    {
        notices.push(Notice::error(problem));
    }
    Store {
        persistence,
        saved,
        plans,
    }
}

/// How long the panes must have printed nothing before the search indexer writes.
const QUIET_BEFORE_INDEXING_MS: i64 = 1_000;

/// Starts indexing new output for search, when this session is saved to disk.
pub(super) fn start_search_indexer(
    persistence: &Persistence,
    notices: &mut Vec<Notice>,
) -> Option<crate::model::search_index::SearchIndexer> {
    if !persistence.saves_to_disk() {
        return None;
    }
    // Indexing waits while panes print: the recorder must never wait for the database.
    let recorder = persistence.recorder.clone();
    let quiet: crate::model::search_index::Quiet = Box::new(move || {
        recorder
            .as_ref()
            .is_none_or(|recorder| recorder.millis_since_output() >= QUIET_BEFORE_INDEXING_MS)
    });
    match crate::model::search_index::SearchIndexer::start(persistence.database_path(), quiet) {
        Ok(indexer) => Some(indexer),
        Err(error) => {
            notices.push(Notice::warning(format!(
                "search will not find new output until `spaces search` runs: {error:#}"
            )));
            None
        }
    }
}

/// Starts the control socket. Another window on the same data directory is fatal (two windows
/// would fight over one database); any other failure (a read-only directory) only turns
/// `spaces cli` off, with a notice.
fn start_control_server(
    ctx: &egui::Context,
    data_dir: &std::path::Path,
    notices: &mut Vec<Notice>,
) -> anyhow::Result<Option<ControlServer>> {
    let wake_ctx = ctx.clone();
    match ControlServer::start(data_dir, Arc::new(move || wake_ctx.request_repaint())) {
        Ok(server) => Ok(Some(server)),
        Err(error) if crate::control::is_already_running(&error) => Err(error),
        Err(error) => {
            notices.push(Notice::error(format!(
                "`spaces cli` is unavailable: {error:#}"
            )));
            Ok(None)
        }
    }
}

/// Paces the frames that output asks for, shared with the pane threads' wake callback: a
/// flood of output asks for at most one frame per `MIN_FRAME_INTERVAL`, yet output after a
/// quiet spell (a key's echo, right after the frame that sent the key) is drawn at once.
/// Frames drawn for other reasons (input, the window) do not delay the next output frame.
pub(super) struct FrameClock {
    start: Instant,
    /// When output last asked for an immediate frame (ms since `start`).
    last_output_frame_ms: AtomicU64,
}

impl FrameClock {
    pub(super) fn new() -> Self {
        Self {
            start: Instant::now(),
            last_output_frame_ms: AtomicU64::new(0),
        }
    }

    fn wake(&self, ctx: &egui::Context) {
        let now = self.start.elapsed().as_millis() as u64 + MIN_FRAME_INTERVAL.as_millis() as u64;
        let last = self.last_output_frame_ms.load(Ordering::Relaxed);
        let since = now.saturating_sub(last);
        let interval = MIN_FRAME_INTERVAL.as_millis() as u64;
        if since >= interval {
            self.last_output_frame_ms.store(now, Ordering::Relaxed);
            ctx.request_repaint();
        } else {
            ctx.request_repaint_after(Duration::from_millis(interval - since));
        }
    }
}
