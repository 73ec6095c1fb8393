//! Reading what a window saved, straight from `spaces.db` (read-only, beside a running app or
//! after a kill), and `spaces history`: the checks of the persistence tests.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail, ensure};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};

use crate::Spaces;

/// A pane as the `panes` table keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedPane {
    pub cwd: String,
    pub command: Vec<String>,
    pub is_shell: bool,
    pub cols: u64,
    pub rows: u64,
    /// The agent's conversation the pane was linked to.
    pub agent_session: Option<String>,
}

/// A read-only connection to a window's database.
#[derive(Debug)]
pub struct Store {
    connection: Connection,
}

impl Store {
    /// Opens `path` read-only (the app may be running and writing).
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {} read-only", path.display()))?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .context("setting a busy timeout")?;
        Ok(Self { connection })
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database, else SQLite's list of problems.
    pub fn integrity_check(&self) -> anyhow::Result<String> {
        let mut statement = self.connection.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = statement
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows.join("\n"))
    }

    /// The `[start, end)` ranges of a pane's output chunks, in stream order.
    pub fn chunk_ranges(&self, pane: u64) -> anyhow::Result<Vec<(u64, u64)>> {
        let mut statement = self.connection.prepare(
            "SELECT start_offset, end_offset FROM output_chunks
             WHERE pane_id = ?1 ORDER BY start_offset",
        )?;
        let rows = statement.query_map(params![pane as i64], |row| {
            Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest output of a pane: its last `chunks` chunks, decompressed, in order.
    pub fn output_tail(&self, pane: u64, chunks: usize) -> anyhow::Result<Vec<u8>> {
        let mut statement = self.connection.prepare(
            "SELECT raw_len, data FROM output_chunks
             WHERE pane_id = ?1 ORDER BY start_offset DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![pane as i64, chunks as i64], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })?;
        let mut blobs: Vec<(i64, Vec<u8>)> = rows.collect::<Result<_, _>>()?;
        blobs.reverse();
        let mut out = Vec::new();
        for (raw_len, data) in blobs {
            let bytes = zstd::bulk::decompress(&data, raw_len.max(0) as usize)
                .context("decompressing an output chunk")?;
            ensure!(
                bytes.len() as i64 == raw_len,
                "a chunk expanded to {} bytes, not {raw_len}",
                bytes.len()
            );
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// When the newest output chunk of a pane was created (ms since the epoch), if any.
    pub fn newest_chunk_ms(&self, pane: u64) -> anyhow::Result<Option<i64>> {
        Ok(self.connection.query_row(
            "SELECT MAX(created_at_ms) FROM output_chunks WHERE pane_id = ?1",
            params![pane as i64],
            |row| row.get(0),
        )?)
    }

    /// `(output offset, created_at_ms)` of a pane's snapshots, oldest first.
    pub fn snapshots(&self, pane: u64) -> anyhow::Result<Vec<(u64, i64)>> {
        let mut statement = self.connection.prepare(
            "SELECT output_offset, created_at_ms FROM snapshots
             WHERE pane_id = ?1 ORDER BY output_offset",
        )?;
        let rows = statement.query_map(params![pane as i64], |row| {
            Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A pane's saved record, if it has one.
    pub fn pane(&self, pane: u64) -> anyhow::Result<Option<SavedPane>> {
        let row = self
            .connection
            .query_row(
                "SELECT cwd, command_json, is_shell, cols, rows, agent_session FROM panes WHERE id = ?1",
                params![pane as i64],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((cwd, command_json, is_shell, cols, rows, agent_session)) = row else {
            return Ok(None);
        };
        let command = serde_json::from_str(&command_json)
            .with_context(|| format!("command_json {command_json:?} is not an argv"))?;
        Ok(Some(SavedPane {
            cwd,
            command,
            is_shell: is_shell != 0,
            cols: cols as u64,
            rows: rows as u64,
            agent_session,
        }))
    }

    /// The saved layout's focused pane and tree (JSON), if a layout was saved.
    pub fn layout(&self) -> anyhow::Result<Option<(Option<u64>, String)>> {
        let row = self
            .connection
            .query_row(
                "SELECT focused_pane, tree_json FROM layouts ORDER BY workspace_id LIMIT 1",
                [],
                |row| Ok((row.get::<_, Option<i64>>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()?;
        Ok(row.map(|(focused, tree)| (focused.map(|id| id as u64), tree)))
    }
}

/// Checks that chunk ranges follow each other without gap or overlap.
pub fn check_contiguous(ranges: &[(u64, u64)]) -> anyhow::Result<()> {
    for pair in ranges.windows(2) {
        let ((_, end), (start, _)) = (pair[0], pair[1]);
        if start != end {
            bail!(
                "output chunks are not contiguous: one ends at {end}, the next starts at {start}"
            );
        }
    }
    for &(start, end) in ranges {
        ensure!(end > start, "an empty or reversed chunk [{start}, {end})");
    }
    Ok(())
}

impl Spaces {
    /// `<data dir>/spaces.db`.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir().join("spaces.db")
    }

    /// A read-only connection to this window's database.
    pub fn store(&self) -> anyhow::Result<Store> {
        Store::open(&self.database_path())
    }

    /// `spaces history --pane ID`: the pane's whole recorded output as text.
    pub fn history(&self, pane: u64) -> anyhow::Result<String> {
        let output = self.cli_output(&["history", "--pane", &pane.to_string()])?;
        if !output.status.success() {
            bail!(
                "`spaces history --pane {pane}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8(output.stdout).context("`spaces history` printed non-UTF-8")
    }

    /// Waits until the pane's newest recorded output (the last few chunks) satisfies `check`.
    pub fn wait_for_recorded(
        &self,
        pane: u64,
        what: &str,
        check: impl Fn(&str) -> bool,
    ) -> anyhow::Result<()> {
        let mut last = String::new();
        let waited = crate::wait_until(what, crate::TEXT_TIMEOUT, || {
            let Ok(store) = self.store() else {
                return Ok(None);
            };
            last = String::from_utf8_lossy(&store.output_tail(pane, 4)?).into_owned();
            Ok(check(&last).then_some(()))
        });
        waited.with_context(|| {
            let tail: String = last
                .chars()
                .rev()
                .take(300)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("pane {pane}'s newest recorded output ends with {tail:?}")
        })
    }

    /// Waits until the pane's saved record satisfies `check`; returns it.
    pub fn wait_for_saved_pane(
        &self,
        pane: u64,
        what: &str,
        check: impl Fn(&SavedPane) -> bool,
    ) -> anyhow::Result<SavedPane> {
        let mut last = None;
        let waited = crate::wait_until(what, crate::TEXT_TIMEOUT, || {
            let Ok(store) = self.store() else {
                return Ok(None);
            };
            last = store.pane(pane)?;
            Ok(last.clone().filter(|saved| check(saved)))
        });
        waited.with_context(|| format!("pane {pane}'s saved record: {last:?}"))
    }

    /// Waits until the saved layout has `pane` focused.
    pub fn wait_for_saved_focus(&self, pane: u64) -> anyhow::Result<()> {
        let mut last = None;
        let waited = crate::wait_until(
            &format!("the saved layout to focus pane {pane}"),
            crate::TEXT_TIMEOUT,
            || {
                let Ok(store) = self.store() else {
                    return Ok(None);
                };
                last = store.layout()?;
                Ok(last
                    .as_ref()
                    .is_some_and(|(focused, _)| *focused == Some(pane))
                    .then_some(()))
            },
        );
        waited.with_context(|| format!("saved layout: {last:?}"))
    }
}
