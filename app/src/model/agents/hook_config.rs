//! `spaces hooks install` / `spaces hooks uninstall`: edits the agent CLIs' own settings
//! files so that they call back into Spaces (`spaces hooks event --agent A`) on agent events.
//!
//! - Claude Code and Gemini CLI (`settings.json`): one matcher group
//!   `{"matcher": "", "hooks": [{"type": "command", "command": "<spaces> hooks event --agent A"}]}`
//!   is appended to each event's array. The user's own groups are never modified; the rest of
//!   the file keeps its keys, their order and their values, and is written back as pretty JSON
//!   with a 2-space indent and a trailing newline (what the CLIs write themselves).
//! - Codex (`config.toml`): the top-level `notify` argv becomes
//!   `["<spaces>", "hooks", "event", "--agent", "codex"]`. A `notify` of the user is chained:
//!   `[..., "--then", <their argv...>]`, and Spaces runs their program with the same payload
//!   (Codex appends the JSON payload as one last argument). The file is edited with
//!   `toml_edit`, so every other byte (comments, order, formatting) stays as it was.
//!
//! Before the first change to an existing file, it is copied to `<file>.spaces-backup` (an
//! existing backup is never overwritten, and a file that already holds our hooks is not backed
//! up: the backup is the file as it was before Spaces touched it). A file that did not exist is
//! created, with no backup.
//!
//! Uninstall removes our hooks (and the groups, event arrays and `hooks` object left empty by
//! that, unless the backup had them). When a backup exists, it is deleted in both cases: if the
//! result equals the backup's content (as JSON / TOML values), the backup's exact bytes are
//! written back; otherwise the user changed the file meanwhile and the edited result is written.
//! Without a backup, a file left with nothing in it (the one install created) is deleted.
//!
//! A settings file that is not valid JSON / TOML, or whose shape is not what the agent reads,
//! is refused: nothing is written. Writes are atomic (a temporary file in the same directory,
//! then a rename), keep the file's permissions, and go through a symlinked settings file to its
//! target.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// An agent CLI whose settings `spaces hooks` edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookAgent {
    Claude,
    Codex,
    Gemini,
}

impl HookAgent {
    pub const ALL: [HookAgent; 3] = [HookAgent::Claude, HookAgent::Codex, HookAgent::Gemini];

    /// The agent's name on the command line (`--agent NAME`).
    pub fn name(self) -> &'static str {
        match self {
            HookAgent::Claude => "claude",
            HookAgent::Codex => "codex",
            HookAgent::Gemini => "gemini",
        }
    }
}

/// What a call did, for the CLI to print.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Our hooks were added, or updated to the current program path.
    Installed,
    /// Our hooks, with the current program path, were already there: the file was not written.
    AlreadyInstalled,
    /// Our hooks were removed.
    Removed,
    /// None of our hooks were there: the file was not written.
    NotInstalled,
}

/// Why a settings file was not changed.
#[derive(Debug, thiserror::Error)]
pub enum HookConfigError {
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} is not valid {format}, so it was not changed: {message}", path.display())]
    Invalid {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{} was not changed: {detail}", path.display())]
    Shape { path: PathBuf, detail: String },
    #[error("the path of the spaces program is not valid UTF-8: {}", program.display())]
    ProgramNotUtf8 { program: PathBuf },
}

const CLAUDE_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "Notification",
    "Stop",
    "StopFailure",
    "SessionEnd",
];

const GEMINI_EVENTS: &[&str] = &[
    "SessionStart",
    "SessionEnd",
    "BeforeAgent",
    "AfterAgent",
    "Notification",
    "AfterTool",
];

/// The arguments after the program in our Codex `notify`.
const CODEX_ARGS: [&str; 4] = ["hooks", "event", "--agent", "codex"];
/// Separates our Codex `notify` argv from the user's chained one.
const THEN: &str = "--then";

/// Adds our hooks to `agent`'s settings file `settings`, calling back `program` (the absolute
/// path of the spaces binary). Creates the file (and its directory) when missing. Hooks of an
/// earlier install with another program path are replaced.
///
/// # Errors
///
/// When the file cannot be read or written, is not valid JSON / TOML, or does not have the shape
/// the agent reads, or when `program` is not UTF-8. Nothing was written then, except when
/// writing itself failed.
pub fn install(
    agent: HookAgent,
    settings: &Path,
    program: &Path,
) -> Result<Outcome, HookConfigError> {
    let program = program
        .to_str()
        .ok_or_else(|| HookConfigError::ProgramNotUtf8 {
            program: program.to_path_buf(),
        })?;
    let file = SettingsFile::read(settings)?;
    match agent {
        HookAgent::Claude | HookAgent::Gemini => install_json(agent, &file, program),
        HookAgent::Codex => install_codex(&file, program),
    }
}

/// Removes our hooks from `agent`'s settings file `settings`, restoring the backup's exact
/// bytes when nothing else changed (see the module documentation).
///
/// # Errors
///
/// When the file cannot be read or written, is not valid JSON / TOML, or does not have the shape
/// the agent reads. Nothing was written then, except when writing itself failed.
pub fn uninstall(agent: HookAgent, settings: &Path) -> Result<Outcome, HookConfigError> {
    let file = SettingsFile::read(settings)?;
    match agent {
        HookAgent::Claude | HookAgent::Gemini => uninstall_json(agent, &file),
        HookAgent::Codex => uninstall_codex(&file),
    }
}

/// The settings file of each agent, from the environment like the CLIs do:
/// Claude: `$CLAUDE_CONFIG_DIR/settings.json` else `~/.claude/settings.json`;
/// Gemini: `$GEMINI_CLI_HOME/.gemini/settings.json` else `~/.gemini/settings.json`;
/// Codex: `$CODEX_HOME/config.toml` else `~/.codex/config.toml`.
/// Empty variables count as unset. `None` when `$HOME` is needed and unset.
pub fn settings_path(agent: HookAgent) -> Option<PathBuf> {
    settings_path_in(agent, |name| std::env::var_os(name))
}

fn settings_path_in(agent: HookAgent, var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let non_empty = |name: &str| {
        var(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    let home = || non_empty("HOME");
    match agent {
        HookAgent::Claude => non_empty("CLAUDE_CONFIG_DIR")
            .or_else(|| home().map(|home| home.join(".claude")))
            .map(|dir| dir.join("settings.json")),
        HookAgent::Codex => non_empty("CODEX_HOME")
            .or_else(|| home().map(|home| home.join(".codex")))
            .map(|dir| dir.join("config.toml")),
        HookAgent::Gemini => non_empty("GEMINI_CLI_HOME")
            .or_else(home)
            .map(|home| home.join(".gemini").join("settings.json")),
    }
}

/// Whether our hooks are in that file now (with any program path). A missing file has none.
///
/// # Errors
///
/// When the file cannot be read, is not valid JSON / TOML, or does not have the shape the agent
/// reads.
pub fn is_installed(agent: HookAgent, settings: &Path) -> Result<bool, HookConfigError> {
    let file = SettingsFile::read(settings)?;
    let Some(bytes) = &file.original else {
        return Ok(false);
    };
    match agent {
        HookAgent::Claude | HookAgent::Gemini => {
            let root = parse_json(file.path, bytes)?;
            check_json_shape(agent, file.path, &root)?;
            Ok(count_ours_json(agent, hooks_of(&root), |_| true) > 0)
        }
        HookAgent::Codex => {
            let doc = parse_toml(file.path, bytes)?;
            Ok(codex_notify(file.path, &doc)?.is_some_and(|argv| is_ours_argv(&argv)))
        }
    }
}

/// `program` for a POSIX shell: bare when it holds only safe characters, else single-quoted.
fn shell_quote(program: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c);
    if !program.is_empty() && program.chars().all(safe) {
        program.to_owned()
    } else {
        format!("'{}'", program.replace('\'', r"'\''"))
    }
}

mod codex;
mod json;

use codex::*;
use json::*;

/// A settings file as read before a change.
pub(super) struct SettingsFile<'a> {
    /// As given: for messages and for the backup's name.
    path: &'a Path,
    /// Where to read and write: `path`, or the target of `path` when it is a symlink.
    real: PathBuf,
    /// The bytes, `None` when the file does not exist.
    original: Option<Vec<u8>>,
    permissions: Option<fs::Permissions>,
}

impl<'a> SettingsFile<'a> {
    fn read(path: &'a Path) -> Result<Self, HookConfigError> {
        let is_link = fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
        let real = if is_link {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        } else {
            path.to_path_buf()
        };
        let original = read_optional(path, &real)?;
        let permissions = match &original {
            Some(_) => Some(
                fs::metadata(&real)
                    .map_err(|error| io_error("read", path, error))?
                    .permissions(),
            ),
            None => None,
        };
        Ok(Self {
            path,
            real,
            original,
            permissions,
        })
    }

    fn backup_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".spaces-backup");
        PathBuf::from(name)
    }

    fn read_backup(&self) -> Result<Option<Vec<u8>>, HookConfigError> {
        let backup = self.backup_path();
        read_optional(&backup, &backup)
    }

    /// Writes `bytes`, first backing the file up when it exists, holds none of our hooks
    /// (`had_ours` false) and has no backup yet.
    fn save_install(&self, bytes: &[u8], had_ours: bool) -> Result<(), HookConfigError> {
        match &self.original {
            Some(original) if !had_ours => {
                let backup = self.backup_path();
                let exists = backup
                    .try_exists()
                    .map_err(|error| io_error("check", &backup, error))?;
                if !exists {
                    write_atomic(&backup, &backup, original, self.permissions.as_ref())?;
                }
            }
            Some(_) => {}
            None => {
                if let Some(dir) = self.real.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                    fs::create_dir_all(dir).map_err(|error| io_error("create", dir, error))?;
                }
            }
        }
        write_atomic(self.path, &self.real, bytes, self.permissions.as_ref())
    }

    /// Writes the result of an uninstall: the backup's bytes when `restores_backup`, else
    /// `bytes`; deletes the backup. Without a backup, an `empty` result deletes the file.
    fn save_uninstall(
        &self,
        bytes: &[u8],
        backup: Option<&[u8]>,
        restores_backup: bool,
        empty: bool,
    ) -> Result<(), HookConfigError> {
        match backup {
            Some(backup) => {
                let content = if restores_backup { backup } else { bytes };
                write_atomic(self.path, &self.real, content, self.permissions.as_ref())?;
                let backup_path = self.backup_path();
                fs::remove_file(&backup_path)
                    .map_err(|error| io_error("remove", &backup_path, error))
            }
            None if empty => {
                fs::remove_file(&self.real).map_err(|error| io_error("remove", self.path, error))
            }
            None => write_atomic(self.path, &self.real, bytes, self.permissions.as_ref()),
        }
    }
}

pub(super) fn io_error(action: &'static str, path: &Path, source: io::Error) -> HookConfigError {
    HookConfigError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The bytes of `real`, `None` when it does not exist; errors name `path`.
pub(super) fn read_optional(path: &Path, real: &Path) -> Result<Option<Vec<u8>>, HookConfigError> {
    match fs::read(real) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io_error("read", path, error)),
    }
}

/// Replaces `real` with `bytes` through a temporary file in the same directory and a rename,
/// with `permissions` when given. Errors name `path`.
pub(super) fn write_atomic(
    path: &Path,
    real: &Path,
    bytes: &[u8],
    permissions: Option<&fs::Permissions>,
) -> Result<(), HookConfigError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = real
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut name = OsString::from(".");
    name.push(real.file_name().unwrap_or_default());
    name.push(format!(
        ".spaces-tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temp = dir.join(name);
    let result = (|| {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        out.write_all(bytes)?;
        if let Some(permissions) = permissions {
            out.set_permissions(permissions.clone())?;
        }
        out.sync_all()?;
        drop(out);
        fs::rename(&temp, real)
    })();
    result.map_err(|error| {
        let _ = fs::remove_file(&temp);
        io_error("write", path, error)
    })
}

#[cfg(test)]
mod codex_tests;
#[cfg(test)]
mod tests;
