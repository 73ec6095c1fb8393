//! Grid snapshots: opaque blobs from the terminal crate that cover a pane's output up to an
//! offset, so a restore replays only what came after.

use rusqlite::{OptionalExtension, params};

use crate::compression::{self, stored_len};
use crate::database::Database;
use crate::error::Result;
use crate::ids::PaneId;

/// One snapshot of a pane's grid, decompressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRecord {
    pub pane_id: PaneId,
    /// The snapshot shows the terminal after exactly this many output bytes.
    pub output_offset: u64,
    pub created_at_ms: i64,
    /// Version of the blob's format, defined by its producer; the store does not read `data`.
    pub format_version: u32,
    pub data: Vec<u8>,
}

impl Database {
    /// Stores a snapshot, replacing one at the same offset.
    pub fn save_snapshot(&self, snapshot: &SnapshotRecord) -> Result<()> {
        let compressed = compression::compress(&snapshot.data)?;
        self.insert_compressed_snapshot(snapshot, snapshot.data.len(), &compressed)
    }

    /// Stores a snapshot whose data (`raw_len` bytes) was already compressed into `compressed`;
    /// `snapshot.data` itself is not read.
    pub(crate) fn insert_compressed_snapshot(
        &self,
        snapshot: &SnapshotRecord,
        raw_len: usize,
        compressed: &[u8],
    ) -> Result<()> {
        let mut statement = self.connection().prepare_cached(
            "INSERT OR REPLACE INTO snapshots
                 (pane_id, output_offset, created_at_ms, format_version, raw_len, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        statement.execute(params![
            snapshot.pane_id,
            snapshot.output_offset,
            snapshot.created_at_ms,
            snapshot.format_version,
            raw_len,
            compressed
        ])?;
        Ok(())
    }

    /// The snapshot of `pane` at the highest offset, if any.
    pub fn latest_snapshot(&self, pane: PaneId) -> Result<Option<SnapshotRecord>> {
        let row = self
            .connection()
            .query_row(
                "SELECT output_offset, created_at_ms, format_version, raw_len, data
                 FROM snapshots WHERE pane_id = ?1 ORDER BY output_offset DESC LIMIT 1",
                [pane],
                |row| {
                    let raw_len: i64 = row.get(3)?;
                    let data: Vec<u8> = row.get(4)?;
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, raw_len, data))
                },
            )
            .optional()?;
        let Some((output_offset, created_at_ms, format_version, raw_len, data)) = row else {
            return Ok(None);
        };
        Ok(Some(SnapshotRecord {
            pane_id: pane,
            output_offset,
            created_at_ms,
            format_version,
            data: compression::decompress(&data, stored_len(raw_len)?)?,
        }))
    }

    /// The offset of the latest snapshot of `pane`, without reading its blob.
    pub(crate) fn latest_snapshot_offset(&self, pane: PaneId) -> Result<Option<u64>> {
        let offset = self.connection().query_row(
            "SELECT MAX(output_offset) FROM snapshots WHERE pane_id = ?1",
            [pane],
            |row| row.get(0),
        )?;
        Ok(offset)
    }

    /// Deletes all but the newest `keep` snapshots of `pane`; returns how many went.
    pub fn prune_snapshots(&self, pane: PaneId, keep: usize) -> Result<usize> {
        let deleted = self.connection().execute(
            "DELETE FROM snapshots WHERE pane_id = ?1 AND output_offset NOT IN (
                 SELECT output_offset FROM snapshots WHERE pane_id = ?1
                 ORDER BY output_offset DESC LIMIT ?2)",
            params![pane, keep],
        )?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panes::PaneRecord;

    fn snapshot(pane: PaneId, offset: u64, fill: u8) -> SnapshotRecord {
        SnapshotRecord {
            pane_id: pane,
            output_offset: offset,
            created_at_ms: offset as i64,
            format_version: 3,
            data: vec![fill; 50_000],
        }
    }

    #[test]
    fn the_latest_snapshot_comes_back_intact() {
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        let pane = PaneRecord::new_shell(PaneId(1), workspace.id, "/", 80, 24);
        database.upsert_pane(&pane).expect("pane");
        assert_eq!(database.latest_snapshot(pane.id).expect("none"), None);

        for (offset, fill) in [(100, 1), (300, 3), (200, 2)] {
            database
                .save_snapshot(&snapshot(pane.id, offset, fill))
                .expect("save");
        }
        let latest = database.latest_snapshot(pane.id).expect("read");
        assert_eq!(latest, Some(snapshot(pane.id, 300, 3)));
        assert_eq!(
            database.latest_snapshot_offset(pane.id).expect("offset"),
            Some(300)
        );

        assert_eq!(database.prune_snapshots(pane.id, 1).expect("prune"), 2);
        assert_eq!(database.latest_snapshot(pane.id).expect("read"), latest);
    }
}
