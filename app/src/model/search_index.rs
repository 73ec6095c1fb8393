//! The search index of terminal history, kept current: each pane's recorded output replayed
//! into history lines (the lines the history view shows, numbered alike) and written to the
//! store's index a batch at a time.
//!
//! The window runs [`SearchIndexer`] (a thread at idle priority with its own connection);
//! `spaces search` runs [`catch_up`] first, so results are complete without the window.
//!
//! Resuming: a replay carries terminal state (the screen, modes, a half-drawn line), so a
//! pane's lines after offset X depend on everything before X. The indexer therefore replays
//! a pane from its base offset, and an indexer that starts (a new window, the CLI) replays
//! what is already indexed without writing it, to rebuild that state, and writes only what
//! follows. The window keeps each pane's replay in memory between rounds, so it replays a
//! pane's old output once per start; the CLI replays the panes that are behind. Every write
//! is checked against the progress inside its transaction, and the replay is deterministic,
//! so two indexers of one pane write each line once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossbeam_channel::{Receiver, Sender};
use spaces_store::{AppendOutcome, Database, PaneId, PaneToIndex, SearchBatch, SearchProgress};

use crate::model::history::{HistoryLines, replay_size};

/// Output fed between two commits: a few thousand lines, a short transaction (the recorder
/// waits for the database while one is open).
const BATCH_BYTES: usize = 512 * 1024;
/// Output one pane gets before the next pane's turn, so one flooding pane does not hold the
/// others back.
const TURN_BYTES: usize = 32 * 1024 * 1024;
/// How often the window's indexer looks for new output by itself. The window wakes it when
/// its panes printed (at most once a second) and a search wakes it, so an idle window's
/// indexer sleeps.
pub const WAKE_INTERVAL: Duration = Duration::from_secs(60);
/// Replays kept in memory between rounds (each holds a terminal); the least recently used
/// goes first.
const KEPT_REPLAYS: usize = 32;

/// What a round of indexing did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CatchUpReport {
    /// Output replayed (including output replayed only to rebuild a replay's state).
    pub bytes: u64,
    /// History lines written.
    pub lines: u64,
    /// Some pane still has output to index (the round stopped early).
    pub more: bool,
}

/// The replays of the panes being indexed, kept between rounds.
#[derive(Default)]
pub struct Replays {
    panes: HashMap<PaneId, Replay>,
    round: u64,
}

/// One pane's replay: where it stands in the output and in the lines.
struct Replay {
    base_offset: u64,
    cols: u16,
    rows: u16,
    lines: HistoryLines,
    /// The end of the output fed.
    fed: u64,
    /// Lines produced so far (the number of the next final line).
    produced: u64,
    last_round: u64,
}

impl Replay {
    fn new(progress: &SearchProgress) -> Self {
        let size = spaces_term::TermSize::new(progress.cols, progress.rows);
        Self {
            base_offset: progress.base_offset,
            cols: progress.cols,
            rows: progress.rows,
            lines: HistoryLines::new(size, progress.base_offset),
            fed: progress.base_offset,
            produced: 0,
            last_round: 0,
        }
    }

    /// Still a replay of what `progress` describes, and not past it (a restarted index
    /// starts over).
    fn follows(&self, progress: &SearchProgress) -> bool {
        (self.base_offset, self.cols, self.rows)
            == (progress.base_offset, progress.cols, progress.rows)
            && self.fed <= progress.indexed_offset
    }
}

impl Replays {
    /// Indexes every pane that is behind, each for at most a turn per round, until all are
    /// caught up or `stop` is set. `skip` leaves out panes the caller does not want to wait
    /// for.
    pub fn catch_up(
        &mut self,
        database: &Database,
        stop: &dyn Fn() -> bool,
        skip: impl Fn(&PaneToIndex) -> bool,
    ) -> anyhow::Result<CatchUpReport> {
        let mut report = CatchUpReport::default();
        loop {
            self.round += 1;
            let behind: Vec<PaneToIndex> = database
                .panes_to_index()?
                .into_iter()
                .filter(|pane| !skip(pane))
                .collect();
            if behind.is_empty() {
                report.more = false;
                return Ok(report);
            }
            for target in &behind {
                if stop() {
                    report.more = true;
                    return Ok(report);
                }
                let turn = self.index_pane(database, target, stop)?;
                report.bytes += turn.bytes;
                report.lines += turn.lines;
            }
            self.forget_old_replays();
        }
    }

    /// One turn of one pane: replays its output from where its replay stands and writes the
    /// lines past the index's progress.
    fn index_pane(
        &mut self,
        database: &Database,
        target: &PaneToIndex,
        stop: &dyn Fn() -> bool,
    ) -> anyhow::Result<CatchUpReport> {
        let pane = target.pane;
        let progress = match target.progress {
            Some(progress) if progress.base_offset >= target.first_offset => progress,
            // Never indexed, or its oldest output was trimmed away: (re)start from the
            // oldest byte kept, at the size the history view will use.
            _ => {
                let size = replay_size(database, pane, target.first_offset)?;
                database.start_search_index(pane, target.first_offset, size.cols, size.rows)?
            }
        };
        let round = self.round;
        let replay = self
            .panes
            .entry(pane)
            .and_modify(|replay| {
                if !replay.follows(&progress) {
                    *replay = Replay::new(&progress);
                }
            })
            .or_insert_with(|| Replay::new(&progress));
        replay.last_round = round;
        let mut turn = Turn {
            pane,
            progress,
            finals: Vec::new(),
            since_commit: 0,
            report: CatchUpReport::default(),
            stale: false,
        };
        let mut failure = None;
        database.for_each_output_since(pane, replay.fed, |chunk| {
            if chunk.start_offset != replay.fed {
                // A hole in the output (lost to a crash): the history view replays across
                // it too, so the index does the same.
                tracing::debug!(%pane, at = replay.fed, "output resumes at {}", chunk.start_offset);
            }
            let lines = replay.lines.push(&chunk.bytes, chunk.created_at_ms);
            let count = lines.len() as u64;
            turn.take(replay.produced, lines);
            replay.produced += count;
            replay.fed = chunk.end_offset;
            turn.since_commit += chunk.bytes.len();
            turn.report.bytes += chunk.bytes.len() as u64;
            if turn.since_commit >= BATCH_BYTES && replay.fed > turn.progress.indexed_offset {
                if let Err(error) = turn.commit(database, replay) {
                    failure = Some(error);
                    return false;
                }
                if turn.stale {
                    return false;
                }
            }
            turn.report.bytes < TURN_BYTES as u64 && !stop()
        })?;
        if let Some(error) = failure {
            return Err(error);
        }
        if !turn.stale && replay.fed > turn.progress.indexed_offset {
            turn.commit(database, replay)?;
        }
        if turn.stale {
            // Another indexer restarted this pane: start over next round.
            self.panes.remove(&pane);
        }
        Ok(turn.report)
    }

    fn forget_old_replays(&mut self) {
        while self.panes.len() > KEPT_REPLAYS {
            let oldest = self
                .panes
                .iter()
                .min_by_key(|(_, replay)| replay.last_round)
                .map(|(pane, _)| *pane);
            match oldest {
                Some(pane) => self.panes.remove(&pane),
                None => break,
            };
        }
    }
}

/// The lines of one turn not written yet: the last `finals.len()` lines the replay produced.
struct Turn {
    pane: PaneId,
    progress: SearchProgress,
    finals: Vec<String>,
    since_commit: usize,
    report: CatchUpReport,
    stale: bool,
}

impl Turn {
    /// Keeps the new lines (numbered from `next`) that the index does not have yet; lines it
    /// has were replayed only to rebuild the replay's state.
    fn take(&mut self, next: u64, lines: Vec<String>) {
        let skip = self.progress.final_lines.saturating_sub(next);
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        self.finals.extend(lines.into_iter().skip(skip));
    }

    /// Writes the kept lines and the last screen, up to where the replay stands.
    fn commit(&mut self, database: &Database, replay: &Replay) -> anyhow::Result<()> {
        let screen = replay.lines.pending();
        let first_line = replay.produced - self.finals.len() as u64;
        let batch = SearchBatch {
            base_offset: replay.base_offset,
            cols: replay.cols,
            rows: replay.rows,
            first_line,
            final_lines: &self.finals,
            screen_lines: &screen,
            end_offset: replay.fed,
        };
        let outcome = database
            .append_search_lines(self.pane, &batch)
            .with_context(|| format!("indexing the history of pane {}", self.pane))?;
        match outcome {
            AppendOutcome::Appended => {
                self.report.lines += self.finals.len() as u64;
                self.progress.indexed_offset = replay.fed;
                self.progress.final_lines = replay.produced;
            }
            AppendOutcome::AlreadyIndexed => self.progress.final_lines = replay.produced,
            AppendOutcome::Stale => self.stale = true,
        }
        self.finals.clear();
        self.since_commit = 0;
        Ok(())
    }
}

/// Brings the index of every pane up to its recorded output, on `database` (a writable
/// connection). `skip` leaves out panes not to wait for.
pub fn catch_up(
    database: &Database,
    skip: impl Fn(&PaneToIndex) -> bool,
) -> anyhow::Result<CatchUpReport> {
    Replays::default().catch_up(database, &|| false, skip)
}

/// The window's indexer: a thread that indexes new output through its own connection when
/// woken (the window wakes it when panes printed; a search wakes it urgently) or every
/// [`WAKE_INTERVAL`]. It writes in short transactions and only while the panes are quiet
/// (`quiet`), unless a search waits: the database takes one writer at a time, and the
/// recorder must never wait behind it while output streams in. Dropping it stops the thread.
pub struct SearchIndexer {
    stop: Arc<AtomicBool>,
    /// A search waits: index now, output or not.
    urgent: Arc<AtomicBool>,
    wake: Sender<()>,
    thread: Option<JoinHandle<()>>,
}

/// Whether the panes are quiet enough to index now (no output for a moment).
pub type Quiet = Box<dyn Fn() -> bool + Send>;

impl SearchIndexer {
    /// Starts indexing the database at `database` (which must exist and be migrated).
    pub fn start(database: &Path, quiet: Quiet) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let urgent = Arc::new(AtomicBool::new(false));
        let (wake, woken) = crossbeam_channel::bounded(1);
        let path = database.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("search-index".into())
            .spawn({
                let stop = stop.clone();
                let urgent = urgent.clone();
                move || run_indexer(&path, &stop, &urgent, &quiet, &woken)
            })
            .context("starting the search indexer")?;
        Ok(Self {
            stop,
            urgent,
            wake,
            thread: Some(thread),
        })
    }

    /// Wakes the indexer urgently from another thread (a search about to wait for it).
    pub fn waker(&self) -> impl Fn() + Send + Sync + 'static {
        let wake = self.wake.clone();
        let urgent = self.urgent.clone();
        move || {
            urgent.store(true, Ordering::Relaxed);
            // Full: a wake-up is already pending.
            let _pending = wake.try_send(());
        }
    }

    /// Looks for new output to index once the panes are quiet.
    pub fn wake(&self) {
        // Full: a wake-up is already pending.
        let _pending = self.wake.try_send(());
    }

    /// Indexes now, even while panes print (a `spaces search` waits for it).
    pub fn wake_now(&self) {
        self.urgent.store(true, Ordering::Relaxed);
        self.wake();
    }
}

impl Drop for SearchIndexer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the search indexer panicked");
        }
    }
}

/// How often a waiting indexer looks whether the panes went quiet.
const QUIET_POLL: Duration = Duration::from_millis(250);

fn run_indexer(
    path: &Path,
    stop: &AtomicBool,
    urgent: &AtomicBool,
    quiet: &Quiet,
    woken: &Receiver<()>,
) {
    let mut database = None;
    let mut replays = Replays::default();
    let mut more = true;
    while !stop.load(Ordering::Relaxed) {
        let may_write = || urgent.load(Ordering::Relaxed) || quiet();
        if more && may_write() {
            if database.is_none() {
                database = Database::open(path)
                    .map_err(|error| {
                        tracing::warn!(%error, "search index: cannot open the database");
                    })
                    .ok();
            }
            if let Some(open) = &database {
                let start = Instant::now();
                // Stops between two short transactions when output starts streaming.
                let interrupt = || stop.load(Ordering::Relaxed) || !may_write();
                match replays.catch_up(open, &interrupt, |_| false) {
                    Ok(report) => {
                        more = report.more;
                        if !more {
                            urgent.store(false, Ordering::Relaxed);
                        }
                        if report.bytes > 0 {
                            tracing::debug!(
                                bytes = report.bytes,
                                lines = report.lines,
                                ms = start.elapsed().as_millis() as u64,
                                "search index caught up"
                            );
                        }
                    }
                    Err(error) => {
                        tracing::warn!("search index: {error:#}");
                        // Reopened next time (the file may have been moved aside and replaced).
                        database = None;
                        replays = Replays::default();
                    }
                }
            }
        }
        // Work left (output streams in): look again soon; else sleep until woken.
        let wait = if more { QUIET_POLL } else { WAKE_INTERVAL };
        let _woken_or_due = woken.recv_timeout(wait);
        more = true;
    }
}

#[cfg(test)]
#[path = "search_index/tests.rs"]
mod tests;
