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
}
