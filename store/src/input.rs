//! The input log: what was typed into each pane, in order (never while echo is off; the caller
//! decides that, since only the terminal knows).

use rusqlite::params;

use crate::database::Database;
use crate::error::Result;
use crate::ids::PaneId;

/// One write of input into a pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputChunk {
    /// Position of this write among the pane's inputs, from 0.
    pub seq: u64,
    /// Where the pane's output stream stood when this input was sent.
    pub output_offset: u64,
    pub created_at_ms: i64,
    pub bytes: Vec<u8>,
}

impl Database {
    /// Appends input sent to `pane` and returns its sequence number.
    pub fn record_input(
        &self,
        pane: PaneId,
        output_offset: u64,
        created_at_ms: i64,
        bytes: &[u8],
    ) -> Result<u64> {
        let mut statement = self.connection().prepare_cached(
            "INSERT INTO input_chunks (pane_id, seq, output_offset, created_at_ms, data)
             VALUES (?1,
                     (SELECT COALESCE(MAX(seq) + 1, 0) FROM input_chunks WHERE pane_id = ?1),
                     ?2, ?3, ?4)
             RETURNING seq",
        )?;
        let seq = statement
            .query_row(params![pane, output_offset, created_at_ms, bytes], |row| {
                row.get(0)
            })?;
        Ok(seq)
    }

    /// Erases everything recorded as typed into `pane` (`spaces history --forget-input`).
    /// Returns how many inputs were erased.
    pub fn forget_input(&self, pane: PaneId) -> Result<u64> {
        let erased = self
            .connection()
            .execute("DELETE FROM input_chunks WHERE pane_id = ?1", [pane])?;
        Ok(erased as u64)
    }

    /// Applies the pane's history retention to its input: inputs typed before the oldest
    /// output still kept go with that output, and the newest inputs are kept within
    /// `max_bytes`. Returns how many inputs were dropped.
    pub fn trim_input(&self, pane: PaneId, max_bytes: u64) -> Result<u64> {
        let oldest_output: Option<u64> = self.connection().query_row(
            "SELECT MIN(start_offset) FROM output_chunks WHERE pane_id = ?1",
            [pane],
            |row| row.get(0),
        )?;
        let mut dropped = 0;
        if let Some(oldest) = oldest_output {
            dropped += self.connection().execute(
                "DELETE FROM input_chunks WHERE pane_id = ?1 AND output_offset < ?2",
                params![pane, oldest],
            )? as u64;
        }
        // The newest first, until the budget is spent: everything older goes.
        let cutoff: Option<u64> = {
            let mut statement = self.connection().prepare_cached(
                "SELECT seq, length(data) FROM input_chunks WHERE pane_id = ?1 ORDER BY seq DESC",
            )?;
            let mut rows = statement.query([pane])?;
            let mut kept: u64 = 0;
            let mut cutoff = None;
            while let Some(row) = rows.next()? {
                let (seq, size): (u64, u64) = (row.get(0)?, row.get(1)?);
                kept = kept.saturating_add(size);
                if kept > max_bytes {
                    cutoff = Some(seq);
                    break;
                }
            }
            cutoff
        };
        if let Some(cutoff) = cutoff {
            dropped += self.connection().execute(
                "DELETE FROM input_chunks WHERE pane_id = ?1 AND seq <= ?2",
                params![pane, cutoff],
            )? as u64;
        }
        Ok(dropped)
    }

    /// Every input recorded for `pane`, oldest first.
    pub fn input_chunks(&self, pane: PaneId) -> Result<Vec<InputChunk>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT seq, output_offset, created_at_ms, data FROM input_chunks
             WHERE pane_id = ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map([pane], |row| {
            Ok(InputChunk {
                seq: row.get(0)?,
                output_offset: row.get(1)?,
                created_at_ms: row.get(2)?,
                bytes: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panes::PaneRecord;

    #[test]
    fn inputs_come_back_in_order_with_their_positions() {
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        let pane = PaneRecord::new_shell(PaneId(1), workspace.id, "/", 80, 24);
        database.upsert_pane(&pane).expect("pane");
        let first = database
            .record_input(pane.id, 10, 1, b"ls -la\r")
            .expect("first");
        let second = database
            .record_input(pane.id, 900, 2, b"\x1b[A\r")
            .expect("second");
        assert_eq!((first, second), (0, 1));
        let inputs = database.input_chunks(pane.id).expect("read");
        assert_eq!(
            inputs,
            vec![
                InputChunk {
                    seq: 0,
                    output_offset: 10,
                    created_at_ms: 1,
                    bytes: b"ls -la\r".to_vec()
                },
                InputChunk {
                    seq: 1,
                    output_offset: 900,
                    created_at_ms: 2,
                    bytes: b"\x1b[A\r".to_vec()
                },
            ]
        );
    }

    #[test]
    fn input_is_trimmed_with_its_output_and_to_its_budget_and_can_be_forgotten() {
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        let pane = PaneRecord::new_shell(PaneId(1), workspace.id, "/", 80, 24);
        database.upsert_pane(&pane).expect("pane");
        for (offset, text) in [(0, "old\r"), (100, "kept-1\r"), (200, "kept-2\r")] {
            database
                .record_input(pane.id, offset, 1, text.as_bytes())
                .expect("input");
        }
        database
            .append_output(pane.id, 50, &[b'x'; 250])
            .expect("output from offset 50 on");
        assert_eq!(database.trim_input(pane.id, 1000).expect("trim"), 1);
        let left: Vec<Vec<u8>> = database
            .input_chunks(pane.id)
            .expect("read")
            .into_iter()
            .map(|chunk| chunk.bytes)
            .collect();
        assert_eq!(left, vec![b"kept-1\r".to_vec(), b"kept-2\r".to_vec()]);
        // A budget of one input's size keeps only the newest.
        assert_eq!(database.trim_input(pane.id, 8).expect("trim"), 1);
        assert_eq!(database.input_chunks(pane.id).expect("read").len(), 1);
        assert_eq!(database.forget_input(pane.id).expect("forget"), 1);
        assert!(database.input_chunks(pane.id).expect("read").is_empty());
    }
}
