//! Tests of the history search index: batches, progress, queries, two indexers at once, and
//! a crash in the middle of a batch.

use super::*;
use crate::panes::PaneRecord;

fn database_with_panes(path: Option<&std::path::Path>, panes: &[i64]) -> Database {
    let database = match path {
        Some(path) => Database::open(path).expect("open"),
        None => Database::open_in_memory().expect("open"),
    };
    let workspace = database.create_workspace("w", "blue").expect("workspace");
    for pane in panes {
        let record = PaneRecord::new_shell(PaneId(*pane), workspace.id, "/", 80, 24);
        database.upsert_pane(&record).expect("pane");
    }
    database
}

fn lines(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|text| (*text).to_owned()).collect()
}

fn batch<'a>(
    first_line: u64,
    finals: &'a [String],
    screen: &'a [String],
    end: u64,
) -> SearchBatch<'a> {
    SearchBatch {
        base_offset: 0,
        cols: 80,
        rows: 24,
        first_line,
        final_lines: finals,
        screen_lines: screen,
        end_offset: end,
    }
}

fn found(database: &Database, query: &str) -> Vec<(i64, u64, String)> {
    database
        .search_history(query, 100)
        .expect("search")
        .into_iter()
        .map(|hit| (hit.pane.0, hit.line, hit.text))
        .collect()
}

#[test]
fn batches_move_the_progress_and_their_lines_are_found() {
    let database = database_with_panes(None, &[1]);
    let pane = PaneId(1);
    assert_eq!(database.search_progress(pane).expect("progress"), None);
    database.start_search_index(pane, 0, 80, 24).expect("start");
    let first = lines(&["cargo build", "error: connection refused", ""]);
    let screen = lines(&["$ half typed"]);
    let outcome = database
        .append_search_lines(pane, &batch(0, &first, &screen, 100))
        .expect("append");
    assert_eq!(outcome, AppendOutcome::Appended);
    let progress = database
        .search_progress(pane)
        .expect("progress")
        .expect("row");
    assert_eq!(
        (
            progress.indexed_offset,
            progress.final_lines,
            progress.lines
        ),
        (100, 3, 4)
    );
    assert_eq!(
        found(&database, "refus"),
        vec![(1, 1, "error: connection refused".to_owned())]
    );
    assert_eq!(
        found(&database, "CONNECTION refused").len(),
        1,
        "case-insensitive, all words"
    );
    assert_eq!(
        found(&database, "typed"),
        vec![(1, 3, "$ half typed".to_owned())]
    );
    assert!(
        found(&database, "fused").is_empty(),
        "not the middle of a word"
    );
    assert!(
        found(&database, "refused cargo").is_empty(),
        "every word on one line"
    );
    assert!(found(&database, "--").is_empty(), "no letters: nothing");

    // The next batch replaces the last screen.
    let second = lines(&["$ half typed and finished", "Finished release"]);
    database
        .append_search_lines(pane, &batch(3, &second, &[], 200))
        .expect("append");
    assert_eq!(
        found(&database, "typed"),
        vec![(1, 3, "$ half typed and finished".to_owned())]
    );
    assert_eq!(found(&database, "finished").len(), 2);
    let progress = database
        .search_progress(pane)
        .expect("progress")
        .expect("row");
    assert_eq!((progress.final_lines, progress.lines), (5, 5));
    assert_eq!(
        database.search_line_text(pane, 0).expect("text").as_deref(),
        Some("cargo build")
    );
    assert_eq!(
        database.search_line_text(pane, 2).expect("text").as_deref(),
        Some("")
    );
}

#[test]
fn phrases_and_punctuation_are_checked_on_the_text() {
    let database = database_with_panes(None, &[1]);
    let pane = PaneId(1);
    database.start_search_index(pane, 0, 80, 24).expect("start");
    let text = lines(&["see src/main.rs:12", "main of src", "x.rs"]);
    database
        .append_search_lines(pane, &batch(0, &text, &[], 10))
        .expect("append");
    assert_eq!(
        found(&database, "src/main.rs"),
        vec![(1, 0, "see src/main.rs:12".to_owned())]
    );
    assert_eq!(found(&database, "main.r").len(), 1);
}

#[test]
fn results_come_newest_first_up_to_the_limit_and_deleting_a_pane_removes_its_lines() {
    let database = database_with_panes(None, &[1, 2]);
    for pane in [PaneId(1), PaneId(2)] {
        database.start_search_index(pane, 0, 80, 24).expect("start");
        let text: Vec<String> = (0..3000)
            .map(|n| format!("line {n} of pane {pane} word"))
            .collect();
        database
            .append_search_lines(pane, &batch(0, &text, &[], 1000))
            .expect("append");
    }
    let hits = database.search_history("word", 5).expect("search");
    let places: Vec<(i64, u64)> = hits.iter().map(|hit| (hit.pane.0, hit.line)).collect();
    assert_eq!(
        places,
        vec![(2, 2999), (2, 2998), (2, 2997), (2, 2996), (2, 2995)]
    );
    assert_eq!(hits[0].text, "line 2999 of pane 2 word");
    assert_eq!(
        database
            .search_history("word", 10_000)
            .expect("search")
            .len(),
        6000
    );

    database.delete_search_index(PaneId(2)).expect("delete");
    assert_eq!(database.search_progress(PaneId(2)).expect("progress"), None);
    let hits = database.search_history("word", 1).expect("search");
    assert_eq!((hits[0].pane, hits[0].line), (PaneId(1), 2999));
    assert!(
        found(&database, "2999")
            .iter()
            .all(|(pane, _, _)| *pane == 1)
    );
}

#[test]
fn a_restart_or_a_batch_of_another_replay_is_refused() {
    let database = database_with_panes(None, &[1]);
    let pane = PaneId(1);
    let text = lines(&["alpha"]);
    assert_eq!(
        database
            .append_search_lines(pane, &batch(0, &text, &[], 10))
            .expect("append"),
        AppendOutcome::Stale,
        "never started"
    );
    database.start_search_index(pane, 0, 80, 24).expect("start");
    database
        .append_search_lines(pane, &batch(0, &text, &[], 10))
        .expect("append");
    // Trimmed output: the index restarts from the new oldest byte, without its old lines.
    database
        .start_search_index(pane, 5, 80, 24)
        .expect("restart");
    assert!(found(&database, "alpha").is_empty());
    assert_eq!(
        database
            .append_search_lines(pane, &batch(0, &text, &[], 20))
            .expect("append"),
        AppendOutcome::Stale,
        "a batch of the old replay"
    );
}

#[test]
fn which_panes_are_behind() {
    let database = database_with_panes(None, &[1, 2, 3]);
    database
        .append_output(PaneId(1), 0, b"one\r\n")
        .expect("output");
    database
        .append_output(PaneId(2), 0, b"two\r\n")
        .expect("output");
    database
        .start_search_index(PaneId(2), 0, 80, 24)
        .expect("start");
    database
        .append_search_lines(PaneId(2), &batch(0, &lines(&["two"]), &[], 5))
        .expect("append");
    let behind = database.panes_to_index().expect("behind");
    assert_eq!(behind.len(), 1, "pane 2 is indexed, pane 3 printed nothing");
    assert_eq!(
        (behind[0].pane, behind[0].end_offset, behind[0].progress),
        (PaneId(1), 5, None)
    );
    database
        .append_output(PaneId(2), 5, b"more\r\n")
        .expect("output");
    let behind = database.panes_to_index().expect("behind");
    assert_eq!(behind[1].pane, PaneId(2));
    assert_eq!(behind[1].progress.map(|p| p.indexed_offset), Some(5));
}

#[test]
fn two_indexers_of_one_pane_write_each_line_once() {
    let directory = tempfile::tempdir().expect("tempdir");
    let path = directory.path().join("spaces.db");
    let database = database_with_panes(Some(&path), &[1]);
    database
        .start_search_index(PaneId(1), 0, 80, 24)
        .expect("start");
    // Both replay the same output, so both produce the same lines; they commit every 10
    // lines at different moments.
    let all: Vec<String> = (0..500).map(|n| format!("shared line {n}")).collect();
    let indexers: Vec<_> = [7_usize, 10]
        .into_iter()
        .map(|step| {
            let path = path.clone();
            let all = all.clone();
            std::thread::spawn(move || {
                let database = Database::open(&path).expect("open");
                let mut first = 0;
                while first < all.len() {
                    let end = (first + step).min(all.len());
                    let screen = vec![format!("screen at {end}")];
                    database
                        .append_search_lines(
                            PaneId(1),
                            &batch(first as u64, &all[first..end], &screen, end as u64 * 10),
                        )
                        .expect("append");
                    first = end;
                }
            })
        })
        .collect();
    for indexer in indexers {
        indexer.join().expect("indexer");
    }
    let hits = database.search_history("shared", 10_000).expect("search");
    assert_eq!(hits.len(), 500);
    let mut numbers: Vec<u64> = hits.iter().map(|hit| hit.line).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers, (0..500).collect::<Vec<_>>());
    assert!(
        hits.iter()
            .all(|hit| hit.text == format!("shared line {}", hit.line))
    );
    assert_eq!(
        found(&database, "screen"),
        vec![(1, 500, "screen at 500".to_owned())]
    );
}

#[test]
fn a_batch_cut_short_by_a_crash_leaves_the_last_committed_one() {
    let directory = tempfile::tempdir().expect("tempdir");
    let path = directory.path().join("spaces.db");
    {
        let database = database_with_panes(Some(&path), &[1]);
        database
            .start_search_index(PaneId(1), 0, 80, 24)
            .expect("start");
        database
            .append_search_lines(PaneId(1), &batch(0, &lines(&["committed words"]), &[], 10))
            .expect("append");
        // A second batch dies half written: its transaction never commits.
        let transaction = database.immediate().expect("begin");
        insert_lines(&transaction, PaneId(1), 1, &lines(&["lost words"])).expect("insert");
        std::mem::forget(transaction);
        // The process ends here without a commit (the connection closes).
    }
    let database = Database::open(&path).expect("reopen");
    let progress = database
        .search_progress(PaneId(1))
        .expect("progress")
        .expect("row");
    assert_eq!((progress.indexed_offset, progress.final_lines), (10, 1));
    assert!(found(&database, "lost").is_empty());
    assert_eq!(found(&database, "words").len(), 1);
    // The indexer of the next run writes that batch again.
    let outcome = database
        .append_search_lines(PaneId(1), &batch(1, &lines(&["lost words"]), &[], 20))
        .expect("append");
    assert_eq!(outcome, AppendOutcome::Appended);
    assert_eq!(found(&database, "words").len(), 2);
}

#[test]
fn deleting_a_workspace_takes_its_panes_lines_along() {
    let database = database_with_panes(None, &[1]);
    database
        .start_search_index(PaneId(1), 0, 80, 24)
        .expect("start");
    database
        .append_search_lines(PaneId(1), &batch(0, &lines(&["gone soon"]), &[], 10))
        .expect("append");
    let workspace = database
        .pane(PaneId(1))
        .expect("pane")
        .expect("row")
        .workspace_id;
    database.delete_workspace(workspace).expect("delete");
    assert!(found(&database, "gone").is_empty());
}
