//! The architecture's boundaries, checked so they stay (ARCHITECTURE.md, "Boundaries"):
//! - `term` knows no UI and no SQL; `store` knows no UI and no terminal; neither knows the
//!   other. Checked on the resolved dependency graph (`cargo metadata`), transitively.
//! - Nothing under `app/src/model/` uses egui, eframe or egui_tiles, or the app's `ui` and
//!   `control` modules: the model must be able to live in a server with no window.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every package each workspace package depends on, directly or not (normal dependencies
/// only: what ships in the library).
fn dependency_closure() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // The graph as built on this machine (the crates of other platforms do not ship here).
    let host = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .ok()
        .and_then(|output| {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        })
        .expect("rustc -vV names the host");
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &host,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let name_of = |id: &str| -> String {
        metadata["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .find(|package| package["id"] == id)
            .and_then(|package| package["name"].as_str())
            .expect("every id names a package")
            .to_owned()
    };
    let mut direct: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().expect("resolve") {
        let deps = node["deps"]
            .as_array()
            .expect("deps")
            .iter()
            .filter(|dep| {
                dep["dep_kinds"]
                    .as_array()
                    .expect("dep_kinds")
                    .iter()
                    .any(|kind| kind["kind"].is_null())
            })
            .map(|dep| dep["pkg"].as_str().expect("pkg").to_owned())
            .collect();
        direct.insert(node["id"].as_str().expect("id").to_owned(), deps);
    }
    let mut closure = BTreeMap::new();
    for member in metadata["workspace_members"].as_array().expect("members") {
        let member = member.as_str().expect("member id");
        let mut seen = BTreeSet::new();
        let mut stack = vec![member.to_owned()];
        while let Some(id) = stack.pop() {
            for dep in direct.get(&id).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    stack.push(dep.clone());
                }
            }
        }
        closure.insert(name_of(member), seen.iter().map(|id| name_of(id)).collect());
    }
    closure
}

fn assert_free_of(closure: &BTreeMap<String, BTreeSet<String>>, package: &str, banned: &[&str]) {
    let deps = closure
        .get(package)
        .unwrap_or_else(|| panic!("{package} is a workspace member"));
    let found: Vec<&&str> = banned.iter().filter(|name| deps.contains(**name)).collect();
    assert!(
        found.is_empty(),
        "{package} must not depend on {found:?} (directly or through another crate)"
    );
}

#[test]
fn term_and_store_keep_their_dependencies_apart() {
    let closure = dependency_closure();
    let ui = ["egui", "eframe", "egui_tiles", "winit", "glow"];
    let sql = ["rusqlite", "libsqlite3-sys"];
    assert_free_of(&closure, "spaces-term", &ui);
    assert_free_of(&closure, "spaces-term", &sql);
    assert_free_of(&closure, "spaces-term", &["spaces-store"]);
    assert_free_of(&closure, "spaces-store", &ui);
    assert_free_of(
        &closure,
        "spaces-store",
        &["spaces-term", "portable-pty", "alacritty_terminal"],
    );
    // And the check itself sees real edges: the app does depend on all of them.
    let app = &closure["spaces-app"];
    for expected in ["egui", "rusqlite", "spaces-term", "spaces-store"] {
        assert!(
            app.contains(expected),
            "spaces-app should depend on {expected}"
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `source` that name a forbidden crate or module, comments left out.
fn forbidden_uses(source: &str) -> Vec<(usize, String)> {
    const FORBIDDEN: &[&str] = &[
        "egui",
        "eframe",
        "egui_tiles",
        "crate::ui",
        "crate::control",
    ];
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            FORBIDDEN.iter().any(|name| {
                line.match_indices(name).any(|(at, _)| {
                    let before = line[..at].chars().next_back();
                    let after = line[at + name.len()..].chars().next();
                    let boundary =
                        |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                    boundary(before) && boundary(after)
                })
            })
        })
        .map(|(number, line)| (number + 1, line.trim().to_owned()))
        .collect()
}

#[test]
fn the_model_uses_no_ui() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
    let mut files = Vec::new();
    rust_files(&model, &mut files);
    assert!(files.len() > 5, "the model's files are found ({files:?})");
    let mut offences = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable source");
        for (line, text) in forbidden_uses(&source) {
            offences.push(format!("{}:{line}: {text}", file.display()));
        }
    }
    assert!(
        offences.is_empty(),
        "app/src/model must not use egui or the UI:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_model_check_catches_what_it_looks_for() {
    assert_eq!(forbidden_uses("use egui::Color32;").len(), 1);
    assert_eq!(
        forbidden_uses("    let tree: egui_tiles::Tree<u8>;").len(),
        1
    );
    assert_eq!(forbidden_uses("use crate::ui::theme;").len(), 1);
    assert!(forbidden_uses("// egui draws this elsewhere").is_empty());
    assert!(forbidden_uses("let negui = 1; use crate::uix;").is_empty());
}
