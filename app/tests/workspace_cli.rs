//! `spaces workspace export|import` as a user meets it: bad names, paths and files each get
//! one line on stderr and exit status 1, and leave the database as it was; a good file
//! imports beside the original under a new name.

#[path = "../../store/tests/support/dump.rs"]
mod store_dump;

use std::path::{Path, PathBuf};
use std::process::Command;

use spaces_app::model::workspace_transfer::{export, import};
use spaces_store::{Database, PaneId, PaneRecord};

/// A data directory whose database has a workspace "api" with one pane and some output.
fn data_dir() -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("tempdir");
    let database = Database::open(&spaces_store::database_path(directory.path())).expect("open");
    let api = database
        .create_workspace("api", "#e5734c")
        .expect("workspace");
    let pane = PaneRecord::new_shell(PaneId(1), api.id, "/home/me/api", 80, 24);
    database.upsert_pane(&pane).expect("pane");
    database
        .append_output(pane.id, 0, b"$ cargo test\r\nok\r\n")
        .expect("output");
    directory
}

/// Every row of every table of `data_dir`'s database, sorted.
fn dump(data_dir: &Path) -> Vec<String> {
    store_dump::dump(&spaces_store::database_path(data_dir))
}

fn message(result: anyhow::Result<impl std::fmt::Debug>) -> String {
    let message = format!("{:#}", result.expect_err("an error"));
    assert!(!message.contains('\n'), "one line: {message}");
    message
}

#[test]
fn export_names_what_is_wrong_with_the_name_or_the_path() {
    let data = data_dir();
    let outside = tempfile::tempdir().expect("tempdir");
    let out = outside.path();

    let error = message(export(data.path(), "nope", &out.join("x.spaces"), false));
    assert_eq!(error, r#"no workspace named "nope" (there are: "api")"#);
    let empty = tempfile::tempdir().expect("tempdir");
    let error = message(export(empty.path(), "api", &out.join("x.spaces"), false));
    assert!(error.contains("there is no database in"), "{error}");
    assert!(
        !spaces_store::database_path(empty.path()).exists(),
        "none is created"
    );

    let error = message(export(
        data.path(),
        "api",
        &out.join("gone/x.spaces"),
        false,
    ));
    assert!(error.starts_with("cannot write "), "{error}");
    assert!(error.ends_with("gone does not exist"), "{error}");
    let error = message(export(data.path(), "api", out, true));
    assert!(error.contains("it is a directory"), "{error}");

    let existing = out.join("existing.spaces");
    std::fs::write(&existing, b"keep").expect("write");
    let error = message(export(data.path(), "api", &existing, false));
    assert!(
        error.ends_with("already exists (pass --force to replace it)"),
        "{error}"
    );
    let summary = export(data.path(), "API", &existing, true).expect("forced, any case");
    assert_eq!((summary.workspace.as_str(), summary.panes), ("api", 1));
}

#[test]
fn bad_files_change_nothing_and_a_good_one_imports_under_a_new_name() {
    let data = data_dir();
    let outside = tempfile::tempdir().expect("tempdir");
    let out = outside.path();
    let good = out.join("api.spaces");
    export(data.path(), "api", &good, false).expect("export");
    let bytes = std::fs::read(&good).expect("read");
    let write = |name: &str, contents: &[u8]| -> PathBuf {
        let path = out.join(name);
        std::fs::write(&path, contents).expect("write");
        path
    };
    let cases = [
        (
            write("half.spaces", &bytes[..bytes.len() / 2]),
            "damaged or truncated",
        ),
        (
            write("garbage.spaces", b"#!/bin/sh\necho hello\n"),
            "not a Spaces workspace export",
        ),
        (write("empty.spaces", b""), "is empty"),
        (out.join("missing.spaces"), "No such file"),
    ];
    let before = dump(data.path());
    let fresh = tempfile::tempdir().expect("tempdir");
    for (file, words) in &cases {
        let error = message(import(data.path(), file));
        assert!(error.contains(words), "{error}");
        assert_eq!(dump(data.path()), before, "{error}");
        let error = message(import(fresh.path(), file));
        assert!(error.contains(words), "{error}");
        assert!(
            !spaces_store::database_path(fresh.path()).exists(),
            "no database is created for a bad file"
        );
    }

    let summary = import(data.path(), &good).expect("import");
    assert_eq!(summary.workspace.name, "api (2)");
    assert!(summary.workspace.archived);
    let summary = import(fresh.path(), &good).expect("into an empty data dir");
    assert_eq!(summary.workspace.name, "api");
}

#[test]
fn the_binary_prints_one_line_and_exits_with_1_on_bad_input() {
    let data = data_dir();
    let outside = tempfile::tempdir().expect("tempdir");
    let garbage = outside.path().join("garbage.spaces");
    std::fs::write(&garbage, b"not an export").expect("write");
    let spaces = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_spaces"))
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env_remove("SPACES_HOME")
            .output()
            .expect("run spaces")
    };
    let before = dump(data.path());
    let out = |name: &str| outside.path().join(name).to_string_lossy().into_owned();
    for args in [
        vec!["workspace", "import", garbage.to_str().expect("utf-8")],
        vec!["workspace", "export", "nope", &out("x.spaces")],
        vec!["workspace", "export", "api", &out("missing/x.spaces")],
    ] {
        let output = spaces(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("spaces: "), "{stderr}");
        assert!(output.stdout.is_empty());
        assert_eq!(dump(data.path()), before);
    }
    let file = out("api.spaces");
    let output = spaces(&["workspace", "export", "api", &file]);
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.starts_with(r#"exported workspace "api" to "#),
        "{said}"
    );
    let output = spaces(&["workspace", "import", &file]);
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.starts_with(r#"imported workspace "api" as "api (2)" (the name was taken), archived: 1 pane, 18 B of output"#),
        "{said}"
    );
}
