//! Titles from Codex's own state database (`<home>/state_*.sqlite`, table `threads`), a
//! cheap source the rollouts lack. Read-only, and lenient: a missing file, table or column
//! (the number in the name and the schema change between versions) just gives no titles.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};

use crate::error::Result;

/// Gives Codex sessions the titles Codex keeps, unless they have a user-set title; returns
/// how many changed.
pub(super) fn apply_codex_state_titles(connection: &Connection, codex_home: &Path) -> Result<u64> {
    let Some(path) = newest_state_file(codex_home) else {
        return Ok(0);
    };
    let titles = match read_titles(&path) {
        Ok(titles) => titles,
        Err(error) => {
            tracing::debug!(%error, path = %path.display(), "no titles from the Codex state database");
            return Ok(0);
        }
    };
    let mut statement = connection.prepare_cached(
        "UPDATE agent_sessions SET title = ?2, title_rank = 2
         WHERE agent = 'codex' AND session_id = ?1 AND title_rank <= 2 AND title != ?2",
    )?;
    let mut changed = 0;
    for (id, title) in titles {
        let title: String = title
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        if !title.is_empty() {
            changed += statement.execute(params![id, title])? as u64;
        }
    }
    Ok(changed)
}

/// `state_<n>.sqlite` with the highest `n`.
fn newest_state_file(codex_home: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(codex_home).ok()?;
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_owned();
            let number: u64 = name
                .strip_prefix("state_")?
                .strip_suffix(".sqlite")?
                .parse()
                .ok()?;
            Some((number, entry.path()))
        })
        .max()
        .map(|(_, path)| path)
}

fn read_titles(path: &Path) -> rusqlite::Result<Vec<(String, String)>> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let state = Connection::open_with_flags(path, flags)?;
    state.busy_timeout(std::time::Duration::from_millis(500))?;
    let mut statement =
        state.prepare("SELECT id, title FROM threads WHERE title IS NOT NULL AND title != ''")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}
