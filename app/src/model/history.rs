//! A pane's whole recorded output as text lines, straight from the database (a read-only
//! connection: works while the window runs, and without it).

use std::path::Path;

use anyhow::Context as _;
use spaces_store::Database;
use spaces_term::PaneId;
use spaces_term::history_text::HistoryText;

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
    let mut text = HistoryText::default();
    database.for_each_output_since(id, totals.first_offset, |chunk| {
        let lines = text.push(&chunk.bytes);
        if !lines.is_empty() {
            emit(lines);
        }
        true
    })?;
    emit(text.finish().into_iter().collect());
    Ok(())
}
