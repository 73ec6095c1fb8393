//! Damage on disk: pages of the file overwritten with garbage while nothing runs (found at
//! open) and while the recorder writes (found by its checker or by a failing write). Each
//! time the file is moved aside, a fresh one takes its place with everything still readable,
//! and recording goes on.

use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use super::Database;
use crate::ids::{PaneId, WorkspaceId};
use crate::panes::PaneRecord;
use crate::recorder::{DamageChecks, Recorder, RecorderConfig};
use crate::workspaces::WorkspaceRecord;

const PAGE: u64 = 4096;

/// Bytes that do not compress: each chunk's blob takes its own pages.
fn noise(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// A database with one workspace, two panes and `chunks` output chunks for pane 1.
fn filled(path: &Path, chunks: u64) {
    let database = Database::open(path).expect("open");
    database
        .upsert_workspace(&WorkspaceRecord::new(
            WorkspaceId(1),
            "default",
            "#888888",
            0,
        ))
        .expect("workspace");
    for pane in [1, 2] {
        let record = PaneRecord::new_shell(PaneId(pane), WorkspaceId(1), "/home", 80, 24);
        database.upsert_pane(&record).expect("pane");
    }
    for index in 0..chunks {
        database
            .append_output(PaneId(1), index * 3000, &noise(index, 3000))
            .expect("chunk");
    }
    // Closing the last connection checkpoints the WAL into the file.
}

/// Writes garbage over `count` pages from page `first` (1-based, as SQLite counts).
fn garble(path: &Path, first: u64, count: u64) {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open the file");
    file.seek(SeekFrom::Start((first - 1) * PAGE))
        .expect("seek");
    file.write_all(&noise(first, (count * PAGE) as usize))
        .expect("garble");
    file.sync_all().expect("sync");
}

/// The page where `table`'s b-tree starts.
fn root_page(path: &Path, table: &str) -> u64 {
    let database = Database::open_readonly(path).expect("open");
    database
        .connection()
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
            [table],
            |row| row.get(0),
        )
        .expect("root page")
}

fn pages(path: &Path) -> u64 {
    std::fs::metadata(path).expect("size").len() / PAGE
}

fn readable_chunks(database: &Database, pane: PaneId) -> u64 {
    let mut count = 0;
    database
        .for_each_output_since(pane, 0, |chunk| {
            assert_eq!(chunk.bytes, noise(chunk.start_offset / 3000, 3000));
            count += 1;
            true
        })
        .expect("every kept chunk reads back");
    count
}

#[test]
fn garbage_over_output_pages_is_found_at_open_and_the_rest_is_kept() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    filled(&path, 400);
    let total = pages(&path);
    garble(&path, total / 2, 6);

    let (database, quarantined) = Database::open_or_quarantine(&path);
    let quarantined = quarantined.expect("the damage is noticed at open");
    assert!(!quarantined.in_memory, "{quarantined:?}");
    let moved = quarantined.moved_to.clone().expect("moved aside");
    assert!(moved.exists(), "the damaged file is kept");
    let salvaged = quarantined.salvaged.clone().expect("salvaged");
    assert!(
        salvaged.unreadable_places + salvaged.rows_bad > 0,
        "{salvaged:?}"
    );
    assert!(
        quarantined.message().contains("records were saved"),
        "{}",
        quarantined.message()
    );
    assert_eq!(database.integrity_check().expect("check"), "ok");
    let kept = readable_chunks(&database, PaneId(1));
    assert!((300..400).contains(&kept), "{kept} of 400 chunks kept");
    assert_eq!(database.list_panes(WorkspaceId(1)).expect("panes").len(), 2);
}

#[test]
fn garbage_over_the_pane_records_is_found_at_open() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    filled(&path, 50);
    garble(&path, root_page(&path, "panes"), 1);

    let (database, quarantined) = Database::open_or_quarantine(&path);
    let quarantined = quarantined.expect("the damage is noticed at open");
    assert!(
        quarantined.reason.contains("damaged"),
        "{}",
        quarantined.reason
    );
    let salvaged = quarantined.salvaged.expect("salvaged");
    assert!(salvaged.tables_lost.contains(&"panes"), "{salvaged:?}");
    // The output outlives its lost pane records: `spaces history` can still read it.
    assert_eq!(readable_chunks(&database, PaneId(1)), 50);
    assert_eq!(database.integrity_check().expect("check"), "ok");
}

#[test]
fn a_file_damaged_while_recording_is_replaced_and_recording_goes_on() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    filled(&path, 100);
    let config = RecorderConfig {
        damage_checks: Some(DamageChecks {
            vital_every: Duration::from_millis(50),
            full_after: Duration::from_millis(100),
        }),
        ..RecorderConfig::default()
    };
    let recorder =
        Recorder::with_database(Database::open(&path).expect("open"), config).expect("start");
    recorder
        .record_output(PaneId(2), 0, noise(7, 1000).into())
        .expect("record");
    recorder.flush().expect("flush");
    // Another process scribbles over the pane records behind SQLite's back.
    garble(&path, root_page(&path, "panes"), 1);

    let deadline = Instant::now() + Duration::from_secs(30);
    while recorder.status().recoveries == 0 {
        assert!(Instant::now() < deadline, "the damage was never noticed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = recorder.status();
    assert!(status.saving_to_disk, "{status:?}");
    let message = status.last_recovery.expect("said");
    assert!(
        message.contains("damaged") && message.contains("moved to"),
        "{message}"
    );

    // Recording goes on into the new file, after what was saved from the old one.
    recorder
        .record_output(PaneId(2), 1000, noise(8, 1000).into())
        .expect("record");
    recorder.flush().expect("flush into the new file");
    recorder.shutdown().expect("shutdown");
    let database = Database::open(&path).expect("the new file opens");
    assert_eq!(database.integrity_check().expect("check"), "ok");
    assert_eq!(
        readable_chunks(&database, PaneId(1)),
        100,
        "old output salvaged"
    );
    let totals = database.output_range_total(PaneId(2)).expect("totals");
    assert_eq!(totals.end_offset, 2000, "new output recorded");
    let broken = std::fs::read_dir(temporary.path())
        .expect("list")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().contains(".broken-"))
        .count();
    assert!(broken >= 1, "the damaged file is kept beside");
}

#[test]
fn a_sound_file_is_left_alone_by_the_checks() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    filled(&path, 20);
    let (database, quarantined) = Database::open_or_quarantine(&path);
    assert_eq!(quarantined, None);
    assert_eq!(Database::quick_check_file(&path), Ok(()));
    assert_eq!(Database::check_vital_tables_of_file(&path), Ok(()));
    drop(database);
}
