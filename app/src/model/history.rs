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
    // Replayed at the pane's last known size (resizes are not recorded).
    let size = database.pane(id)?.map_or(TermSize::new(120, 40), |record| {
        TermSize::new(record.cols.max(2), record.rows.max(2))
    });
    let mut text = HistoryText::new(size, totals.first_offset);
    database.for_each_output_since(id, totals.first_offset, |chunk| {
        let lines = text.push(&chunk.bytes, chunk.created_at_ms);
        if !lines.is_empty() {
            emit(as_text(lines));
        }
        true
    })?;
    emit(as_text(text.finish()));
    Ok(())
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
