//! The index holds exactly the history view's lines, numbered alike, however the output was
//! indexed (at once, in pieces, by a fresh indexer resuming another's work).

use std::path::{Path, PathBuf};

use spaces_store::{Database, PaneRecord, WorkspaceRecord};

use super::*;
use crate::model::history::read_lines;

const PANE: PaneId = PaneId(3);

/// Coloured build output, a CR progress bar, a full-screen program (alternate screen), and
/// a half-typed prompt at the end.
fn recorded_stream() -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    let mut build = String::new();
    for n in 0..300 {
        build.push_str(&format!(
            "\x1b[1;32m   Compiling\x1b[0m crate{n} v0.{n}.0 (\x1b[33m/src/crate{n}\x1b[0m)\r\n"
        ));
    }
    chunks.push(build.into_bytes());
    let mut progress = String::from("downloading\r\n");
    for percent in (0..=100).step_by(5) {
        progress.push_str(&format!(
            "\r\x1b[36m[{:<20}]\x1b[0m {percent}%",
            "#".repeat(percent / 5)
        ));
    }
    progress.push_str("\r\nprogressdone\r\n");
    chunks.push(progress.into_bytes());
    chunks.push(b"\x1b[?1049h\x1b[H\x1b[2Jtop - uptime fullscreenword\r\nPID USER\r\n".to_vec());
    chunks.push(b"\x1b[H\x1b[2Jtop - later fullscreenword\r\n\x1b[?1049l".to_vec());
    let mut after = String::new();
    for n in 0..100 {
        after.push_str(&format!(
            "\x1b[31merror\x1b[0m[E{n:04}]: mismatched types afterword{n}\r\n"
        ));
    }
    after.push_str("$ cargo tes");
    chunks.push(after.into_bytes());
    chunks
}

fn new_database(dir: &Path) -> (PathBuf, Database) {
    let path = dir.join("spaces.db");
    let database = Database::open(&path).expect("open");
    let workspace = WorkspaceRecord::new(spaces_store::WorkspaceId(1), "api", "blue", 0);
    database.upsert_workspace(&workspace).expect("workspace");
    let record = PaneRecord::new_shell(PANE, workspace.id, "/", 60, 10);
    database.upsert_pane(&record).expect("pane");
    (path, database)
}

fn append(database: &Database, chunks: &[Vec<u8>]) {
    let mut offset = database
        .output_range_total(PANE)
        .expect("totals")
        .end_offset;
    for chunk in chunks {
        database.append_output(PANE, offset, chunk).expect("output");
        offset += chunk.len() as u64;
    }
}

fn history(path: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    read_lines(path, crate::model::persistence::pane_id(PANE), |batch| {
        lines.extend(batch)
    })
    .expect("history");
    lines
}

/// Every line of the history view is in the index at its number, and nothing else is.
fn assert_index_is_the_history(path: &Path, database: &Database) {
    let lines = history(path);
    let progress = database
        .search_progress(PANE)
        .expect("progress")
        .expect("row");
    assert_eq!(progress.lines, lines.len() as u64, "line count");
    for (number, line) in lines.iter().enumerate() {
        let indexed = database
            .search_line_text(PANE, number as u64)
            .expect("text");
        assert_eq!(indexed.as_deref(), Some(line.as_str()), "line {number}");
    }
}

#[test]
fn a_hit_is_the_history_views_line_at_that_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, database) = new_database(dir.path());
    append(&database, &recorded_stream());
    let report = catch_up(&database, |_| false).expect("catch up");
    assert!(report.lines > 300 && !report.more, "{report:?}");
    let lines = history(&path);
    for query in [
        "crate250",
        "progressdone",
        "fullscreenword",
        "mismatched afterword7",
        "tes",
    ] {
        let hits = database.search_history(query, 100).expect("search");
        assert!(!hits.is_empty(), "{query}");
        for hit in hits {
            assert_eq!(lines[hit.line as usize], hit.text, "{query}");
        }
    }
    // The progress bar left its final state only.
    let bars = database.search_history("downloading", 10).expect("search");
    assert_eq!(bars.len(), 1);
    assert!(lines.iter().any(|line| line.contains("100%")));
    assert!(!lines.iter().any(|line| line.contains(" 50%")));
    assert_index_is_the_history(&path, &database);
}

#[test]
fn indexing_in_pieces_and_resuming_in_a_fresh_indexer_gives_the_same_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, database) = new_database(dir.path());
    let stream = recorded_stream();
    let mut window = Replays::default();
    let never = || false;
    for (index, chunk) in stream.iter().enumerate() {
        append(&database, std::slice::from_ref(chunk));
        if index % 2 == 0 {
            // The window's indexer, keeping its replay between rounds.
            window
                .catch_up(&database, &never, |_| false)
                .expect("window");
        } else {
            // `spaces search` in another process: a fresh replay of what is indexed.
            catch_up(&database, |_| false).expect("cli");
        }
        assert_index_is_the_history(&path, &database);
    }
    // Both again on nothing new: nothing is written twice.
    assert_eq!(catch_up(&database, |_| false).expect("cli").lines, 0);
    assert_eq!(
        window
            .catch_up(&database, &never, |_| false)
            .expect("window")
            .lines,
        0
    );
    assert_index_is_the_history(&path, &database);
}

#[test]
fn trimmed_output_restarts_the_pane_from_its_oldest_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, database) = new_database(dir.path());
    append(&database, &recorded_stream());
    catch_up(&database, |_| false).expect("catch up");
    let before = database.output_range_total(PANE).expect("totals");
    database
        .trim_history(PANE, before.compressed_bytes / 3)
        .expect("trim");
    let first = database
        .output_range_total(PANE)
        .expect("totals")
        .first_offset;
    assert!(first > 0, "something was trimmed");
    catch_up(&database, |_| false).expect("catch up");
    let progress = database
        .search_progress(PANE)
        .expect("progress")
        .expect("row");
    assert_eq!(progress.base_offset, first);
    assert!(
        database
            .search_history("crate250", 10)
            .expect("search")
            .is_empty()
    );
    assert_index_is_the_history(&path, &database);
}

#[test]
fn the_window_indexer_thread_indexes_new_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, database) = new_database(dir.path());
    let indexer = SearchIndexer::start(&path, Box::new(|| true)).expect("start");
    append(&database, &recorded_stream());
    indexer.wake();
    let deadline = Instant::now() + Duration::from_secs(30);
    while database
        .search_history("afterword99", 1)
        .expect("search")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "never indexed");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(indexer);
    assert_index_is_the_history(&path, &database);
}
