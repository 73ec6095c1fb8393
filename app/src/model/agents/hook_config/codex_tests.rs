//! Tests of the Codex `notify` edits.

use toml_edit::DocumentMut;

use super::tests::{CODEX_FIXTURE, PROGRAM, backup_of, program};
use super::*;

#[test]
fn codex_install_adds_a_top_level_notify_and_uninstall_restores_the_bytes() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("config.toml");
    fs::write(&path, CODEX_FIXTURE).expect("test step");
    assert!(!is_installed(HookAgent::Codex, &path).expect("test step"));
    let program = Path::new("/Apps/My \"Spaces\"/spaces");

    assert_eq!(
        install(HookAgent::Codex, &path, program).expect("test step"),
        Outcome::Installed
    );
    let text = fs::read_to_string(&path).expect("test step");
    let doc: DocumentMut = text.parse().expect("test step");
    let argv: Vec<&str> = doc["notify"]
        .as_array()
        .expect("test step")
        .iter()
        .map(|value| value.as_str().expect("test step"))
        .collect();
    assert_eq!(
        argv,
        [
            "/Apps/My \"Spaces\"/spaces",
            "hooks",
            "event",
            "--agent",
            "codex"
        ]
    );
    assert!(doc["model_providers"]["local"].get("notify").is_none());
    assert!(doc["profiles"]["fast"].get("notify").is_none());
    // Exactly one line was added, before the first table.
    let added: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("notify"))
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(text.replace(&format!("{}\n", added[0]), ""), CODEX_FIXTURE);
    assert!(
        text.find("notify").expect("test step") < text.find("[model_providers").expect("test step")
    );
    assert_eq!(
        fs::read_to_string(backup_of(&path)).expect("test step"),
        CODEX_FIXTURE
    );
    assert!(is_installed(HookAgent::Codex, &path).expect("test step"));
    assert_eq!(
        install(HookAgent::Codex, &path, program).expect("test step"),
        Outcome::AlreadyInstalled
    );
    assert_eq!(fs::read_to_string(&path).expect("test step"), text);

    assert_eq!(
        uninstall(HookAgent::Codex, &path).expect("test step"),
        Outcome::Removed
    );
    assert_eq!(fs::read_to_string(&path).expect("test step"), CODEX_FIXTURE);
    assert!(!backup_of(&path).exists());
    assert_eq!(
        uninstall(HookAgent::Codex, &path).expect("test step"),
        Outcome::NotInstalled
    );
}

fn notify_of(path: &Path) -> Option<Vec<String>> {
    let doc: DocumentMut = fs::read_to_string(path)
        .expect("test step")
        .parse()
        .expect("test step");
    codex_notify(path, &doc).expect("test step")
}

#[test]
fn codex_chains_the_users_notify_and_uninstall_restores_it() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("config.toml");
    let original = "model = \"o3\"\nnotify = [\n  \"python3\",\n  \"/home/u/notify.py\",\n] # mine\n\n[tui]\nnotifications = true\n";
    fs::write(&path, original).expect("test step");

    assert_eq!(
        install(HookAgent::Codex, &path, program()).expect("test step"),
        Outcome::Installed
    );
    let text = fs::read_to_string(&path).expect("test step");
    assert!(text.contains("# mine\n"));
    assert!(text.ends_with("\n\n[tui]\nnotifications = true\n"));
    assert_eq!(
        notify_of(&path).expect("test step"),
        [
            PROGRAM,
            "hooks",
            "event",
            "--agent",
            "codex",
            "--then",
            "python3",
            "/home/u/notify.py"
        ]
    );
    assert_eq!(
        install(HookAgent::Codex, &path, program()).expect("test step"),
        Outcome::AlreadyInstalled
    );
    // Moving the program keeps the chain.
    install(HookAgent::Codex, &path, Path::new("/new/spaces")).expect("test step");
    assert_eq!(
        notify_of(&path).expect("test step"),
        [
            "/new/spaces",
            "hooks",
            "event",
            "--agent",
            "codex",
            "--then",
            "python3",
            "/home/u/notify.py"
        ]
    );
    assert_eq!(
        fs::read_to_string(backup_of(&path)).expect("test step"),
        original
    );

    assert_eq!(
        uninstall(HookAgent::Codex, &path).expect("test step"),
        Outcome::Removed
    );
    assert_eq!(fs::read_to_string(&path).expect("test step"), original);
    assert!(!backup_of(&path).exists());

    // Edited meanwhile: their notify comes back, the edit stays.
    install(HookAgent::Codex, &path, program()).expect("test step");
    let edited = fs::read_to_string(&path)
        .expect("test step")
        .replace("model = \"o3\"", "model = \"o4\"");
    fs::write(&path, &edited).expect("test step");
    uninstall(HookAgent::Codex, &path).expect("test step");
    let doc: DocumentMut = fs::read_to_string(&path)
        .expect("test step")
        .parse()
        .expect("test step");
    assert_eq!(doc["model"].as_str(), Some("o4"));
    assert_eq!(
        notify_of(&path).expect("test step"),
        ["python3", "/home/u/notify.py"]
    );
    assert!(!backup_of(&path).exists());
}

#[test]
fn toml_equality_ignores_formatting() {
    let a: DocumentMut = "a = 1\n[t]\nx = [1, 2.5]\ny = { z = \"s\" }\n"
        .parse()
        .expect("test step");
    let b: DocumentMut = "t = { x = [ 1 , 2.5 ], y.z = 's' }\na = 0x1\n"
        .parse()
        .expect("test step");
    let c: DocumentMut = "a = 1\n[t]\nx = [1, 2.5]\ny = { z = \"other\" }\n"
        .parse()
        .expect("test step");
    assert!(toml_items_equal(a.as_item(), b.as_item()));
    assert!(!toml_items_equal(a.as_item(), c.as_item()));
}
