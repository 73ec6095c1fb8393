//! Tests of the recorder: round trips through the writer thread, disk full, and `kill -9`.

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::*;
use crate::LayoutRecord;
use crate::panes::PaneRecord;
use crate::workspaces::WorkspaceRecord;

/// Deterministic, poorly compressible bytes of a pane's stream: byte `i` depends only on `i`,
/// so any stretch can be checked against the expectation.
fn stream_byte(offset: u64) -> u8 {
    let mut x = offset.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (x >> 56) as u8
}

fn stream(offset: u64, length: usize) -> Arc<[u8]> {
    (0..length as u64)
        .map(|index| stream_byte(offset + index))
        .collect()
}

fn setup(recorder: &Recorder, pane: PaneId) {
    let workspace = WorkspaceRecord::new(WorkspaceId(1), "default", "#888888", 0);
    recorder.upsert_workspace(workspace).expect("workspace");
    let record = PaneRecord::new_shell(pane, WorkspaceId(1), "/", 80, 24);
    recorder.upsert_pane(record).expect("pane");
}

/// Sends `total` bytes of the stream for `pane` from `offset` in pieces of `piece` bytes.
fn send_stream(recorder: &Recorder, pane: PaneId, offset: u64, total: usize, piece: usize) -> u64 {
    let mut position = offset;
    let end = offset + total as u64;
    while position < end {
        let length = piece.min((end - position) as usize);
        recorder
            .record_output(pane, position, stream(position, length))
            .expect("record");
        position += length as u64;
    }
    end
}

fn recorded_bytes(database: &Database, pane: PaneId) -> Vec<u8> {
    database
        .output_since(pane, 0)
        .expect("read")
        .into_iter()
        .flat_map(|chunk| chunk.bytes)
        .collect()
}

#[test]
fn every_record_type_round_trips_through_the_writer() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    let recorder = Recorder::start(&path).expect("start");
    let pane = PaneId(1);
    setup(&recorder, pane);
    let layout = LayoutRecord {
        workspace_id: WorkspaceId(1),
        tree_json: r#"{"root":"pane-1"}"#.to_owned(),
        focused_pane: Some(pane),
        updated_at_ms: 5,
    };
    recorder.save_layout(layout.clone()).expect("layout");
    recorder
        .record_input(pane, 0, b"ls\r".to_vec())
        .expect("input");
    send_stream(&recorder, pane, 0, 10_000, 4096);
    let snapshot = SnapshotRecord {
        pane_id: pane,
        output_offset: 10_000,
        created_at_ms: 6,
        format_version: 1,
        data: vec![7; 30_000],
    };
    recorder.save_snapshot(snapshot.clone()).expect("snapshot");
    recorder.set_setting("theme", "dark").expect("setting");
    recorder.flush().expect("flush");

    // A separate read-only connection sees everything once flush returns.
    let reader = Database::open_readonly(&path).expect("reader");
    assert_eq!(reader.list_workspaces(false).expect("workspaces").len(), 1);
    assert_eq!(reader.list_panes(WorkspaceId(1)).expect("panes").len(), 1);
    assert_eq!(
        reader.load_layout(WorkspaceId(1)).expect("layout"),
        Some(layout)
    );
    assert_eq!(reader.input_chunks(pane).expect("input")[0].bytes, b"ls\r");
    assert_eq!(
        reader.latest_snapshot(pane).expect("snapshot"),
        Some(snapshot)
    );
    assert_eq!(
        reader.get_setting("theme").expect("setting").as_deref(),
        Some("dark")
    );
    assert_eq!(&recorded_bytes(&reader, pane)[..], &stream(0, 10_000)[..]);
    recorder.shutdown().expect("shutdown");
    assert!(matches!(recorder.flush(), Err(StoreError::RecorderStopped)));
}

#[test]
fn output_is_batched_contiguous_and_byte_identical() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    let recorder = Recorder::start(&path).expect("start");
    let (first, second) = (PaneId(1), PaneId(2));
    setup(&recorder, first);
    recorder
        .upsert_pane(PaneRecord::new_shell(second, WorkspaceId(1), "/", 80, 24))
        .expect("second pane");
    // Two panes interleaved, as two reader threads would send them.
    let mut offset = 0;
    while offset < 1_000_000 {
        send_stream(&recorder, first, offset, 4000, 4000);
        send_stream(&recorder, second, offset, 4000, 4000);
        offset += 4000;
    }
    recorder
        .shutdown()
        .expect("shutdown commits without a flush");

    let database = Database::open(&path).expect("open");
    for pane in [first, second] {
        database.check_contiguous(pane).expect("contiguous");
        let totals = database.output_range_total(pane).expect("totals");
        assert_eq!(totals.end_offset, 1_000_000);
        assert!(totals.chunks >= 4, "batches of at most 256 KiB: {totals:?}");
        assert!(
            totals.chunks <= 250,
            "pieces are batched, not one row each: {totals:?}"
        );
        assert_eq!(
            &recorded_bytes(&database, pane)[..],
            &stream(0, 1_000_000)[..]
        );
    }
}

#[test]
fn a_full_disk_keeps_data_pending_and_recording_resumes_when_space_returns() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    let recorder = Recorder::start(&path).expect("start");
    let pane = PaneId(1);
    setup(&recorder, pane);
    let mut end = send_stream(&recorder, pane, 0, 50_000, 4096);
    recorder.flush().expect("flush before the disk fills");

    recorder.limit_pages(Some(2)).expect("fill the disk");
    end = send_stream(&recorder, pane, end, 500_000, 4096);
    let error = recorder.flush().expect_err("cannot commit on a full disk");
    assert!(error.to_string().contains("full"), "{error}");
    let status = recorder.status();
    assert!(!status.healthy);
    assert!(status.pending_bytes > 0);
    assert_eq!(
        status.dropped_bytes, 0,
        "nothing is lost while memory allows"
    );

    // More output while full waits in memory behind the first.
    end = send_stream(&recorder, pane, end, 20_000, 4096);
    assert!(recorder.flush().is_err());

    recorder.limit_pages(None).expect("free space");
    recorder
        .flush()
        .expect("pending data is written once space returns");
    let status = recorder.status();
    assert!(status.healthy);
    assert_eq!(status.pending_bytes, 0);
    assert!(status.last_error.is_some(), "the failure is still reported");

    let reader = Database::open_readonly(&path).expect("reader");
    reader.check_contiguous(pane).expect("no hole");
    assert_eq!(
        &recorded_bytes(&reader, pane)[..],
        &stream(0, end as usize)[..]
    );
    assert_eq!(reader.integrity_check().expect("check"), "ok");
    recorder.shutdown().expect("shutdown");
}

#[test]
fn beyond_the_memory_bound_the_oldest_output_is_dropped_and_counted() {
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    let config = RecorderConfig {
        max_pending_bytes: 100_000,
        batch_bytes: 16 * 1024,
        ..RecorderConfig::default()
    };
    let recorder =
        Recorder::with_database(Database::open(&path).expect("open"), config).expect("start");
    let pane = PaneId(1);
    setup(&recorder, pane);
    recorder.flush().expect("pane stored");
    recorder.limit_pages(Some(1)).expect("fill the disk");
    let end = send_stream(&recorder, pane, 0, 400_000, 4096);
    assert!(recorder.flush().is_err());
    let status = recorder.status();
    assert!(status.dropped_bytes > 0, "{status:?}");
    assert!(status.pending_bytes <= 100_000, "{status:?}");

    recorder.limit_pages(None).expect("free space");
    recorder.flush().expect("recovers");
    let reader = Database::open_readonly(&path).expect("reader");
    let totals = reader.output_range_total(pane).expect("totals");
    assert_eq!(totals.end_offset, end, "the newest output survived");
    assert_eq!(totals.raw_bytes + recorder.status().dropped_bytes, end);
    let kept = reader
        .output_since(pane, totals.first_offset)
        .expect("read");
    let kept: Vec<u8> = kept.into_iter().flat_map(|chunk| chunk.bytes).collect();
    let expected = stream(totals.first_offset, (end - totals.first_offset) as usize);
    assert_eq!(&kept[..], &expected[..]);
    recorder.shutdown().expect("shutdown");
}

#[test]
fn a_refused_write_is_reported_and_does_not_block_the_rest() {
    let recorder = Recorder::with_database(
        Database::open_in_memory().expect("open"),
        RecorderConfig::default(),
    )
    .expect("start");
    // Output for a pane that was never stored violates the foreign key: it is dropped.
    recorder
        .record_output(PaneId(42), 0, stream(0, 100))
        .expect("send");
    recorder
        .set_setting("after", "still written")
        .expect("send");
    recorder.flush().expect("the rest commits");
    let status = recorder.status();
    assert_eq!(status.dropped_bytes, 100);
    assert!(status.healthy);
    assert!(status.last_error.is_some());
    recorder.shutdown().expect("shutdown");
}

/// Environment variable that turns [`a_killed_writer_leaves_a_sound_database`], run again by
/// itself in a child process, into the child that writes until it is killed.
const CRASH_CHILD_DATABASE: &str = "SPACES_STORE_CRASH_CHILD_DATABASE";
const FLUSHED_MARKER: &str = "crash-child-flushed";

/// The child's side: records output, says how much is committed, and keeps writing.
fn crash_child_writes_until_killed(path: &std::ffi::OsStr) {
    let recorder = Recorder::start(Path::new(&path)).expect("start");
    let pane = PaneId(1);
    setup(&recorder, pane);
    let mut end = send_stream(&recorder, pane, 0, 1_000_000, 4096);
    recorder.flush().expect("flush");
    println!("{FLUSHED_MARKER} {end}");
    std::io::stdout().flush().expect("stdout");
    // Keep writing so the kill lands in the middle of batches and commits; stop at a bound in
    // case the parent is gone.
    while end < 50_000_000 {
        end = send_stream(&recorder, pane, end, 64 * 1024, 4096);
    }
}

/// Kills the child when the test ends, even by a failed assertion.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if self.0.kill().is_ok() {
            let _reaped = self.0.wait();
        }
    }
}

fn spawn_crash_child(path: &Path) -> KillOnDrop {
    let executable: PathBuf = std::env::current_exe().expect("test binary");
    let child = Command::new(executable)
        .args([
            "--exact",
            "recorder::tests::a_killed_writer_leaves_a_sound_database",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_CHILD_DATABASE, path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    KillOnDrop(child)
}

#[test]
fn a_killed_writer_leaves_a_sound_database() {
    if let Some(path) = std::env::var_os(CRASH_CHILD_DATABASE) {
        crash_child_writes_until_killed(&path);
        return;
    }
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    let mut child = spawn_crash_child(&path);
    let stdout = child.0.stdout.take().expect("stdout");
    let flushed: u64 = BufReader::new(stdout)
        .lines()
        .map(|line| line.expect("line"))
        .find_map(|line| {
            // libtest may print "test <name> ... " on the same line first.
            line.split_once(FLUSHED_MARKER)
                .map(|(_, rest)| rest.trim().parse().expect("offset"))
        })
        .expect("the child reports its flush");
    // Kill the writer mid-stream: SIGKILL, as `kill -9` would.
    child.0.kill().expect("kill");
    child.0.wait().expect("reap");

    let database = Database::open(&path).expect("the database always opens");
    assert_eq!(database.integrity_check().expect("check"), "ok");
    database.check_contiguous(PaneId(1)).expect("contiguous");
    let totals = database.output_range_total(PaneId(1)).expect("totals");
    assert!(
        totals.end_offset >= flushed,
        "flushed output survives: {totals:?}"
    );
    let bytes = recorded_bytes(&database, PaneId(1));
    assert_eq!(&bytes[..], &stream(0, totals.end_offset as usize)[..]);
}

#[test]
fn handles_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync + Clone>() {}
    fn movable<T: Send>() {}
    shareable::<Recorder>();
    movable::<Database>();
}

#[test]
fn a_queue_that_never_runs_dry_is_still_committed_on_every_tick() {
    // Busy panes can keep the channel from ever emptying. Here it is filled far faster than
    // the writer takes messages (one row each), so the writer always finds more queued: it
    // must still commit every tick, not once the queue is finally empty.
    const CHUNKS: u64 = 100_000;
    const CHUNK: usize = 4096;
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = temporary.path().join("spaces.db");
    let config = RecorderConfig {
        batch_bytes: 1,
        channel_capacity: CHUNKS as usize,
        ..RecorderConfig::default()
    };
    let database = Database::open(&path).expect("open");
    let recorder = Recorder::with_database(database, config).expect("start");
    let pane = PaneId(1);
    setup(&recorder, pane);
    recorder.flush().expect("setup committed");
    let total = CHUNKS * CHUNK as u64;
    let producer = {
        let recorder = recorder.clone();
        std::thread::spawn(move || {
            let chunk: Arc<[u8]> = vec![b'x'; CHUNK].into();
            for index in 0..CHUNKS {
                recorder
                    .record_output(pane, index * CHUNK as u64, chunk.clone())
                    .expect("record");
            }
        })
    };
    // Watch the committed end while the writer works through the queue.
    let reader = Database::open_readonly(&path).expect("reader");
    // Far more than the writer needs even on a slow, busy machine; a writer that stopped
    // committing fails the test here instead of hanging it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut seen = Vec::new();
    loop {
        let committed = reader.output_range_total(pane).expect("totals").end_offset;
        if seen.last() != Some(&committed) {
            seen.push(committed);
        }
        if committed == total {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the writer stopped before committing everything: committed ends {seen:?} of {total}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    producer.join().expect("producer");
    assert!(
        seen.iter().any(|&end| end >= total / 10 && end < total),
        "the writer committed only at the start and the end of the queue: {seen:?}"
    );
    recorder.shutdown().expect("shutdown");
}

#[test]
fn a_deleted_workspace_takes_its_panes_and_drops_their_late_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spaces.db");
    let recorder = Recorder::start(&path).expect("start");
    let kept = WorkspaceRecord::new(WorkspaceId(1), "kept", "#888888", 0);
    let gone = WorkspaceRecord::new(WorkspaceId(2), "gone", "#888888", 1);
    recorder.upsert_workspace(kept).expect("kept");
    recorder.upsert_workspace(gone).expect("gone");
    let kept_pane = PaneId(1);
    let gone_pane = PaneId(2);
    let record = |pane, workspace| PaneRecord::new_shell(pane, workspace, "/", 80, 24);
    recorder
        .upsert_pane(record(kept_pane, WorkspaceId(1)))
        .expect("pane");
    recorder
        .upsert_pane(record(gone_pane, WorkspaceId(2)))
        .expect("pane");
    recorder
        .record_output(gone_pane, 0, Arc::from(&b"before\n"[..]))
        .expect("output");
    recorder.flush().expect("flush");
    recorder.delete_workspace(WorkspaceId(2)).expect("delete");
    recorder
        .record_output(gone_pane, 7, Arc::from(&b"late\n"[..]))
        .expect("late output");
    recorder
        .record_output(kept_pane, 0, Arc::from(&b"kept\n"[..]))
        .expect("output");
    recorder.flush().expect("flush");
    let status = recorder.status();
    assert!(status.healthy, "{:?}", status.last_error);
    recorder.shutdown().expect("shutdown");

    let reader = Database::open(&path).expect("reopen");
    assert_eq!(reader.workspace(WorkspaceId(2)).expect("read"), None);
    assert!(reader.pane(gone_pane).expect("read").is_none());
    assert_eq!(
        reader.output_range_total(gone_pane).expect("totals").chunks,
        0
    );
    assert_eq!(
        reader.output_range_total(kept_pane).expect("totals").chunks,
        1
    );
}
