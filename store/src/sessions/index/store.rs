//! The writing half of the indexer: file rows, session rows (replaced after a whole read,
//! merged after an appended one) and message rows, in batched transactions.

use std::collections::{HashMap, HashSet};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crossbeam_channel::Receiver;
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    BATCH_BYTES, BATCH_FILES, IndexProblem, IndexProgress, IndexReport, Job, ReadFile, ReadOutcome,
    StoredFile,
};
use crate::clock::unix_millis;
use crate::error::Result;
use crate::sessions::sha256::hex_digest;
use crate::sessions::transcript::{ParsedMessage, SessionFacts, Title, TitleSource};
use crate::sessions::{Agent, SessionRoots};

/// Every file the index knows, by the bytes of its path.
pub(super) fn stored_files(connection: &Connection) -> Result<HashMap<Vec<u8>, StoredFile>> {
    let mut statement = connection.prepare(
        "SELECT id, path, agent, size, mtime_ns, resume_offset, tail_check, reader_state, gone
         FROM session_files",
    )?;
    let rows = statement.query_map([], |row| {
        let path: Vec<u8> = row.get(1)?;
        let file = StoredFile {
            id: row.get(0)?,
            agent: row.get(2)?,
            size: row.get(3)?,
            mtime_ns: row.get(4)?,
            resume_offset: row.get(5)?,
            tail_check: row.get(6)?,
            reader_state: row.get(7)?,
            gone: row.get(8)?,
        };
        Ok((path, file))
    })?;
    Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
}

/// Marks the files of scanned agents that are no longer on disk; returns how many.
pub(super) fn mark_gone(
    connection: &Connection,
    roots: &SessionRoots,
    found: &[crate::sessions::discover::FoundFile],
    stored: &HashMap<Vec<u8>, StoredFile>,
) -> Result<u64> {
    let scanned: Vec<&str> = [
        (Agent::Claude, &roots.claude),
        (Agent::Codex, &roots.codex),
        (Agent::Gemini, &roots.gemini),
    ]
    .into_iter()
    .filter(|(_, root)| root.is_some())
    .map(|(agent, _)| agent.as_str())
    .collect();
    let present: HashSet<&[u8]> = found
        .iter()
        .map(|file| file.path.as_os_str().as_bytes())
        .collect();
    let mut gone = 0;
    for (path, file) in stored {
        let candidate = !file.gone
            && scanned.contains(&file.agent.as_str())
            && !present.contains(path.as_slice());
        if candidate && is_missing(Path::new(std::ffi::OsStr::from_bytes(path))) {
            set_gone(connection, file.id)?;
            gone += 1;
        }
    }
    Ok(gone)
}

fn is_missing(path: &Path) -> bool {
    matches!(std::fs::symlink_metadata(path), Err(error) if error.kind() == std::io::ErrorKind::NotFound)
}

fn set_gone(connection: &Connection, file_id: i64) -> Result<()> {
    connection
        .prepare_cached("UPDATE session_files SET gone = 1 WHERE id = ?1")?
        .execute([file_id])?;
    Ok(())
}

/// Pragmas for a bulk write, put back as they were when dropped: a larger page cache (the
/// message and full-text B-trees outgrow SQLite's default 2 MB and each insert then reads
/// pages back from disk) and fewer WAL checkpoints (each one waits for the disk).
pub(super) struct BulkTuning<'a> {
    connection: &'a Connection,
    cache_size: i64,
    autocheckpoint: i64,
}

/// The page cache while indexing, in KiB (SQLite's negative form).
const BULK_CACHE_KIB: i64 = 64 * 1024;
/// WAL pages between checkpoints while indexing (about 64 MB).
const BULK_AUTOCHECKPOINT_PAGES: i64 = 16_384;

impl<'a> BulkTuning<'a> {
    pub(super) fn apply(connection: &'a Connection) -> Result<Self> {
        let cache_size = connection.query_row("PRAGMA cache_size", [], |row| row.get(0))?;
        let autocheckpoint =
            connection.query_row("PRAGMA wal_autocheckpoint", [], |row| row.get(0))?;
        connection.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        connection.query_row(
            &format!("PRAGMA wal_autocheckpoint = {BULK_AUTOCHECKPOINT_PAGES}"),
            [],
            |row| row.get::<_, i64>(0),
        )?;
        Ok(Self {
            connection,
            cache_size,
            autocheckpoint,
        })
    }
}

impl Drop for BulkTuning<'_> {
    fn drop(&mut self) {
        let restored = self
            .connection
            .pragma_update(None, "cache_size", self.cache_size)
            .and_then(|()| {
                self.connection.query_row(
                    &format!("PRAGMA wal_autocheckpoint = {}", self.autocheckpoint),
                    [],
                    |row| row.get::<_, i64>(0),
                )
            });
        if let Err(error) = restored {
            tracing::warn!(%error, "could not restore the pragmas after indexing sessions");
        }
    }
}

/// Old Gemini chats sit in folders named by the sha256 of their project's path; a chat read
/// before any other session recorded that path has no cwd. Each run matches those again
/// against every cwd the index knows by then.
pub(super) fn resolve_gemini_hash_folders(connection: &Connection) -> Result<()> {
    let mut statement = connection.prepare_cached(
        "SELECT s.id, f.path FROM agent_sessions s JOIN session_files f ON f.id = s.file_id
         WHERE s.agent = 'gemini' AND s.cwd = ''",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
    })?;
    let unresolved = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    if unresolved.is_empty() {
        return Ok(());
    }
    let known = known_cwd_hashes(connection)?;
    for (row_id, path) in unresolved {
        let path = Path::new(std::ffi::OsStr::from_bytes(&path));
        let folder = path
            .ancestors()
            .find(|folder| folder.parent().and_then(Path::file_name) == Some("tmp".as_ref()));
        let hash = folder
            .and_then(Path::file_name)
            .map(|name| name.to_string_lossy().into_owned());
        if let Some(cwd) = hash.and_then(|hash| known.get(&hash)) {
            connection
                .prepare_cached("UPDATE agent_sessions SET cwd = ?1 WHERE id = ?2")?
                .execute(params![cwd, row_id])?;
        }
    }
    Ok(())
}

/// Every cwd the index knows, by the hex sha256 of its path.
fn known_cwd_hashes(connection: &Connection) -> Result<HashMap<String, String>> {
    let mut statement =
        connection.prepare("SELECT DISTINCT cwd FROM agent_sessions WHERE cwd != ''")?;
    let cwds = statement.query_map([], |row| row.get::<_, String>(0))?;
    let cwds = cwds.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(cwds
        .into_iter()
        .map(|cwd| (hex_digest(cwd.as_bytes()), cwd))
        .collect())
}

/// A session row as the index holds it.
struct StoredSession {
    row_id: i64,
    facts: SessionFacts,
    next_ordinal: i64,
    message_count: i64,
}

/// Writes what the reader thread sends, in batches.
pub(super) struct Writer<'a> {
    connection: &'a Connection,
    progress: IndexProgress,
    batch_files: usize,
    batch_bytes: u64,
    /// sha256 of known working directories, for old Gemini project folders (built once).
    known_hashes: Option<HashMap<String, String>>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(connection: &'a Connection, files_total: u64, jobs: &[Job]) -> Self {
        let bytes_total = jobs
            .iter()
            .map(|job| job.found.size.saturating_sub(job.start))
            .sum();
        Self {
            connection,
            progress: IndexProgress {
                bytes_total,
                files_total,
                ..IndexProgress::default()
            },
            batch_files: 0,
            batch_bytes: 0,
            known_hashes: None,
        }
    }

    /// Writes every file received, committing every batch; rolls back the open batch on error.
    pub(super) fn write_all(
        &mut self,
        receiver: &Receiver<ReadFile>,
        report: &mut IndexReport,
        progress: &mut dyn FnMut(IndexProgress),
    ) -> Result<()> {
        self.connection.execute_batch("BEGIN")?;
        let written = self.write_received(receiver, report, progress);
        let finished = written.and_then(|()| Ok(self.connection.execute_batch("COMMIT")?));
        if finished.is_err()
            && let Err(error) = self.connection.execute_batch("ROLLBACK")
        {
            tracing::warn!(%error, "could not roll back the session index batch");
        }
        finished
    }

    fn write_received(
        &mut self,
        receiver: &Receiver<ReadFile>,
        report: &mut IndexReport,
        progress: &mut dyn FnMut(IndexProgress),
    ) -> Result<()> {
        for read in receiver {
            let bytes = read.job.found.size.saturating_sub(read.job.start);
            self.write_file(read, report)?;
            self.progress.files_done += 1;
            self.progress.bytes_done += bytes;
            progress(self.progress);
            self.batch_files += 1;
            self.batch_bytes += bytes;
            if self.batch_files >= BATCH_FILES || self.batch_bytes >= BATCH_BYTES {
                self.connection.execute_batch("COMMIT; BEGIN")?;
                self.batch_files = 0;
                self.batch_bytes = 0;
            }
        }
        Ok(())
    }

    fn write_file(&mut self, read: ReadFile, report: &mut IndexReport) -> Result<()> {
        let ReadFile { job, result } = read;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(error) => {
                report.files_with_problems += 1;
                report.problem(IndexProblem::new(&job.found.path, &error));
                if error.kind() == std::io::ErrorKind::NotFound
                    && let Some(id) = job.stored_id
                {
                    set_gone(self.connection, id)?;
                    report.files_gone += 1;
                }
                return Ok(());
            }
        };
        self.count(&job, &outcome, report);
        let file_id = self.upsert_file(&job, &outcome)?;
        self.store_session(file_id, &job, outcome, report)
    }

    fn count(&self, job: &Job, outcome: &ReadOutcome, report: &mut IndexReport) {
        report.files_read += 1;
        report.files_read_whole += u64::from(outcome.whole);
        report.bytes_read += outcome.transcript.bytes_read;
        report.check_bytes_read += outcome.check_bytes_read;
        let lines = &outcome.transcript.lines;
        report.lines.add(lines);
        let bad = lines.not_understood() + lines.not_utf8;
        if bad > 0 {
            report.files_with_problems += 1;
            report.problem(IndexProblem {
                path: job.found.path.to_string_lossy().into_owned(),
                problem: format!(
                    "{} malformed, {} too long, {} incomplete, {} not UTF-8 line(s)",
                    lines.malformed, lines.too_long, lines.incomplete, lines.not_utf8
                ),
            });
        }
    }

    fn upsert_file(&self, job: &Job, outcome: &ReadOutcome) -> Result<i64> {
        let state = serde_json::to_string(&outcome.transcript.state)?;
        let id = self
            .connection
            .prepare_cached(
                "INSERT INTO session_files
                     (path, agent, size, mtime_ns, resume_offset, tail_check, reader_state, gone,
                      indexed_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)
                 ON CONFLICT (path) DO UPDATE SET
                     agent = excluded.agent, size = excluded.size, mtime_ns = excluded.mtime_ns,
                     resume_offset = excluded.resume_offset, tail_check = excluded.tail_check,
                     reader_state = excluded.reader_state, gone = 0,
                     indexed_at_ms = excluded.indexed_at_ms
                 RETURNING id",
            )?
            .query_row(
                params![
                    job.found.path.as_os_str().as_bytes(),
                    job.found.agent.as_str(),
                    job.found.size,
                    job.found.mtime_ns,
                    outcome.transcript.end_offset,
                    outcome.tail_check,
                    state,
                    unix_millis()
                ],
                |row| row.get(0),
            )?;
        Ok(id)
    }

    fn store_session(
        &mut self,
        file_id: i64,
        job: &Job,
        outcome: ReadOutcome,
        report: &mut IndexReport,
    ) -> Result<()> {
        let agent = job.found.agent;
        let mut facts = outcome.transcript.facts;
        let stored = if outcome.whole {
            self.session_by_key(agent, &facts.id)?
        } else {
            self.session_by_file(file_id)?
                .map_or_else(|| self.session_by_key(agent, &facts.id), |s| Ok(Some(s)))?
        };
        if facts.id.is_empty() {
            match &stored {
                Some(session) => facts.id.clone_from(&session.facts.id),
                None if outcome.transcript.messages.is_empty() => return Ok(()),
                None => facts.id = file_stem(&job.found.path),
            }
        }
        if facts.cwd.is_none() && agent == Agent::Gemini {
            facts.cwd = self.gemini_cwd(&job.found)?;
        }
        let (facts, next_ordinal, count) = match stored {
            Some(session) if outcome.whole => {
                self.delete_messages(session.row_id)?;
                (facts, 0, 0)
            }
            Some(session) => (
                merge(session.facts, facts),
                session.next_ordinal,
                session.message_count,
            ),
            None => (facts, 0, 0),
        };
        let row_id = self.upsert_session(agent, &facts, file_id)?;
        let mut messages = outcome.transcript.messages;
        if !outcome.whole {
            self.settle_usage(row_id, &mut messages)?;
        }
        let (_, added) = self.insert_messages(row_id, next_ordinal, &messages)?;
        self.connection
            .prepare_cached("UPDATE agent_sessions SET message_count = ?1 WHERE id = ?2")?
            .execute(params![count + added, row_id])?;
        report.sessions_updated += 1;
        report.messages_added += u64::try_from(added).unwrap_or(0);
        Ok(())
    }

    /// The working directory of a Gemini project folder: named by its folder, or (old hash
    /// folders) the known directory whose sha256 is the folder's name.
    fn gemini_cwd(
        &mut self,
        found: &crate::sessions::discover::FoundFile,
    ) -> Result<Option<String>> {
        if found.project_cwd.is_some() {
            return Ok(found.project_cwd.clone());
        }
        let Some(hash) = &found.project_hash else {
            return Ok(None);
        };
        if self.known_hashes.is_none() {
            self.known_hashes = Some(known_cwd_hashes(self.connection)?);
        }
        Ok(self
            .known_hashes
            .as_ref()
            .and_then(|known| known.get(hash).cloned()))
    }

    fn session_by_key(&self, agent: Agent, id: &str) -> Result<Option<StoredSession>> {
        self.stored_session(
            "s.agent = ?1 AND s.session_id = ?2",
            params![agent.as_str(), id],
        )
    }

    fn session_by_file(&self, file_id: i64) -> Result<Option<StoredSession>> {
        self.stored_session("s.file_id = ?1", params![file_id])
    }

    fn stored_session(
        &self,
        condition: &str,
        parameters: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<StoredSession>> {
        let sql = format!(
            "SELECT s.id, s.session_id, s.cwd, s.title, s.title_rank, s.git_branch, s.models,
                    s.model_assumed, s.first_at_ms, s.last_at_ms, s.parent_session, s.message_count,
                    (SELECT coalesce(max(ordinal) + 1, 0) FROM session_messages m
                     WHERE m.session_id = s.id)
             FROM agent_sessions s WHERE {condition} LIMIT 1"
        );
        let session = self
            .connection
            .prepare_cached(&sql)?
            .query_row(parameters, |row| {
                let cwd: String = row.get(2)?;
                let title: String = row.get(3)?;
                let branch: String = row.get(5)?;
                let models: String = row.get(6)?;
                let facts = SessionFacts {
                    id: row.get(1)?,
                    cwd: (!cwd.is_empty()).then_some(cwd),
                    title: title_from(title, row.get(4)?),
                    git_branch: (!branch.is_empty()).then_some(branch),
                    models: serde_json::from_str(&models).unwrap_or_default(),
                    model_assumed: row.get(7)?,
                    first_at_ms: row.get(8)?,
                    last_at_ms: row.get(9)?,
                    parent: row.get(10)?,
                };
                Ok(StoredSession {
                    row_id: row.get(0)?,
                    facts,
                    message_count: row.get(11)?,
                    next_ordinal: row.get(12)?,
                })
            })
            .optional()?;
        Ok(session)
    }

    fn delete_messages(&self, row_id: i64) -> Result<()> {
        self.connection
            .prepare_cached("DELETE FROM session_messages WHERE session_id = ?1")?
            .execute([row_id])?;
        Ok(())
    }

    fn upsert_session(&self, agent: Agent, facts: &SessionFacts, file_id: i64) -> Result<i64> {
        let (title, rank) = facts
            .title
            .as_ref()
            .map_or(("", 0), |t| (t.text.as_str(), t.source as i64));
        let id = self
            .connection
            .prepare_cached(
                "INSERT INTO agent_sessions
                     (agent, session_id, cwd, title, title_rank, git_branch, models, model_assumed,
                      first_at_ms, last_at_ms, parent_session, file_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (agent, session_id) DO UPDATE SET
                     cwd = excluded.cwd, title = excluded.title, title_rank = excluded.title_rank,
                     git_branch = excluded.git_branch, models = excluded.models,
                     model_assumed = excluded.model_assumed, first_at_ms = excluded.first_at_ms,
                     last_at_ms = excluded.last_at_ms, parent_session = excluded.parent_session,
                     file_id = excluded.file_id
                 RETURNING id",
            )?
            .query_row(
                params![
                    agent.as_str(),
                    facts.id,
                    facts.cwd.as_deref().unwrap_or(""),
                    title,
                    rank,
                    facts.git_branch.as_deref().unwrap_or(""),
                    serde_json::to_string(&facts.models)?,
                    facts.model_assumed,
                    facts.first_at_ms,
                    facts.last_at_ms,
                    facts.parent,
                    file_id
                ],
                |row| row.get(0),
            )?;
        Ok(id)
    }

    /// An appended read can hold the rest of a Claude response whose first lines an earlier
    /// run stored (the file was indexed while the agent wrote it): its usage stays on one row
    /// per key, the main-chain copy first, then the larger total.
    fn settle_usage(&self, row_id: i64, messages: &mut [ParsedMessage]) -> Result<()> {
        for message in messages {
            let (Some(usage), Some(key)) = (message.usage, message.usage_key.as_deref()) else {
                continue;
            };
            let held: Option<(i64, bool, u64)> = self
                .connection
                .prepare_cached(
                    "SELECT id, from_subagent,
                            input_tokens + coalesce(output_tokens, 0)
                            + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
                            + coalesce(reasoning_tokens, 0) + coalesce(tool_tokens, 0)
                     FROM session_messages
                     WHERE session_id = ?1 AND usage_key = ?2 AND input_tokens IS NOT NULL
                     LIMIT 1",
                )?
                .query_row(params![row_id, key], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let Some((held_id, held_by_subagent, held_total)) = held else {
                continue;
            };
            if (!message.from_subagent, usage.total()) <= (!held_by_subagent, held_total) {
                message.usage = None;
            } else {
                self.connection
                    .prepare_cached(
                        "UPDATE session_messages SET input_tokens = NULL, output_tokens = NULL,
                             cache_read_tokens = NULL, cache_write_tokens = NULL,
                             cache_write_1h_tokens = NULL, reasoning_tokens = NULL,
                             tool_tokens = NULL
                         WHERE id = ?1",
                    )?
                    .execute([held_id])?;
            }
        }
        Ok(())
    }

    /// Inserts `messages` from `ordinal` on; returns how many rows were new (a Claude line
    /// that a resume copied is already there under its uuid and is skipped), and how many of
    /// those the conversation shows (usage-only rows are not messages to a reader).
    fn insert_messages(
        &self,
        row_id: i64,
        ordinal: i64,
        messages: &[ParsedMessage],
    ) -> Result<(i64, i64)> {
        let mut statement = self.connection.prepare_cached(
            "INSERT OR IGNORE INTO session_messages
                 (session_id, ordinal, role, text, model, at_ms, tool_name, from_subagent,
                  message_key, usage_key, input_tokens, output_tokens, cache_read_tokens,
                  cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, tool_tokens,
                  usage_only)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18)",
        )?;
        let mut added = 0;
        let mut shown = 0;
        for message in messages {
            let usage = message.usage.as_ref();
            let inserted = statement.execute(params![
                row_id,
                ordinal + added,
                message.role.as_str(),
                message.text,
                message.model,
                message.at_ms,
                message.tool_name,
                message.from_subagent,
                message.key,
                message.usage_key,
                usage.map(|u| u.input),
                usage.map(|u| u.output),
                usage.map(|u| u.cache_read),
                usage.map(|u| u.cache_write),
                usage.map(|u| u.cache_write_1h),
                usage.map(|u| u.reasoning),
                usage.map(|u| u.tool),
                message.usage_only,
            ])?;
            let inserted = i64::try_from(inserted).unwrap_or(0);
            added += inserted;
            if !message.usage_only {
                shown += inserted;
            }
        }
        Ok((added, shown))
    }
}

/// What an appended read adds to what the index held.
fn merge(stored: SessionFacts, new: SessionFacts) -> SessionFacts {
    let mut merged = stored;
    if let Some(cwd) = &new.cwd {
        merged.offer_cwd(cwd);
    }
    if let Some(title) = &new.title {
        merged.offer_title(&title.text, title.source);
    }
    if new.git_branch.is_some() {
        merged.git_branch = new.git_branch;
    }
    new.models.iter().for_each(|model| merged.add_model(model));
    merged.model_assumed |= new.model_assumed;
    merged.note_time(new.first_at_ms);
    merged.note_time(new.last_at_ms);
    if new.parent.is_some() {
        merged.parent = new.parent;
    }
    merged
}

fn title_from(text: String, rank: i64) -> Option<Title> {
    let source = match rank {
        1 => TitleSource::FirstPrompt,
        2 => TitleSource::Summary,
        3 => TitleSource::UserTitle,
        _ => return None,
    };
    Some(Title { text, source })
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}
