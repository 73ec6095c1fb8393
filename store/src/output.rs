//! The output log: every byte a pane printed, as zstd chunks addressed by stream offset.
//!
//! A chunk holds bytes `[start_offset, end_offset)` of the pane's output stream. Restore reads
//! the chunks after the latest snapshot; retention drops the oldest chunks but never one that
//! a replay from the latest snapshot still needs.

use rusqlite::params;

use crate::clock::unix_millis;
use crate::compression::{self, stored_len};
use crate::database::Database;
use crate::error::{Result, StoreError};
use crate::ids::PaneId;

/// A decompressed stretch of a pane's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputChunk {
    pub start_offset: u64,
    pub end_offset: u64,
    pub created_at_ms: i64,
    pub bytes: Vec<u8>,
}

/// Totals over the recorded output of one pane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputTotals {
    pub chunks: u64,
    /// Offset of the oldest byte kept (0 when nothing is recorded).
    pub first_offset: u64,
    /// Offset just past the newest byte: where the next chunk starts.
    pub end_offset: u64,
    /// Uncompressed bytes kept (less than `end_offset - first_offset` if there are gaps).
    pub raw_bytes: u64,
    /// Bytes the chunks take in the database.
    pub compressed_bytes: u64,
}

/// What [`Database::trim_history`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrimReport {
    pub chunks_deleted: u64,
    pub compressed_bytes_deleted: u64,
}

/// Stands for "no snapshot protects anything": the largest offset SQLite can store.
const NO_SNAPSHOT: u64 = i64::MAX as u64;

impl Database {
    /// Compresses and stores `bytes` as the output of `pane` starting at `start_offset`.
    /// The recorder is the usual writer; this is for one-off writes (imports, tests).
    pub fn append_output(&self, pane: PaneId, start_offset: u64, bytes: &[u8]) -> Result<()> {
        let compressed = compression::compress(bytes)?;
        self.insert_compressed_output(pane, start_offset, bytes.len(), unix_millis(), &compressed)
    }

    /// Stores one already compressed chunk of `raw_len` bytes.
    pub(crate) fn insert_compressed_output(
        &self,
        pane: PaneId,
        start_offset: u64,
        raw_len: usize,
        created_at_ms: i64,
        compressed: &[u8],
    ) -> Result<()> {
        let raw_len = u64::try_from(raw_len).unwrap_or(u64::MAX);
        let end_offset = start_offset.saturating_add(raw_len);
        let mut statement = self.connection().prepare_cached(
            "INSERT INTO output_chunks
                 (pane_id, start_offset, end_offset, created_at_ms, raw_len, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        statement.execute(params![
            pane,
            start_offset,
            end_offset,
            created_at_ms,
            raw_len,
            compressed
        ])?;
        Ok(())
    }

    /// The output of `pane` from `offset` on, oldest first. The first chunk is cut so that it
    /// starts exactly at `offset` when `offset` falls inside it.
    pub fn output_since(&self, pane: PaneId, offset: u64) -> Result<Vec<OutputChunk>> {
        let mut chunks = Vec::new();
        self.for_each_output_since(pane, offset, |chunk| {
            chunks.push(chunk);
            true
        })?;
        Ok(chunks)
    }

    /// Like [`Self::output_since`], one chunk at a time, so a long history never has to fit
    /// in memory. `visit` returns false to stop early.
    pub fn for_each_output_since(
        &self,
        pane: PaneId,
        offset: u64,
        mut visit: impl FnMut(OutputChunk) -> bool,
    ) -> Result<()> {
        // The sub-select finds the chunk that holds `offset`, so the scan uses the primary key
        // from there instead of reading every older row.
        let mut statement = self.connection().prepare_cached(
            "SELECT start_offset, end_offset, created_at_ms, raw_len, data FROM output_chunks
             WHERE pane_id = ?1 AND end_offset > ?2 AND start_offset >= COALESCE(
                 (SELECT MAX(start_offset) FROM output_chunks
                  WHERE pane_id = ?1 AND start_offset <= ?2), 0)
             ORDER BY start_offset",
        )?;
        let mut rows = statement.query(params![pane, offset])?;
        while let Some(row) = rows.next()? {
            let raw_len = stored_len(row.get(3)?)?;
            let data: &[u8] = row.get_ref(4)?.as_blob().map_err(rusqlite::Error::from)?;
            let mut chunk = OutputChunk {
                start_offset: row.get(0)?,
                end_offset: row.get(1)?,
                created_at_ms: row.get(2)?,
                bytes: compression::decompress(data, raw_len)?,
            };
            cut_front(&mut chunk, offset);
            if !visit(chunk) {
                break;
            }
        }
        Ok(())
    }

    /// Counts and sizes of the recorded output of `pane`.
    pub fn output_range_total(&self, pane: PaneId) -> Result<OutputTotals> {
        let totals = self.connection().query_row(
            "SELECT COUNT(*), COALESCE(MIN(start_offset), 0), COALESCE(MAX(end_offset), 0),
                    COALESCE(SUM(raw_len), 0), COALESCE(SUM(length(data)), 0)
             FROM output_chunks WHERE pane_id = ?1",
            [pane],
            |row| {
                Ok(OutputTotals {
                    chunks: row.get(0)?,
                    first_offset: row.get(1)?,
                    end_offset: row.get(2)?,
                    raw_bytes: row.get(3)?,
                    compressed_bytes: row.get(4)?,
                })
            },
        )?;
        Ok(totals)
    }

    /// Checks that the kept chunks of `pane` follow each other without holes or overlaps.
    /// A hole means output was lost (the recorder reports such drops in its status).
    pub fn check_contiguous(&self, pane: PaneId) -> Result<()> {
        let mut statement = self.connection().prepare_cached(
            "SELECT start_offset, end_offset FROM output_chunks
             WHERE pane_id = ?1 ORDER BY start_offset",
        )?;
        let mut rows = statement.query([pane])?;
        let mut expected: Option<u64> = None;
        while let Some(row) = rows.next()? {
            let (start, end): (u64, u64) = (row.get(0)?, row.get(1)?);
            if let Some(expected) = expected
                && start != expected
            {
                return Err(StoreError::OutputGap {
                    pane,
                    expected,
                    found: start,
                });
            }
            expected = Some(end);
        }
        Ok(())
    }

    /// Drops the oldest output of `pane` until its chunks take at most `max_compressed_bytes`,
    /// except chunks a replay from the latest snapshot needs, which are always kept.
    pub fn trim_history(&self, pane: PaneId, max_compressed_bytes: u64) -> Result<TrimReport> {
        let protected_from = self.latest_snapshot_offset(pane)?.unwrap_or(NO_SNAPSHOT);
        let Some(cutoff) = self.trim_cutoff(pane, max_compressed_bytes)? else {
            return Ok(TrimReport::default());
        };
        let report = self.connection().query_row(
            "SELECT COUNT(*), COALESCE(SUM(length(data)), 0) FROM output_chunks
             WHERE pane_id = ?1 AND start_offset <= ?2 AND end_offset <= ?3",
            params![pane, cutoff, protected_from],
            |row| {
                Ok(TrimReport {
                    chunks_deleted: row.get(0)?,
                    compressed_bytes_deleted: row.get(1)?,
                })
            },
        )?;
        self.connection().execute(
            "DELETE FROM output_chunks
             WHERE pane_id = ?1 AND start_offset <= ?2 AND end_offset <= ?3",
            params![pane, cutoff, protected_from],
        )?;
        Ok(report)
    }

    /// The start offset of the newest chunk that no longer fits the budget (it and everything
    /// older go), or `None` when everything fits.
    fn trim_cutoff(&self, pane: PaneId, max_compressed_bytes: u64) -> Result<Option<u64>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT start_offset, length(data) FROM output_chunks
             WHERE pane_id = ?1 ORDER BY start_offset DESC",
        )?;
        let mut rows = statement.query([pane])?;
        let mut kept: u64 = 0;
        while let Some(row) = rows.next()? {
            let (start, size): (u64, u64) = (row.get(0)?, row.get(1)?);
            kept = kept.saturating_add(size);
            if kept > max_compressed_bytes {
                return Ok(Some(start));
            }
        }
        Ok(None)
    }
}

/// Removes the bytes of `chunk` before `offset`, if `offset` falls inside it.
fn cut_front(chunk: &mut OutputChunk, offset: u64) {
    if offset > chunk.start_offset && offset < chunk.end_offset {
        let skip = usize::try_from(offset - chunk.start_offset).unwrap_or(usize::MAX);
        chunk.bytes.drain(..skip.min(chunk.bytes.len()));
        chunk.start_offset = offset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panes::PaneRecord;
    use crate::snapshots::SnapshotRecord;

    fn database_with_pane() -> (Database, PaneId) {
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        let pane = PaneRecord::new_shell(PaneId(1), workspace.id, "/", 80, 24);
        database.upsert_pane(&pane).expect("pane");
        (database, pane.id)
    }

    /// Coloured, repetitive text like a real terminal prints, `length` bytes from `offset`.
    fn stream(offset: u64, length: usize) -> Vec<u8> {
        let pattern = b"\x1b[32mok\x1b[0m test line with some words 0123456789\r\n";
        (0..length)
            .map(|index| pattern[(offset as usize + index) % pattern.len()])
            .collect()
    }

    fn append_chunks(database: &Database, pane: PaneId, sizes: &[usize]) -> u64 {
        let mut offset = 0;
        for size in sizes {
            database
                .append_output(pane, offset, &stream(offset, *size))
                .expect("append");
            offset += *size as u64;
        }
        offset
    }

    #[test]
    fn output_is_contiguous_and_byte_identical_after_compression() {
        let (database, pane) = database_with_pane();
        let end = append_chunks(&database, pane, &[4096, 1, 70_000, 13]);
        database.check_contiguous(pane).expect("contiguous");
        let bytes: Vec<u8> = database
            .output_since(pane, 0)
            .expect("read")
            .into_iter()
            .flat_map(|chunk| chunk.bytes)
            .collect();
        assert_eq!(bytes, stream(0, end as usize));
        let totals = database.output_range_total(pane).expect("totals");
        assert_eq!(
            (totals.chunks, totals.first_offset, totals.end_offset),
            (4, 0, end)
        );
        assert_eq!(totals.raw_bytes, end);
        assert!(totals.compressed_bytes < totals.raw_bytes / 3);
    }

    #[test]
    fn output_since_starts_exactly_at_the_offset() {
        let (database, pane) = database_with_pane();
        let end = append_chunks(&database, pane, &[100, 100, 100]);
        for offset in [0, 50, 100, 150, 299] {
            let chunks = database.output_since(pane, offset).expect("read");
            assert_eq!(chunks[0].start_offset, offset);
            let bytes: Vec<u8> = chunks.into_iter().flat_map(|chunk| chunk.bytes).collect();
            assert_eq!(bytes, stream(offset, (end - offset) as usize));
        }
        assert!(database.output_since(pane, end).expect("read").is_empty());
    }

    #[test]
    fn holes_and_overlaps_are_reported() {
        let (database, pane) = database_with_pane();
        database.append_output(pane, 0, b"abc").expect("first");
        database
            .append_output(pane, 5, b"def")
            .expect("after a hole");
        let error = database.check_contiguous(pane).expect_err("hole");
        assert!(matches!(
            error,
            StoreError::OutputGap {
                expected: 3,
                found: 5,
                ..
            }
        ));
        assert!(
            database.append_output(pane, 5, b"again").is_err(),
            "same start twice"
        );
    }

    #[test]
    fn trimming_drops_oldest_chunks_to_the_budget() {
        let (database, pane) = database_with_pane();
        let end = append_chunks(&database, pane, &[10_000; 10]);
        let before = database.output_range_total(pane).expect("totals");
        let per_chunk = before.compressed_bytes / 10;
        let report = database.trim_history(pane, per_chunk * 4).expect("trim");
        let after = database.output_range_total(pane).expect("totals");
        assert!(after.compressed_bytes <= per_chunk * 4 + 10, "{after:?}");
        assert_eq!(after.end_offset, end, "the newest output stays");
        assert_eq!(report.chunks_deleted, before.chunks - after.chunks);
        database
            .check_contiguous(pane)
            .expect("what is left is contiguous");
        let trimmed_again = database.trim_history(pane, per_chunk * 4).expect("trim");
        assert_eq!(trimmed_again, TrimReport::default());
    }

    #[test]
    fn trimming_never_drops_what_the_latest_snapshot_needs() {
        let (database, pane) = database_with_pane();
        append_chunks(&database, pane, &[10_000; 10]);
        let snapshot = SnapshotRecord {
            pane_id: pane,
            output_offset: 25_000,
            created_at_ms: 1,
            format_version: 1,
            data: b"grid".to_vec(),
        };
        database.save_snapshot(&snapshot).expect("snapshot");
        database
            .trim_history(pane, 0)
            .expect("trim everything allowed");
        let totals = database.output_range_total(pane).expect("totals");
        assert_eq!(
            totals.first_offset, 20_000,
            "chunk holding offset 25,000 is kept"
        );
        let replay = database.output_since(pane, 25_000).expect("replay");
        assert_eq!(replay[0].start_offset, 25_000);
    }
}
