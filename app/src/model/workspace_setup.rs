//! A workspace's isolation: the root directory its new panes start in, the environment they
//! get (its own variables over those of a `.env` file in the root), and git worktrees of the
//! root's repository made for one task each.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use spaces_store::WorkspaceSetup;

/// The most of a `.env` file read (a larger one is not a list of variables).
const MAX_DOTENV_BYTES: u64 = 256 * 1024;

/// The root as it will be stored: an absolute, existing directory (`~` is the home).
pub fn check_root(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let expanded = match text.strip_prefix('~') {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest.trim_start_matches('/')),
            None => return Err("~ needs $HOME".to_owned()),
        },
        None => PathBuf::from(text),
    };
    if !expanded.is_absolute() {
        return Err(format!("{text:?} is not an absolute directory"));
    }
    if !expanded.is_dir() {
        return Err(format!("{} is not a directory", expanded.display()));
    }
    Ok(Some(expanded.to_string_lossy().into_owned()))
}

/// Variables written one per line as `KEY=VALUE` (blank lines and `#` comments skipped), as
/// the workspace settings take them. A line that is not an assignment is refused.
pub fn parse_assignments(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut env = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = assignment(line)
            .ok_or_else(|| format!("line {}: write it as NAME=value", number + 1))?;
        env.insert(key, value);
    }
    Ok(env)
}

/// The variables of a `.env` file: `KEY=VALUE`, optionally after `export `, values in single
/// quotes (as written) or double quotes (with `\n`, `\"` and `\\`); anything else is skipped.
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| assignment(line.strip_prefix("export ").unwrap_or(line)))
        .collect()
}

/// `NAME=value` with a valid variable name; the value unquoted.
fn assignment(line: &str) -> Option<(String, String)> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    let valid = key
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    Some((key.to_owned(), unquote(value.trim())))
}

fn unquote(value: &str) -> String {
    if let Some(inner) = value
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        return inner.to_owned();
    }
    if let Some(inner) = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                },
                (c, false) => out.push(c),
            }
        }
        return out;
    }
    // An unquoted value ends at a ` #` comment.
    value
        .split_once(" #")
        .map_or(value, |(before, _)| before)
        .trim_end()
        .to_owned()
}

/// What a new pane of a workspace with `setup` gets: the root's `.env`, then the workspace's
/// own variables over it.
pub fn pane_env(setup: Option<&WorkspaceSetup>) -> Vec<(String, String)> {
    let Some(setup) = setup else {
        return Vec::new();
    };
    let mut env = setup
        .root
        .as_deref()
        .map(|root| read_dotenv(Path::new(root)))
        .unwrap_or_default();
    env.extend(setup.env.clone());
    env.into_iter().collect()
}

/// The variables of `root/.env`, if there is a readable one of sensible size.
pub fn read_dotenv(root: &Path) -> BTreeMap<String, String> {
    let path = root.join(".env");
    let small =
        std::fs::metadata(&path).is_ok_and(|meta| meta.is_file() && meta.len() <= MAX_DOTENV_BYTES);
    if !small {
        return BTreeMap::new();
    }
    std::fs::read_to_string(&path)
        .map(|text| parse_dotenv(&text))
        .unwrap_or_default()
}

/// Where the worktrees of the repository at `root` go: `<root's parent>/<root's name>.worktrees`.
pub fn worktrees_dir(root: &Path) -> PathBuf {
    let name = root.file_name().map_or_else(
        || "repository".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );
    root.parent()
        .unwrap_or(root)
        .join(format!("{name}.worktrees"))
}

/// Makes a worktree of the repository at `root` on a new branch `branch`, in
/// [`worktrees_dir`]; returns its directory. Git says what is wrong (not a repository, a
/// branch that exists, a bad name) in one line.
pub fn create_worktree(root: &Path, branch: &str) -> Result<PathBuf, String> {
    let branch = branch.trim();
    if branch.is_empty() {
        return Err("a worktree needs a branch name".to_owned());
    }
    git(root, &["check-ref-format", "--branch", branch])
        .map_err(|_| format!("{branch:?} is not a valid branch name"))?;
    git(root, &["rev-parse", "--git-dir"]).map_err(|_| {
        format!(
            "{} is not in a git repository: set a root that is one",
            root.display()
        )
    })?;
    let directory = worktrees_dir(root).join(branch.replace('/', "-"));
    if directory.exists() {
        return Err(format!("{} exists already", directory.display()));
    }
    let target = directory.to_string_lossy().into_owned();
    git(root, &["worktree", "add", "-b", branch, &target])?;
    Ok(directory)
}

/// Removes a worktree the user asked to remove (git refuses one with changes).
pub fn remove_worktree(repository: &Path, path: &Path) -> Result<(), String> {
    git(repository, &["worktree", "remove", &path.to_string_lossy()]).map(drop)
}

/// Runs git in `dir`; its last line of stderr is the error.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|error| format!("could not run git: {error}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("git failed")
        .trim()
        .to_owned();
    Err(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_must_be_absolute_existing_directories() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_string_lossy().into_owned();
        assert_eq!(check_root(&root), Ok(Some(root.clone())));
        assert_eq!(check_root("  "), Ok(None));
        assert!(check_root("relative/dir").is_err());
        assert!(check_root(&format!("{root}/missing")).is_err());
        let file = dir.path().join("file");
        std::fs::write(&file, "x").expect("file");
        assert!(check_root(&file.to_string_lossy()).is_err());
    }

    #[test]
    fn dotenv_files_and_assignments_are_read() {
        let env = parse_dotenv(
            "# comment\nexport A=1\nB='two words'\nC=\"line\\nnext\"\nD=plain # note\nnot a line\n9X=bad\n",
        );
        assert_eq!(
            env,
            BTreeMap::from([
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "two words".to_owned()),
                ("C".to_owned(), "line\nnext".to_owned()),
                ("D".to_owned(), "plain".to_owned()),
            ])
        );
        assert_eq!(
            parse_assignments("RUST_LOG=debug\n\n# x\nEMPTY=\n"),
            Ok(BTreeMap::from([
                ("RUST_LOG".to_owned(), "debug".to_owned()),
                ("EMPTY".to_owned(), String::new()),
            ]))
        );
        assert_eq!(
            parse_assignments("OK=1\nno equals"),
            Err("line 2: write it as NAME=value".to_owned())
        );
    }

    #[test]
    fn the_workspace_variables_override_the_dotenv_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".env"), "A=from-file\nB=file\n").expect("env");
        let setup = WorkspaceSetup {
            root: Some(dir.path().to_string_lossy().into_owned()),
            env: BTreeMap::from([("A".to_owned(), "from-workspace".to_owned())]),
            ..WorkspaceSetup::empty(spaces_store::WorkspaceId(1))
        };
        assert_eq!(
            pane_env(Some(&setup)),
            vec![
                ("A".to_owned(), "from-workspace".to_owned()),
                ("B".to_owned(), "file".to_owned()),
            ]
        );
        assert!(pane_env(None).is_empty());
    }

    #[test]
    fn worktrees_are_made_on_new_branches_and_removed() {
        if Command::new("git").arg("--version").output().is_err() {
            eprintln!("git is not installed: nothing to check");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).expect("repo dir");
        let run = |args: &[&str]| git(&root, args).expect("git");
        run(&["init", "-q", "-b", "main"]);
        run(&[
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "first",
        ]);

        let made = create_worktree(&root, "fix/login").expect("worktree");
        assert_eq!(made, dir.path().join("repo.worktrees").join("fix-login"));
        assert!(made.join(".git").exists());
        assert!(
            create_worktree(&root, "fix/login").is_err(),
            "the branch exists"
        );
        assert!(create_worktree(&root, "bad..name").is_err());
        assert!(
            create_worktree(dir.path(), "x").is_err(),
            "not a repository"
        );

        remove_worktree(&root, &made).expect("remove");
        assert!(!made.exists());
    }
}
