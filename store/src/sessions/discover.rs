//! Finding transcript files under the agents' roots: a walk that follows symlinks once (a loop
//! is noticed, not followed), reports unreadable folders and goes on, and works out where each
//! Gemini project folder points.

use std::collections::{HashMap, HashSet};
use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::index::IndexProblem;
use super::{Agent, SessionRoots, codex};

/// Folders nested deeper than this are not walked (no agent nests this deep).
const MAX_DEPTH: usize = 12;

/// A transcript file as found on disk.
#[derive(Clone, Debug)]
pub(crate) struct FoundFile {
    pub agent: Agent,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    /// Gemini: the project folder's path, when its folder says (`.project_root`,
    /// `projects.json`).
    pub project_cwd: Option<String>,
    /// Gemini: the old sha256 project folder name, to match against known paths.
    pub project_hash: Option<String>,
}

/// Everything found under the roots.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    pub files: Vec<FoundFile>,
    pub problems: Vec<IndexProblem>,
    /// Codex files left out because the same session is in `sessions/`.
    pub duplicates: u64,
}

/// Walks every root of `roots`.
pub(crate) fn discover(roots: &SessionRoots) -> Discovery {
    let mut discovery = Discovery::default();
    if let Some(root) = &roots.claude {
        let mut walk = Walk::new(&mut discovery);
        walk.folder(&root.join("projects"), 0, &mut |path, metadata| {
            has_extension(path, "jsonl").then(|| found(Agent::Claude, path, metadata))
        });
    }
    if let Some(root) = &roots.codex {
        discover_codex(root, &mut discovery);
    }
    if let Some(root) = &roots.gemini {
        discover_gemini(root, &mut discovery);
    }
    discovery
}

fn discover_codex(root: &Path, discovery: &mut Discovery) {
    let first = discovery.files.len();
    for folder in ["sessions", "archived_sessions"] {
        let mut walk = Walk::new(discovery);
        walk.folder(&root.join(folder), 0, &mut |path, metadata| {
            let name = path.file_name()?.to_str()?;
            let rollout = name.starts_with("rollout-") && has_extension(path, "jsonl");
            rollout.then(|| found(Agent::Codex, path, metadata))
        });
    }
    let files = discovery.files.split_off(first);
    // `sessions/` was walked first: its copy of a session wins over the archived one.
    let mut seen = HashSet::new();
    for file in files {
        let id = codex::id_from_file_name(&file.path);
        if id.as_ref().is_some_and(|id| !seen.insert(id.clone())) {
            discovery.duplicates += 1;
            continue;
        }
        discovery.files.push(file);
    }
}

fn discover_gemini(root: &Path, discovery: &mut Discovery) {
    let known = gemini_projects(root);
    let projects = match fs::read_dir(root.join("tmp")) {
        Ok(entries) => entries,
        Err(error) => {
            if error.kind() != io::ErrorKind::NotFound {
                discovery
                    .problems
                    .push(IndexProblem::new(&root.join("tmp"), &error));
            }
            return;
        }
    };
    for project in projects.flatten() {
        let folder = project.path();
        let name = project.file_name().to_string_lossy().into_owned();
        let cwd = fs::read_to_string(folder.join(".project_root"))
            .ok()
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
            .or_else(|| known.get(&name).cloned());
        let hash = is_sha256_hex(&name).then(|| name.clone());
        let mut walk = Walk::new(discovery);
        walk.folder(&folder.join("chats"), 0, &mut |path, metadata| {
            let chat = has_extension(path, "jsonl") || has_extension(path, "json");
            let mut file = chat.then(|| found(Agent::Gemini, path, metadata))?;
            file.project_cwd.clone_from(&cwd);
            file.project_hash.clone_from(&hash);
            Some(file)
        });
    }
}

/// `projects.json`: absolute project path to slug, inverted (slug to path). Accepts the map
/// at the top level or under `projects`.
fn gemini_projects(root: &Path) -> HashMap<String, String> {
    let Ok(text) = fs::read_to_string(root.join("projects.json")) else {
        return HashMap::new();
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    let map = value.get("projects").unwrap_or(&value);
    let Some(map) = map.as_object() else {
        return HashMap::new();
    };
    map.iter()
        .filter_map(|(path, slug)| Some((slug.as_str()?.to_owned(), path.clone())))
        .collect()
}

fn is_sha256_hex(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|found| found == extension)
}

fn found(agent: Agent, path: &Path, metadata: &Metadata) -> FoundFile {
    FoundFile {
        agent,
        path: path.to_path_buf(),
        size: metadata.len(),
        mtime_ns: metadata.mtime() * 1_000_000_000 + metadata.mtime_nsec(),
        project_cwd: None,
        project_hash: None,
    }
}

/// One recursive walk; folders and files reached twice (through symlinks) are visited once.
struct Walk<'a> {
    discovery: &'a mut Discovery,
    visited: HashSet<(u64, u64)>,
}

impl<'a> Walk<'a> {
    fn new(discovery: &'a mut Discovery) -> Self {
        Self {
            discovery,
            visited: HashSet::new(),
        }
    }

    fn folder(
        &mut self,
        folder: &Path,
        depth: usize,
        keep: &mut dyn FnMut(&Path, &Metadata) -> Option<FoundFile>,
    ) {
        let entries = match fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(error) if depth == 0 && error.kind() == io::ErrorKind::NotFound => return,
            Err(error) => return self.problem(folder, &error),
        };
        let mut paths: Vec<PathBuf> = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => paths.push(entry.path()),
                Err(error) => self.problem(folder, &error),
            }
        }
        paths.sort();
        for path in paths {
            self.entry(&path, depth, keep);
        }
    }

    fn entry(
        &mut self,
        path: &Path,
        depth: usize,
        keep: &mut dyn FnMut(&Path, &Metadata) -> Option<FoundFile>,
    ) {
        // fs::metadata follows symlinks: a loop of links fails here and is reported.
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => return self.problem(path, &error),
        };
        if !self.visited.insert((metadata.dev(), metadata.ino())) {
            return;
        }
        if metadata.is_dir() && depth < MAX_DEPTH {
            self.folder(path, depth + 1, keep);
        } else if metadata.is_file()
            && let Some(file) = keep(path, &metadata)
        {
            self.discovery.files.push(file);
        }
    }

    fn problem(&mut self, path: &Path, error: &io::Error) {
        self.discovery.problems.push(IndexProblem::new(path, error));
    }
}
