//! Agent sessions end to end: hand-written transcripts of the three agents (old and new
//! layouts, every trap of their formats) indexed into a fresh database, then listed, searched
//! and read back; incremental runs; and bad input that must be counted, not fatal.

// A test crate's root looks for modules beside it, so the folder is named explicitly.
#[path = "sessions/bad_input.rs"]
mod bad_input;
#[path = "sessions/incremental.rs"]
mod incremental;
#[path = "sessions/readers.rs"]
mod readers;
#[path = "sessions/search.rs"]
mod search;

use std::path::{Path, PathBuf};

use spaces_store::{Database, IndexReport, SessionRoots};

#[path = "support/tree.rs"]
mod tree;

use tree::copy_tree;

/// The hand-written fixture home, as checked in.
fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions")
}

/// A private copy of the fixtures (tests change files) and the roots pointing into it.
struct Home {
    directory: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        let directory = tempfile::tempdir().expect("tempdir");
        copy_tree(&fixture_root(), directory.path());
        Self { directory }
    }

    fn empty() -> Self {
        Self {
            directory: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn roots(&self) -> SessionRoots {
        SessionRoots {
            claude: Some(self.path().join("claude")),
            codex: Some(self.path().join("codex")),
            gemini: Some(self.path().join("gemini/.gemini")),
        }
    }

    fn claude_project(&self) -> PathBuf {
        self.path().join("claude/projects/-home-alice-webapp")
    }
}

fn index(database: &Database, roots: &SessionRoots) -> IndexReport {
    database.index_sessions(roots, &mut |_| {}).expect("index")
}

fn indexed_home() -> (Home, Database, IndexReport) {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    let report = index(&database, &home.roots());
    (home, database, report)
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
}
