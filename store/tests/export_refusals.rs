//! Export and import refusals: every kind of bad file is refused with one line and the
//! database left exactly as it was; an export that cannot be written says why and leaves
//! nothing; an export sees one moment while another connection writes.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use dump::dump;
use rusqlite::Connection;
use spaces_store::{Database, EXPORT_VERSION, ExportError, IfExists, ImportError, WorkspaceId};

#[path = "support/dump.rs"]
mod dump;
#[path = "support/export_fixture.rs"]
mod export_fixture;

use export_fixture::*;

/// A bad file: its label, path, the error expected, and words its message holds.
type Case = (
    &'static str,
    PathBuf,
    fn(&ImportError) -> bool,
    &'static str,
);

/// A copy of `file` changed by `sql` (run on the copy).
fn altered(file: &Path, directory: &Path, name: &str, sql: &str) -> PathBuf {
    let copy = directory.join(name);
    std::fs::copy(file, &copy).expect("copy");
    Connection::open(&copy)
        .expect("open copy")
        .execute_batch(sql)
        .expect("alter");
    copy
}

#[test]
fn bad_files_are_refused_with_one_line_and_change_nothing() {
    let source = Source::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let directory = outside.path();
    let file = source.export(directory);
    let bytes = std::fs::read(&file).expect("read export");

    let truncated = directory.join("truncated.spaces");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let random = directory.join("random.spaces");
    std::fs::write(&random, noise(42, 100_000)).expect("write");
    let empty = directory.join("empty.spaces");
    std::fs::write(&empty, b"").expect("write");
    let tiny = directory.join("tiny.spaces");
    std::fs::write(&tiny, &bytes[..40]).expect("write");
    let foreign = directory.join("foreign.db");
    Connection::open(&foreign)
        .expect("create")
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello');")
        .expect("foreign");
    let newer = altered(
        &file,
        directory,
        "newer.spaces",
        &format!("UPDATE spaces_export SET version = {}", EXPORT_VERSION + 1),
    );
    let other_format = altered(
        &file,
        directory,
        "other.spaces",
        "UPDATE spaces_export SET format = 'photos'",
    );
    let overlap = altered(
        &file,
        directory,
        "overlap.spaces",
        "UPDATE output_chunks SET start_offset = start_offset - 1, end_offset = end_offset - 1
         WHERE start_offset = 4096",
    );
    let wrong_length = altered(
        &file,
        directory,
        "length.spaces",
        "UPDATE output_chunks SET raw_len = raw_len + 1, end_offset = end_offset + 1
         WHERE start_offset = 300000 + 4096",
    );
    let garbled_blob = altered(
        &file,
        directory,
        "blob.spaces",
        "UPDATE snapshots SET data = x'00112233' WHERE output_offset = 4096",
    );
    let huge_length = altered(
        &file,
        directory,
        "huge.spaces",
        "UPDATE snapshots SET raw_len = 9000000000000 WHERE output_offset = 4096",
    );
    let orphan = altered(
        &file,
        directory,
        "orphan.spaces",
        "UPDATE input_chunks SET pane_id = 999
         WHERE rowid = (SELECT MIN(rowid) FROM input_chunks)",
    );
    let bad_agent = altered(
        &file,
        directory,
        "agent.spaces",
        "UPDATE panes SET agent_kind = 'copilot' WHERE agent_kind IS NOT NULL",
    );
    let bad_flag = altered(
        &file,
        directory,
        "flag.spaces",
        "UPDATE panes SET is_shell = 7",
    );
    let bad_name = altered(
        &file,
        directory,
        "name.spaces",
        "UPDATE workspace SET name = '  '",
    );
    let two_workspaces = altered(
        &file,
        directory,
        "two.spaces",
        "INSERT INTO workspace SELECT * FROM workspace",
    );
    let missing_table = altered(
        &file,
        directory,
        "table.spaces",
        "DROP TABLE session_messages",
    );
    let bad_size = altered(
        &file,
        directory,
        "size.spaces",
        "UPDATE panes SET cols = 70000",
    );

    let cases: Vec<Case> = vec![
        (
            "truncated",
            truncated,
            |e| matches!(e, ImportError::Damaged { .. }),
            "damaged or truncated",
        ),
        (
            "random",
            random,
            |e| matches!(e, ImportError::NotAnExport { .. }),
            "not a Spaces workspace export",
        ),
        (
            "empty",
            empty,
            |e| matches!(e, ImportError::Empty { .. }),
            "is empty",
        ),
        (
            "tiny",
            tiny,
            |e| matches!(e, ImportError::Damaged { .. }),
            "damaged or truncated",
        ),
        (
            "foreign",
            foreign,
            |e| matches!(e, ImportError::NotAnExport { .. }),
            "without a spaces_export table",
        ),
        (
            "newer",
            newer,
            |e| matches!(e, ImportError::Newer { .. }),
            "update Spaces",
        ),
        (
            "other format",
            other_format,
            |e| matches!(e, ImportError::NotAnExport { .. }),
            "\"photos\"",
        ),
        (
            "overlap",
            overlap,
            |e| matches!(e, ImportError::Invalid { .. }),
            "overlaps",
        ),
        (
            "wrong length",
            wrong_length,
            |e| matches!(e, ImportError::Invalid { .. }),
            "expands to",
        ),
        (
            "garbled blob",
            garbled_blob,
            |e| matches!(e, ImportError::Invalid { .. }),
            "does not decompress",
        ),
        (
            "huge length",
            huge_length,
            |e| matches!(e, ImportError::Invalid { .. }),
            "expands to",
        ),
        (
            "orphan",
            orphan,
            |e| matches!(e, ImportError::Invalid { .. }),
            "pane 999",
        ),
        (
            "agent",
            bad_agent,
            |e| matches!(e, ImportError::Invalid { .. }),
            "copilot",
        ),
        (
            "flag",
            bad_flag,
            |e| matches!(e, ImportError::Invalid { .. }),
            "0 or 1",
        ),
        (
            "name",
            bad_name,
            |e| matches!(e, ImportError::Refused { .. }),
            "not a workspace name",
        ),
        (
            "two",
            two_workspaces,
            |e| matches!(e, ImportError::Invalid { .. }),
            "2 workspace rows",
        ),
        (
            "table",
            missing_table,
            |e| matches!(e, ImportError::Invalid { .. }),
            "session_messages",
        ),
        (
            "size",
            bad_size,
            |e| matches!(e, ImportError::Invalid { .. }),
            "panes",
        ),
        (
            "missing",
            directory.join("nowhere.spaces"),
            |e| matches!(e, ImportError::Unreadable { .. }),
            "No such file",
        ),
        (
            "directory",
            directory.to_path_buf(),
            |e| matches!(e, ImportError::Unreadable { .. }),
            "is a directory",
        ),
    ];
    let before = dump(&source.path());
    for (label, path, expected, words) in cases {
        let error = source
            .database
            .import_workspace(&path, &TestRules)
            .expect_err(label);
        let message = error.to_string();
        assert!(expected(&error), "{label}: {error:?}");
        assert!(message.contains(words), "{label}: {message}");
        assert!(!message.contains('\n'), "{label}: one line: {message}");
        assert_eq!(
            dump(&source.path()),
            before,
            "{label}: the database changed"
        );
    }
    // The file those were made from still imports.
    source
        .database
        .import_workspace(&file, &TestRules)
        .expect("the good file");
}

#[test]
fn an_export_that_cannot_be_written_says_why_and_leaves_nothing() {
    let source = Source::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let directory = outside.path();
    let export = |path: &Path, if_exists| {
        source
            .database
            .export_workspace(source.api.id, path, if_exists)
    };

    let error =
        export(&directory.join("missing/api.spaces"), IfExists::Refuse).expect_err("missing");
    assert!(error.to_string().contains("does not exist"), "{error}");
    let error = export(directory, IfExists::Replace).expect_err("a directory");
    assert!(error.to_string().contains("is a directory"), "{error}");
    let error = source
        .database
        .export_workspace(WorkspaceId(77), &directory.join("x"), IfExists::Refuse)
        .expect_err("no workspace");
    assert!(
        matches!(error, ExportError::NoSuchWorkspace(WorkspaceId(77))),
        "{error}"
    );

    let existing = directory.join("existing.spaces");
    std::fs::write(&existing, b"keep me").expect("write");
    let error = export(&existing, IfExists::Refuse).expect_err("exists");
    assert!(matches!(error, ExportError::Exists { .. }), "{error}");
    assert_eq!(std::fs::read(&existing).expect("read"), b"keep me");
    let summary = export(&existing, IfExists::Replace).expect("replace");
    assert_eq!(
        summary.file_bytes,
        std::fs::metadata(&existing).expect("size").len()
    );

    let read_only = read_only_directory(directory);
    let error = export(&read_only.join("api.spaces"), IfExists::Refuse).expect_err("read-only");
    assert!(matches!(error, ExportError::Destination { .. }), "{error}");

    let mut left: Vec<String> = std::fs::read_dir(directory)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["existing.spaces", "locked"],
        "no partial files are left"
    );
    assert!(
        std::fs::metadata(&existing)
            .expect("meta")
            .permissions()
            .mode()
            & 0o077
            == 0,
        "an export holds terminal output: private"
    );
}

/// A directory this process cannot create files in: a 0500 one, or, for a user the mode does
/// not stop (root), `/proc/self` (no new files there for anyone).
fn read_only_directory(parent: &Path) -> PathBuf {
    let locked = parent.join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    let probe = locked.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        std::fs::remove_file(&probe).expect("remove probe");
        return PathBuf::from("/proc/self");
    }
    locked
}

#[test]
fn an_export_sees_one_moment_while_another_connection_writes() {
    let source = Source::new();
    let writer = Connection::open(source.path()).expect("writer");
    writer
        .busy_timeout(std::time::Duration::from_secs(5))
        .expect("timeout");
    writer
        .execute_batch(
            "BEGIN IMMEDIATE;
             UPDATE workspaces SET notes = 'uncommitted' WHERE name = 'api';
             DELETE FROM output_chunks;",
        )
        .expect("write half-way");
    let outside = tempfile::tempdir().expect("tempdir");
    let file = source.export(outside.path());
    writer.execute_batch("COMMIT").expect("commit");

    let target = Database::open_in_memory().expect("target");
    let imported = target.import_workspace(&file, &TestRules).expect("import");
    assert_eq!(imported.workspace.notes, source.api.notes);
    assert_eq!(imported.output_bytes, 4096 + 300_000 + 13 + 8 + 1000 + 13);
}
