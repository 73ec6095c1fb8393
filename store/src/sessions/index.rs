//! The incremental indexer: finds transcripts, reads only what changed (a file whose size and
//! mtime are unchanged is not opened; an appended JSONL file is read from where the last run
//! stopped; a rewritten or shrunk one is read again whole), and writes sessions, messages and
//! the search index in batched transactions.
//!
//! Reading and parsing run on a `session-reader` thread while the caller's thread writes to
//! SQLite, so the two halves of the work overlap on two cores.

mod store;
mod titles;

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::discover::{FoundFile, discover};
use super::transcript::{LineCounts, ReaderState, Transcript, read_open_transcript};
use super::{Agent, SessionRoots};
use crate::database::Database;
use crate::error::Result;

/// Bytes kept from just before the resume offset, to notice a file rewritten with more bytes.
pub(crate) const TAIL_CHECK_BYTES: u64 = 64;

/// The most problems a report lists one by one (all are counted).
const MAX_LISTED_PROBLEMS: usize = 100;

/// Files written per transaction, and bytes: a crash loses at most one batch, which the
/// next run reads again (offsets are committed with the rows they produced).
const BATCH_FILES: usize = 256;
const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// How far an index run has got, for a progress bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IndexProgress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub files_done: u64,
    pub files_total: u64,
}

/// Something that went wrong with one file or folder; indexing went on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndexProblem {
    pub path: String,
    pub problem: String,
}

impl IndexProblem {
    pub(crate) fn new(path: &Path, error: &io::Error) -> Self {
        Self {
            path: path.to_string_lossy().into_owned(),
            problem: error.to_string(),
        }
    }
}

/// What an index run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IndexReport {
    /// Transcript files found under the roots.
    pub files_found: u64,
    /// Files whose content was read (new, grown or rewritten).
    pub files_read: u64,
    /// Files skipped because their size and mtime had not changed.
    pub files_unchanged: u64,
    /// Files read again whole (rewritten, shrunk, or a format that is always read whole).
    pub files_read_whole: u64,
    /// Files the agents deleted since an earlier run (their sessions are kept).
    pub files_gone: u64,
    /// Codex rollouts skipped because the `sessions/` copy of the same session wins.
    pub duplicates_skipped: u64,
    /// Files that could not be read, or had lines that were not understood.
    pub files_with_problems: u64,
    /// Folders or entries that could not be listed or looked at.
    pub entries_unreadable: u64,
    /// Bytes of transcript content read and parsed.
    pub bytes_read: u64,
    /// Bytes read only to check that a file was appended to, not rewritten (at most
    /// [`TAIL_CHECK_BYTES`] before the old and the new resume offsets of each file read).
    pub check_bytes_read: u64,
    pub sessions_updated: u64,
    /// Codex sessions titled from Codex's own `state_*.sqlite` (its `threads` table).
    pub titles_from_codex_state: u64,
    pub messages_added: u64,
    /// Lines read, and those not understood, by kind.
    pub lines: LineCounts,
    /// The first problems, one by one.
    pub problems: Vec<IndexProblem>,
    pub elapsed_ms: u64,
}

impl IndexReport {
    /// Lines that did not give what they held (malformed, too long, incomplete).
    pub fn lines_not_understood(&self) -> u64 {
        self.lines.not_understood()
    }

    fn problem(&mut self, problem: IndexProblem) {
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(problem);
        }
    }
}

/// What the index holds about a file from an earlier run.
#[derive(Clone, Debug)]
pub(crate) struct StoredFile {
    pub id: i64,
    pub agent: String,
    pub size: u64,
    pub mtime_ns: i64,
    pub resume_offset: u64,
    pub tail_check: Vec<u8>,
    pub reader_state: String,
    pub gone: bool,
}

/// One file to read, and from where.
#[derive(Debug)]
pub(crate) struct Job {
    pub found: FoundFile,
    pub start: u64,
    pub tail_check: Vec<u8>,
    pub state: ReaderState,
    pub stored_id: Option<i64>,
}

/// A job's result, sent from the reader thread to the writer.
#[derive(Debug)]
pub(crate) struct ReadFile {
    pub job: Job,
    pub result: io::Result<ReadOutcome>,
}

#[derive(Debug)]
pub(crate) struct ReadOutcome {
    pub transcript: Transcript,
    /// Read from byte 0 (the index's rows for the session are replaced).
    pub whole: bool,
    pub tail_check: Vec<u8>,
    pub check_bytes_read: u64,
}

impl Database {
    /// Indexes every session under `roots`, reading only what changed since the last run.
    /// `progress` is called on this thread as files are done. Problems with single files or
    /// lines are counted in the report; only a database error fails the run.
    pub fn index_sessions(
        &self,
        roots: &SessionRoots,
        progress: &mut dyn FnMut(IndexProgress),
    ) -> Result<IndexReport> {
        let started = Instant::now();
        let mut report = IndexReport::default();
        let discovery = discover(roots);
        report.files_found = discovery.files.len() as u64;
        report.duplicates_skipped = discovery.duplicates;
        report.entries_unreadable = discovery.problems.len() as u64;
        discovery
            .problems
            .into_iter()
            .for_each(|p| report.problem(p));
        let stored = store::stored_files(self.connection())?;
        report.files_gone = store::mark_gone(self.connection(), roots, &discovery.files, &stored)?;
        let jobs = plan(discovery.files, &stored, &mut report);
        // Codex's state database is read only when a rollout changed, so a run with nothing
        // changed reads nothing at all.
        let codex_changed = jobs.iter().any(|job| job.found.agent == Agent::Codex);
        let mut writer = store::Writer::new(self.connection(), jobs.len() as u64, &jobs);
        let _tuning = store::BulkTuning::apply(self.connection())?;
        std::thread::scope(|scope| -> Result<()> {
            let (sender, receiver) = crossbeam_channel::bounded::<ReadFile>(4);
            let reader = std::thread::Builder::new()
                .name("session-reader".to_owned())
                .spawn_scoped(scope, move || read_jobs(jobs, &sender))
                .map_err(|source| {
                    crate::error::StoreError::io("could not start", "session-reader", source)
                })?;
            let written = writer.write_all(&receiver, &mut report, progress);
            drop(receiver);
            if reader.join().is_err() {
                tracing::error!("the session reader thread panicked");
            }
            written
        })?;
        store::resolve_gemini_hash_folders(self.connection())?;
        if let Some(codex) = roots.codex.as_ref().filter(|_| codex_changed) {
            report.titles_from_codex_state =
                titles::apply_codex_state_titles(self.connection(), codex)?;
        }
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(report)
    }
}

/// Decides, per found file, whether and from where to read it.
fn plan(
    found: Vec<FoundFile>,
    stored: &HashMap<Vec<u8>, StoredFile>,
    report: &mut IndexReport,
) -> Vec<Job> {
    let mut jobs = Vec::new();
    for file in found {
        let key = file.path.as_os_str().as_bytes().to_vec();
        let Some(known) = stored.get(&key) else {
            jobs.push(Job::new(file, 0, Vec::new(), ReaderState::default(), None));
            continue;
        };
        let unchanged = !known.gone && known.size == file.size && known.mtime_ns == file.mtime_ns;
        if unchanged {
            report.files_unchanged += 1;
            continue;
        }
        let appendable = file.agent != Agent::Gemini
            && !known.gone
            && known.agent == file.agent.as_str()
            && file.size > known.size
            && known.resume_offset <= file.size;
        let (start, tail, state) = if appendable {
            let state = serde_json::from_str(&known.reader_state).unwrap_or_default();
            (known.resume_offset, known.tail_check.clone(), state)
        } else {
            (0, Vec::new(), ReaderState::default())
        };
        jobs.push(Job::new(file, start, tail, state, Some(known.id)));
    }
    jobs
}

impl Job {
    fn new(
        found: FoundFile,
        start: u64,
        tail_check: Vec<u8>,
        state: ReaderState,
        stored_id: Option<i64>,
    ) -> Self {
        Self {
            found,
            start,
            tail_check,
            state,
            stored_id,
        }
    }
}

/// The reader thread: reads each job and hands the result to the writer.
fn read_jobs(jobs: Vec<Job>, sender: &crossbeam_channel::Sender<ReadFile>) {
    for job in jobs {
        let result = read_job(&job);
        if sender.send(ReadFile { job, result }).is_err() {
            return;
        }
    }
}

fn read_job(job: &Job) -> io::Result<ReadOutcome> {
    let file = File::open(&job.found.path)?;
    let length = file.metadata()?.len().min(job.found.size.max(job.start));
    let mut check_bytes_read = 0;
    let mut start = job.start;
    let mut state = job.state.clone();
    if start > 0 {
        let tail = read_tail(&file, start)?;
        check_bytes_read += tail.len() as u64;
        if tail != job.tail_check {
            start = 0;
            state = ReaderState::default();
        }
    }
    let checker = file.try_clone()?;
    let transcript =
        read_open_transcript(job.found.agent, &job.found.path, file, start, length, state)?;
    let tail_check = read_tail(&checker, transcript.end_offset)?;
    check_bytes_read += tail_check.len() as u64;
    Ok(ReadOutcome {
        whole: start == 0,
        transcript,
        tail_check,
        check_bytes_read,
    })
}

/// The bytes just before `offset` (at most [`TAIL_CHECK_BYTES`]).
fn read_tail(file: &File, offset: u64) -> io::Result<Vec<u8>> {
    let from = offset.saturating_sub(TAIL_CHECK_BYTES);
    let mut tail = vec![0; usize::try_from(offset - from).unwrap_or(0)];
    match file.read_exact_at(&mut tail, from) {
        Ok(()) => Ok(tail),
        // Truncated meanwhile: an empty check never matches a later run, which reads whole.
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}
