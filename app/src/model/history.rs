//! A pane's whole recorded output as text lines, straight from the database (a read-only
//! connection: works while the window runs, and without it).

use std::path::Path;

use anyhow::Context as _;
use spaces_store::Database;
use spaces_term::PaneId;
use spaces_term::TermSize;
use spaces_term::history_text::{HistoryKind, HistoryLine, HistoryText};

use crate::model::persistence::store_id;

/// Streams the lines of `pane`'s history to `emit` in batches, oldest first.
pub fn read_lines(
    database: &Path,
    pane: PaneId,
    mut emit: impl FnMut(Vec<String>),
) -> anyhow::Result<()> {
    let database = Database::open_readonly(database)
        .with_context(|| format!("opening {}", database.display()))?;
    let id = store_id(pane);
    let totals = database.output_range_total(id)?;
    if totals.chunks == 0 && database.pane(id)?.is_none() {
        anyhow::bail!("no pane with id {pane} was ever recorded");
    }
    let size = replay_size(&database, id, totals.first_offset)?;
    let mut lines = HistoryLines::new(size, totals.first_offset);
    database.for_each_output_since(id, totals.first_offset, |chunk| {
        let batch = lines.push(&chunk.bytes, chunk.created_at_ms);
        if !batch.is_empty() {
            emit(batch);
        }
        true
    })?;
    emit(lines.finish());
    Ok(())
}

/// The terminal size a pane's history is replayed at. Resizes are not recorded, so one size
/// serves the whole replay: the one the search index used for it (so both number lines
/// alike, whatever the pane was resized to since), else the pane's last known size.
pub fn replay_size(
    database: &Database,
    pane: spaces_store::PaneId,
    base_offset: u64,
) -> anyhow::Result<TermSize> {
    if let Some(progress) = database.search_progress(pane)?
        && progress.base_offset == base_offset
    {
        return Ok(TermSize::new(progress.cols.max(2), progress.rows.max(2)));
    }
    Ok(database
        .pane(pane)?
        .map_or(TermSize::new(120, 40), |record| {
            TermSize::new(record.cols.max(2), record.rows.max(2))
        }))
}

/// A pane's history lines as the history view numbers them: [`HistoryText`]'s lines with a
/// [`SCREEN_MARKER`] line above each full-screen program's screen. The search index replays
/// through this too, so its line numbers are the view's.
pub struct HistoryLines {
    text: HistoryText,
}

impl HistoryLines {
    /// A replay of output from stream offset `offset` at `size`.
    pub fn new(size: TermSize, offset: u64) -> Self {
        Self {
            text: HistoryText::new(size, offset),
        }
    }

    /// Feeds output recorded at `at_ms`; returns the lines it completed (final).
    pub fn push(&mut self, bytes: &[u8], at_ms: i64) -> Vec<String> {
        as_text(self.text.push(bytes, at_ms))
    }

    /// The last screen's lines as they stand (later output may change them).
    pub fn pending(&self) -> Vec<String> {
        as_text(self.text.pending())
    }

    /// The end of the output: the last screen's lines.
    pub fn finish(self) -> Vec<String> {
        as_text(self.text.finish())
    }
}

/// The marker above the screen of a full-screen program in the history.
pub const SCREEN_MARKER: &str = "──── screen of a full-screen program ────";

/// History lines as printed: each full-screen program's screen under a marker line.
fn as_text(lines: Vec<HistoryLine>) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.kind == HistoryKind::Screen {
            out.push(SCREEN_MARKER.to_owned());
        }
        out.push(line.text);
    }
    out
}
