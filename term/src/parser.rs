//! The pane's threads: a reader that only reads, a parser that coalesces queued chunks into one
//! locked advance of the `Term`, and a writer that feeds input to the child without ever
//! blocking the UI.
//!
//! The split was measured (see DESIGN.md): parsing on the reader thread is ~25% slower than
//! handing chunks to a parser thread that drains its queue in batches.

use std::io::{Read, Write};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use alacritty_terminal::sync::FairMutex;
use alacritty_terminal::vte::ansi::{Processor, StdSyncHandler};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use portable_pty::Child;

use crate::Term;
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
    pub reader: Box<dyn Read + Send>,
    pub writer: Box<dyn Write + Send>,
    pub input: Receiver<Vec<u8>>,
    pub child: Box<dyn Child + Send + Sync>,
    pub sink: Option<Arc<dyn OutputSink>>,
}

/// What the reader hands over when the child is gone.
struct Ended(ExitInfo);

pub(crate) fn start_threads(threads: Threads) -> std::io::Result<Vec<JoinHandle<()>>> {
    let Threads {
        id,
        term,
        shared,
        reader,
        writer,
        input,
        child,
        sink,
    } = threads;
    let (chunks_tx, chunks_rx) = crossbeam_channel::bounded::<Arc<[u8]>>(PARSER_QUEUE);
    let (ended_tx, ended_rx) = crossbeam_channel::bounded::<Ended>(1);

    let reader_shared = shared.clone();
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
            parse_loop(&term, &shared, &chunks_rx);
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

fn parse_loop(term: &FairMutex<Term>, shared: &Shared, chunks: &Receiver<Arc<[u8]>>) {
    let mut processor: Processor<StdSyncHandler> = Processor::new();
    let mut batch: Vec<Arc<[u8]>> = Vec::with_capacity(64);
    loop {
        // During a synchronized update (mode 2026) the processor buffers output until the
        // application ends it or its deadline passes; then we must flush it ourselves.
        match next_chunk(chunks, processor.sync_timeout().sync_timeout()) {
            Next::Chunk(chunk) => batch.push(chunk),
            Next::SyncDeadline => {
                processor.stop_sync(&mut *term.lock_unfair());
                shared.bump_generation();
                shared.wake();
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
        {
            let mut term = term.lock_unfair();
            for chunk in batch.drain(..) {
                processor.advance(&mut *term, &chunk);
            }
        }
        shared.bump_generation();
        shared.wake();
    }
    // Output that was inside an unfinished synchronized update is still shown.
    if processor.sync_bytes_count() > 0 {
        processor.stop_sync(&mut *term.lock_unfair());
        shared.bump_generation();
    }
}

enum Next {
    Chunk(Arc<[u8]>),
    SyncDeadline,
    Closed,
}

fn next_chunk(chunks: &Receiver<Arc<[u8]>>, deadline: Option<Instant>) -> Next {
    match deadline {
        Some(deadline) => match chunks.recv_deadline(deadline) {
            Ok(chunk) => Next::Chunk(chunk),
            Err(RecvTimeoutError::Timeout) => Next::SyncDeadline,
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
