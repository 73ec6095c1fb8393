//! The search index of terminal history (migration 0005): the lines of every pane's history,
//! their words in an FTS5 table, their text in compressed blocks, and how far each pane is
//! indexed.
//!
//! The store does not know how output becomes lines (the app's indexer replays it through
//! the terminal crate): it keeps what it is given, a batch at a time, and answers queries.
//! Line numbers here start at 0, as indices into the pane's history.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::clock::unix_millis;
use crate::compression::{self, stored_len};
use crate::database::Database;
use crate::error::{Result, StoreError};
use crate::ids::PaneId;

/// A pane's lines are rowids `pane * LINE_SPACE + line` of the FTS table.
const LINE_SPACE: i64 = 1 << 32;
/// Text per stored block: small enough that showing one hit decompresses little.
const BLOCK_BYTES: usize = 64 * 1024;
/// Candidate lines a query looks at (the index finds words; the text check finds phrases and
/// substrings): bounds a query whose words are everywhere but never together.
const MAX_CANDIDATES: usize = 200_000;

/// How far a pane's history is indexed (a row of `search_progress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchProgress {
    /// The stream offset the history is replayed from.
    pub base_offset: u64,
    /// The terminal size it is replayed at.
    pub cols: u16,
    pub rows: u16,
    /// The end of the output indexed so far.
    pub indexed_offset: u64,
    /// Lines `0..final_lines` can no longer change.
    pub final_lines: u64,
    /// Lines `final_lines..lines` are the last screen at `indexed_offset`.
    pub lines: u64,
    pub updated_at_ms: i64,
}

/// Lines a replay produced, to add to a pane's index.
#[derive(Clone, Copy, Debug)]
pub struct SearchBatch<'a> {
    /// The replay they come from (must match the pane's progress).
    pub base_offset: u64,
    pub cols: u16,
    pub rows: u16,
    /// The number of the first line of `final_lines`.
    pub first_line: u64,
    /// Lines that will not change.
    pub final_lines: &'a [String],
    /// The last screen as it stands at `end_offset` (replaced by the next batch).
    pub screen_lines: &'a [String],
    /// The end of the output the replay has fed.
    pub end_offset: u64,
}

/// What [`Database::append_search_lines`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The batch moved the pane's progress to its end.
    Appended,
    /// Another indexer got there first (the pane's progress is at or past the batch's end):
    /// nothing was written.
    AlreadyIndexed,
    /// The pane's index was restarted (another base or size) or never started: nothing was
    /// written; the caller starts over from the progress it reads now.
    Stale,
}

/// A pane whose output goes further than its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaneToIndex {
    pub pane: PaneId,
    /// Its oldest and newest kept output (`[first_offset, end_offset)`).
    pub first_offset: u64,
    pub end_offset: u64,
    pub progress: Option<SearchProgress>,
}

/// One line that matched a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMatch {
    pub pane: PaneId,
    /// Index of the line in the pane's history (0 = its first line).
    pub line: u64,
    pub text: String,
}

impl Database {
    /// How far `pane` is indexed; `None` when its indexing never started.
    pub fn search_progress(&self, pane: PaneId) -> Result<Option<SearchProgress>> {
        read_progress(self.connection(), pane)
    }

    /// Panes with recorded output beyond their index (or never indexed, or whose oldest
    /// output was trimmed since), lowest id first.
    pub fn panes_to_index(&self) -> Result<Vec<PaneToIndex>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT id, first_offset, end_offset, base_offset, cols, rows, indexed_offset,
                    final_lines, lines, updated_at_ms
             FROM (SELECT p.id,
                     (SELECT start_offset FROM output_chunks
                      WHERE pane_id = p.id ORDER BY start_offset LIMIT 1) AS first_offset,
                     (SELECT end_offset FROM output_chunks
                      WHERE pane_id = p.id ORDER BY start_offset DESC LIMIT 1) AS end_offset
                   FROM panes p) AS o
             LEFT JOIN search_progress s ON s.pane_id = o.id
             WHERE end_offset IS NOT NULL
               AND (s.pane_id IS NULL OR s.indexed_offset < end_offset
                    OR s.base_offset < first_offset)
             ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            let progress = match row.get::<_, Option<u64>>(3)? {
                None => None,
                Some(base_offset) => Some(SearchProgress {
                    base_offset,
                    cols: row.get(4)?,
                    rows: row.get(5)?,
                    indexed_offset: row.get(6)?,
                    final_lines: row.get(7)?,
                    lines: row.get(8)?,
                    updated_at_ms: row.get(9)?,
                }),
            };
            Ok(PaneToIndex {
                pane: row.get(0)?,
                first_offset: row.get(1)?,
                end_offset: row.get(2)?,
                progress,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// (Re)starts the index of `pane`: its lines go, and its history is to be replayed from
    /// `base_offset` at `cols` x `rows`. One transaction.
    pub fn start_search_index(
        &self,
        pane: PaneId,
        base_offset: u64,
        cols: u16,
        rows: u16,
    ) -> Result<SearchProgress> {
        let transaction = self.immediate()?;
        delete_lines(&transaction, pane, 0)?;
        let progress = SearchProgress {
            base_offset,
            cols,
            rows,
            indexed_offset: base_offset,
            final_lines: 0,
            lines: 0,
            updated_at_ms: unix_millis(),
        };
        write_progress(&transaction, pane, &progress)?;
        transaction.commit()?;
        Ok(progress)
    }

    /// Adds a batch of lines to `pane`'s index and moves its progress, in one transaction
    /// that reads the progress first: lines another indexer already wrote are skipped, so
    /// two indexers of one pane never write a line twice.
    pub fn append_search_lines(
        &self,
        pane: PaneId,
        batch: &SearchBatch<'_>,
    ) -> Result<AppendOutcome> {
        let transaction = self.immediate()?;
        let Some(progress) = read_progress(&transaction, pane)? else {
            return Ok(AppendOutcome::Stale);
        };
        if (progress.base_offset, progress.cols, progress.rows)
            != (batch.base_offset, batch.cols, batch.rows)
            || batch.first_line > progress.final_lines
        {
            return Ok(AppendOutcome::Stale);
        }
        if batch.end_offset <= progress.indexed_offset {
            return Ok(AppendOutcome::AlreadyIndexed);
        }
        // The old last screen goes; lines from `final_lines` on are written again.
        delete_lines(&transaction, pane, progress.final_lines)?;
        let skip = usize::try_from(progress.final_lines - batch.first_line).unwrap_or(usize::MAX);
        let new_finals = batch.final_lines.get(skip..).unwrap_or_default();
        insert_lines(&transaction, pane, progress.final_lines, new_finals)?;
        let final_lines = progress.final_lines + new_finals.len() as u64;
        insert_lines(&transaction, pane, final_lines, batch.screen_lines)?;
        let lines = final_lines + batch.screen_lines.len() as u64;
        if lines >= LINE_SPACE as u64 {
            return Err(StoreError::CorruptData(format!(
                "pane {pane} has more history lines than the index can number"
            )));
        }
        let updated = SearchProgress {
            indexed_offset: batch.end_offset,
            final_lines,
            lines,
            updated_at_ms: unix_millis(),
            ..progress
        };
        write_progress(&transaction, pane, &updated)?;
        transaction.commit()?;
        Ok(AppendOutcome::Appended)
    }

    /// Removes `pane`'s lines and progress from the index.
    pub fn delete_search_index(&self, pane: PaneId) -> Result<()> {
        let transaction = self.immediate()?;
        delete_lines(&transaction, pane, 0)?;
        transaction.execute("DELETE FROM search_progress WHERE pane_id = ?1", [pane])?;
        transaction.commit()?;
        Ok(())
    }

    /// Lines that contain every word of `query` (case-insensitive; a word is any run of
    /// non-blank characters, matched anywhere inside the line as long as its first letter or
    /// digit starts a word of the line: `refus` finds `refused`, `fused` does not), at most
    /// `limit`: lines where every word is whole first, then lines where a word is only the
    /// start of one, each newest pane and line first. A query with no letter or digit finds
    /// nothing.
    pub fn search_history(&self, query: &str, limit: usize) -> Result<Vec<LineMatch>> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        // Whole words first: FTS5 streams a plain term's lines newest first and stops at the
        // limit, while a prefix query merges every matching term's whole list before the
        // first row (hundreds of ms for a common word over a large history). Lines where a
        // word is only a prefix come after, when the whole words did not fill the limit.
        let mut found = SearchPass {
            words: &words,
            limit,
            candidates: 0,
            seen: std::collections::HashSet::new(),
            matches: Vec::new(),
        };
        for prefix in [false, true] {
            let Some(expression) = match_expression(&words, prefix) else {
                return Ok(Vec::new());
            };
            found.run(self, &expression)?;
            if found.matches.len() >= limit {
                break;
            }
        }
        Ok(found.matches)
    }

    /// The text of line `line` of `pane`'s indexed history.
    pub fn search_line_text(&self, pane: PaneId, line: u64) -> Result<Option<String>> {
        Ok(BlockCache::default()
            .line(self, pane, line)?
            .map(str::to_owned))
    }

    fn immediate(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::new_unchecked(
            self.connection(),
            TransactionBehavior::Immediate,
        )?)
    }
}

fn read_progress(
    connection: &rusqlite::Connection,
    pane: PaneId,
) -> Result<Option<SearchProgress>> {
    let mut statement = connection.prepare_cached(
        "SELECT base_offset, cols, rows, indexed_offset, final_lines, lines, updated_at_ms
         FROM search_progress WHERE pane_id = ?1",
    )?;
    Ok(statement
        .query_row([pane], |row| {
            Ok(SearchProgress {
                base_offset: row.get(0)?,
                cols: row.get(1)?,
                rows: row.get(2)?,
                indexed_offset: row.get(3)?,
                final_lines: row.get(4)?,
                lines: row.get(5)?,
                updated_at_ms: row.get(6)?,
            })
        })
        .optional()?)
}

fn write_progress(
    transaction: &Transaction<'_>,
    pane: PaneId,
    progress: &SearchProgress,
) -> Result<()> {
    let mut statement = transaction.prepare_cached(
        "INSERT OR REPLACE INTO search_progress
             (pane_id, base_offset, cols, rows, indexed_offset, final_lines, lines, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    statement.execute(params![
        pane,
        progress.base_offset,
        progress.cols,
        progress.rows,
        progress.indexed_offset,
        progress.final_lines,
        progress.lines,
        progress.updated_at_ms
    ])?;
    Ok(())
}

/// Removes the lines of `pane` from number `from` on: their words and their blocks (blocks
/// never straddle `from`: it is always a batch's first line or 0).
fn delete_lines(transaction: &Transaction<'_>, pane: PaneId, from: u64) -> Result<()> {
    let start = pane.0 * LINE_SPACE + from as i64;
    let end = (pane.0 + 1) * LINE_SPACE;
    transaction
        .prepare_cached("DELETE FROM search_lines WHERE rowid >= ?1 AND rowid < ?2")?
        .execute([start, end])?;
    transaction
        .prepare_cached("DELETE FROM search_blocks WHERE pane_id = ?1 AND first_line >= ?2")?
        .execute(params![pane, from])?;
    Ok(())
}

/// Writes `lines` as lines `first..` of `pane`: each line's words, and the text in blocks.
fn insert_lines(
    transaction: &Transaction<'_>,
    pane: PaneId,
    first: u64,
    lines: &[String],
) -> Result<()> {
    let mut words =
        transaction.prepare_cached("INSERT INTO search_lines (rowid, text) VALUES (?1, ?2)")?;
    for (index, line) in lines.iter().enumerate() {
        // A line without a letter or digit has no words to find.
        if line.chars().any(char::is_alphanumeric) {
            words.execute(params![
                pane.0 * LINE_SPACE + (first + index as u64) as i64,
                line
            ])?;
        }
    }
    let mut block = transaction.prepare_cached(
        "INSERT INTO search_blocks (pane_id, first_line, line_count, raw_len, data)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut start = 0;
    while start < lines.len() {
        let mut text = String::new();
        let mut end = start;
        while end < lines.len() && (end == start || text.len() + lines[end].len() < BLOCK_BYTES) {
            if end > start {
                text.push('\n');
            }
            // History lines hold no newline; one would break the block apart.
            text.push_str(&lines[end].replace('\n', " "));
            end += 1;
        }
        let data = compression::compress(text.as_bytes())?;
        block.execute(params![
            pane,
            first + start as u64,
            end - start,
            text.len(),
            data
        ])?;
        start = end;
    }
    Ok(())
}

/// The FTS5 expression for `words`: every letter-and-digit run of every word as a prefix
/// term, all required. `None` when there is none.
fn match_expression(words: &[String], prefix: bool) -> Option<String> {
    let star = if prefix { "*" } else { "" };
    let terms: Vec<String> = words
        .iter()
        .flat_map(|word| word.split(|c: char| !c.is_alphanumeric()))
        .filter(|term| !term.is_empty())
        .map(|term| format!("\"{term}\"{star}"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// The lines found so far by the passes of one search, and what they have looked at.
struct SearchPass<'a> {
    words: &'a [String],
    limit: usize,
    candidates: usize,
    seen: std::collections::HashSet<i64>,
    matches: Vec<LineMatch>,
}

impl SearchPass<'_> {
    /// Takes FTS candidates of `expression` newest first and keeps the lines that hold every
    /// word, until the limit or the candidate budget.
    fn run(&mut self, database: &Database, expression: &str) -> Result<()> {
        let mut statement = database.connection().prepare_cached(
            "SELECT rowid FROM search_lines WHERE search_lines MATCH ?1 ORDER BY rowid DESC",
        )?;
        let mut rows = statement.query([expression])?;
        let mut blocks = BlockCache::default();
        while self.matches.len() < self.limit && self.candidates < MAX_CANDIDATES {
            let Some(row) = rows.next()? else { break };
            let rowid: i64 = row.get(0)?;
            if !self.seen.insert(rowid) {
                continue;
            }
            self.candidates += 1;
            let pane = PaneId(rowid.div_euclid(LINE_SPACE));
            let line = rowid.rem_euclid(LINE_SPACE) as u64;
            let Some(text) = blocks.line(database, pane, line)? else {
                continue;
            };
            let lower = text.to_lowercase();
            if self.words.iter().all(|word| lower.contains(word.as_str())) {
                self.matches.push(LineMatch {
                    pane,
                    line,
                    text: text.to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// The last decompressed block, so neighbouring hits decompress it once.
#[derive(Default)]
struct BlockCache {
    pane: Option<PaneId>,
    first_line: u64,
    lines: Vec<String>,
}

impl BlockCache {
    fn line(&mut self, database: &Database, pane: PaneId, line: u64) -> Result<Option<&str>> {
        let cached = self.pane == Some(pane)
            && line >= self.first_line
            && line < self.first_line + self.lines.len() as u64;
        if !cached && !self.load(database, pane, line)? {
            return Ok(None);
        }
        let index = usize::try_from(line - self.first_line).unwrap_or(usize::MAX);
        Ok(self.lines.get(index).map(String::as_str))
    }

    /// Loads the block holding `line`; false when there is none.
    fn load(&mut self, database: &Database, pane: PaneId, line: u64) -> Result<bool> {
        let mut statement = database.connection().prepare_cached(
            "SELECT first_line, line_count, raw_len, data FROM search_blocks
             WHERE pane_id = ?1 AND first_line <= ?2 ORDER BY first_line DESC LIMIT 1",
        )?;
        let block = statement
            .query_row(params![pane, line], |row| {
                Ok((
                    row.get::<_, u64>(0)?,
                    row.get::<_, u64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Vec<u8>>(3)?,
                ))
            })
            .optional()?;
        let Some((first_line, count, raw_len, data)) = block else {
            return Ok(false);
        };
        if line >= first_line + count {
            return Ok(false);
        }
        let bytes = compression::decompress(&data, stored_len(raw_len)?)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| StoreError::CorruptData("a search block is not UTF-8".to_owned()))?;
        self.pane = Some(pane);
        self.first_line = first_line;
        self.lines = text.split('\n').map(str::to_owned).collect();
        Ok(true)
    }
}

#[cfg(test)]
#[path = "search/tests.rs"]
mod tests;
