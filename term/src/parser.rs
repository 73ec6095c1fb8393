//! The pane's threads: a reader that only reads, a parser that coalesces queued chunks into one
//! locked advance of the `Term`, and a writer that feeds input to the child without ever
//! blocking the UI.
//!
//! The split was measured (see DESIGN.md): parsing on the reader thread is ~25% slower than
//! handing chunks to a parser thread that drains its queue in batches.

use std::io::{Read, Write};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use alacritty_terminal::sync::FairMutex;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use portable_pty::Child;

use crate::Term;
use crate::feed::{Answers, Feeder};
use crate::osc7::Osc7Scanner;
use crate::terminal::{ExitInfo, OutputSink, PaneId, Shared, TerminalEvent, TerminalEventKind};

/// Reads are ~4 KiB each; a big buffer lets a burst arrive in one read.
const READ_BUFFER: usize = 64 * 1024;
/// Chunks waiting for the parser. Bounded: a slow parser slows the reader, never drops bytes.
const PARSER_QUEUE: usize = 256;
/// How much queued output the parser takes per lock of the `Term`.
const PARSE_BATCH: usize = 64 * 1024;

pub(crate) struct Threads {
    pub id: PaneId,
    pub term: Arc<FairMutex<Term>>,
    pub shared: Arc<Shared>,
    pub initial_offset: u64,
    pub snapshot_interval: Option<Duration>,
    pub reader: Box<dyn Read + Send>,
    pub writer: Box<dyn Write + Send>,
    pub input: Receiver<Vec<u8>>,
    pub child: Box<dyn Child + Send + Sync>,
    pub sink: Option<Arc<dyn OutputSink>>,
    /// The pane's input queue, for answers the parser gives itself (colour queries).
    pub answers: crossbeam_channel::Sender<Vec<u8>>,
}

/// What the reader hands over when the child is gone.
struct Ended(ExitInfo);

pub(crate) fn start_threads(threads: Threads) -> std::io::Result<Vec<JoinHandle<()>>> {
    let Threads {
        id,
        term,
        shared,
        initial_offset,
        snapshot_interval,
        reader,
        writer,
        input,
        child,
        sink,
        answers,
    } = threads;
    let (chunks_tx, chunks_rx) = crossbeam_channel::bounded::<Arc<[u8]>>(PARSER_QUEUE);
    let (ended_tx, ended_rx) = crossbeam_channel::bounded::<Ended>(1);

    let reader_shared = shared.clone();
    let mut snapshots = Snapshotter {
        id,
        sink: sink.clone(),
        interval: snapshot_interval,
        feeder: Feeder::answering(Answers {
            writer: answers,
            palette: shared.palette_arc(),
        }),
        parsed: initial_offset,
        last_offset: initial_offset,
        last_time: Instant::now(),
    };
    let reader_thread = std::thread::Builder::new()
        .name(format!("pane-{id}-reader"))
        .spawn(move || {
            read_loop(id, reader, &reader_shared, sink.as_deref(), &chunks_tx);
            let exit = wait_for_child(child);
            // The parser sees the end once every chunk before it is parsed.
            let _ignored = ended_tx.send(Ended(exit));
            drop(chunks_tx);
        })?;

    let parser_thread = std::thread::Builder::new()
        .name(format!("pane-{id}-parser"))
        .spawn(move || {
            parse_loop(&term, &shared, &chunks_rx, &mut snapshots);
            if let Ok(Ended(exit)) = ended_rx.recv() {
                shared.set_exit(exit.clone());
                shared.bump_generation();
                shared.send_event(TerminalEvent {
                    pane: id,
                    kind: TerminalEventKind::Exited(exit),
                });
            }
        })?;

    let writer_thread = std::thread::Builder::new()
        .name(format!("pane-{id}-writer"))
        .spawn(move || write_loop(writer, &input))?;

    Ok(vec![reader_thread, parser_thread, writer_thread])
}

fn read_loop(
    id: PaneId,
    mut reader: Box<dyn Read + Send>,
    shared: &Shared,
    sink: Option<&dyn OutputSink>,
    chunks: &Sender<Arc<[u8]>>,
) {
    let mut buffer = vec![0u8; READ_BUFFER];
    loop {
        let count = match reader.read(&mut buffer) {
            Ok(0) => return,
            Ok(count) => count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            // EIO is how Linux reports that the child side of the PTY closed.
            Err(_) => return,
        };
        let chunk: Arc<[u8]> = Arc::from(&buffer[..count]);
        let offset = shared.add_bytes_read(count as u64);
        if let Some(sink) = sink {
            sink.output(id, offset, chunk.clone());
        }
        if chunks.send(chunk).is_err() {
            return;
        }
    }
}

fn wait_for_child(mut child: Box<dyn Child + Send + Sync>) -> ExitInfo {
    match child.wait() {
        Ok(status) => ExitInfo {
            code: status.exit_code(),
            signal: status.signal().map(str::to_owned),
        },
        Err(error) => {
            tracing::warn!(%error, "could not read a child's exit status");
            ExitInfo {
                code: 1,
                signal: None,
            }
        }
    }
}

fn parse_loop(
    term: &FairMutex<Term>,
    shared: &Shared,
    chunks: &Receiver<Arc<[u8]>>,
    snapshots: &mut Snapshotter,
) {
    let mut osc7 = Osc7Scanner::new();
    let mut batch: Vec<Arc<[u8]>> = Vec::with_capacity(64);
    loop {
        // During a synchronized update (mode 2026) the processor buffers output until the
        // application ends it or its deadline passes; then we must flush it ourselves. A
        // snapshot that falls due while output pauses is taken then too.
        let sync_deadline = snapshots.feeder.sync_deadline();
        let deadline = match (sync_deadline, snapshots.due_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match next_chunk(chunks, deadline) {
            Next::Chunk(chunk) => batch.push(chunk),
            Next::Deadline => {
                let mut term = term.lock_unfair();
                if sync_deadline.is_some_and(|d| d <= Instant::now()) {
                    snapshots.feeder.stop_sync(&mut *term);
                    shared.bump_generation();
                    shared.wake();
                }
                snapshots.take_if_due(&term, false);
                continue;
            }
            Next::Closed => break,
        }
        let mut queued = batch[0].len();
        while queued < PARSE_BATCH {
            match chunks.try_recv() {
                Ok(chunk) => {
                    queued += chunk.len();
                    batch.push(chunk);
                }
                Err(_) => break,
            }
        }
        if let Some(cwd) = batch.iter().filter_map(|chunk| osc7.feed(chunk)).last() {
            shared.set_reported_cwd(cwd);
        }
        {
            let mut term = term.lock_unfair();
            for chunk in batch.drain(..) {
                snapshots.feed(&mut term, &chunk);
            }
            snapshots.take_if_due(&term, false);
        }
        shared.bump_generation();
        shared.wake();
    }
    let mut term = term.lock_unfair();
    // Output that was inside an unfinished synchronized update is still shown.
    if snapshots.feeder.sync_bytes_count() > 0 {
        snapshots.feeder.stop_sync(&mut *term);
        shared.bump_generation();
    }
    // The last screen of a finished process, so a restore has nothing to replay.
    snapshots.take_if_due(&term, true);
}

/// Feeds the grid and decides when it is snapshotted, handing snapshots to the sink.
struct Snapshotter {
    id: PaneId,
    sink: Option<Arc<dyn OutputSink>>,
    interval: Option<Duration>,
    /// The parser, which also knows where the stream is at a clean boundary.
    feeder: Feeder,
    /// Stream offset just past the last parsed byte.
    parsed: u64,
    last_offset: u64,
    last_time: Instant,
}

/// With this much new output, snapshots come at most every `BUSY_INTERVAL` instead of the
/// configured interval, bounding what a restore must replay.
const BUSY_BYTES: u64 = 1024 * 1024;
const BUSY_INTERVAL: Duration = Duration::from_secs(2);
/// Entering the alternate screen: the main screen is snapshotted just before, because while
/// a full-screen program runs the main grid cannot be read.
const ENTER_ALT_SCREEN: &[u8] = b"\x1b[?1049h";

impl Snapshotter {
    fn enabled(&self) -> bool {
        self.interval.is_some() && self.sink.is_some()
    }

    fn due_at(&self) -> Option<Instant> {
        let interval = self.interval.filter(|_| self.sink.is_some())?;
        let new_bytes = self.parsed - self.last_offset;
        if new_bytes == 0 {
            return None;
        }
        let delay = if new_bytes >= BUSY_BYTES {
            BUSY_INTERVAL.min(interval)
        } else {
            interval
        };
        Some(self.last_time + delay)
    }

    /// Parses one chunk, snapshotting the main screen right before it switches to the
    /// alternate screen.
    fn feed(&mut self, term: &mut Term, chunk: &[u8]) {
        let split = if self.enabled() {
            memchr::memmem::find(chunk, ENTER_ALT_SCREEN)
        } else {
            None
        };
        let (before, after) = chunk.split_at(split.unwrap_or(chunk.len()));
        self.advance(term, before);
        if split.is_some() {
            self.take(term);
            self.advance(term, after);
        }
    }

    fn advance(&mut self, term: &mut Term, bytes: &[u8]) {
        self.feeder.feed(term, bytes);
        self.parsed += bytes.len() as u64;
    }

    fn take_if_due(&mut self, term: &Term, finishing: bool) {
        let due = match self.due_at() {
            Some(at) => finishing || at <= Instant::now(),
            None => false,
        };
        if due {
            self.take(term);
        }
    }

    /// Snapshots now if the stream is at a clean boundary on the main screen.
    fn take(&mut self, term: &Term) {
        let Some(sink) = &self.sink else { return };
        let clean = self.feeder.is_clean()
            && !term
                .mode()
                .contains(alacritty_terminal::term::TermMode::ALT_SCREEN);
        if clean && self.parsed != self.last_offset {
            sink.snapshot(self.id, self.parsed, crate::snapshot::encode(term));
            self.last_offset = self.parsed;
            self.last_time = Instant::now();
        }
    }
}

enum Next {
    Chunk(Arc<[u8]>),
    Deadline,
    Closed,
}

fn next_chunk(chunks: &Receiver<Arc<[u8]>>, deadline: Option<Instant>) -> Next {
    match deadline {
        Some(deadline) => match chunks.recv_deadline(deadline) {
            Ok(chunk) => Next::Chunk(chunk),
            Err(RecvTimeoutError::Timeout) => Next::Deadline,
            Err(RecvTimeoutError::Disconnected) => Next::Closed,
        },
        None => chunks.recv().map_or(Next::Closed, Next::Chunk),
    }
}

fn write_loop(mut writer: Box<dyn Write + Send>, input: &Receiver<Vec<u8>>) {
    for bytes in input {
        if writer
            .write_all(&bytes)
            .and_then(|()| writer.flush())
            .is_err()
        {
            // The child is gone; keep draining so senders never notice.
            continue;
        }
    }
}
