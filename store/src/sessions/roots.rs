//! Where each agent keeps its sessions, from the environment as the CLIs themselves read it.

use std::ffi::OsString;
use std::path::PathBuf;

use serde::Serialize;

/// The folders to index; `None` skips an agent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SessionRoots {
    /// Claude Code's config folder (holding `projects/`).
    pub claude: Option<PathBuf>,
    /// Codex's home (holding `sessions/` and `archived_sessions/`).
    pub codex: Option<PathBuf>,
    /// Gemini CLI's `.gemini` folder (holding `tmp/` and `projects.json`).
    pub gemini: Option<PathBuf>,
}

/// The environment values that decide the roots (explicit, so tests need not set variables).
#[derive(Clone, Debug, Default)]
pub struct SessionEnvironment {
    /// `HOME`.
    pub home: Option<OsString>,
    /// `CLAUDE_CONFIG_DIR`.
    pub claude_config_dir: Option<OsString>,
    /// `CODEX_HOME`.
    pub codex_home: Option<OsString>,
    /// `GEMINI_CLI_HOME` (the folder that holds `.gemini`).
    pub gemini_cli_home: Option<OsString>,
}

impl SessionEnvironment {
    /// The values of this process's environment.
    pub fn current() -> Self {
        Self {
            home: std::env::var_os("HOME"),
            claude_config_dir: std::env::var_os("CLAUDE_CONFIG_DIR"),
            codex_home: std::env::var_os("CODEX_HOME"),
            gemini_cli_home: std::env::var_os("GEMINI_CLI_HOME"),
        }
    }
}

impl SessionRoots {
    /// The roots the agents would use in this process's environment.
    pub fn from_env() -> Self {
        Self::from_environment(&SessionEnvironment::current())
    }

    /// `CLAUDE_CONFIG_DIR` else `~/.claude`; `CODEX_HOME` else `~/.codex`;
    /// `GEMINI_CLI_HOME/.gemini` else `~/.gemini`. Empty values count as unset.
    pub fn from_environment(environment: &SessionEnvironment) -> Self {
        let home = non_empty(&environment.home);
        let under_home = |name: &str| home.as_ref().map(|home| home.join(name));
        Self {
            claude: non_empty(&environment.claude_config_dir).or_else(|| under_home(".claude")),
            codex: non_empty(&environment.codex_home).or_else(|| under_home(".codex")),
            gemini: non_empty(&environment.gemini_cli_home)
                .map(|home| home.join(".gemini"))
                .or_else(|| under_home(".gemini")),
        }
    }
}

fn non_empty(value: &Option<OsString>) -> Option<PathBuf> {
    value
        .as_ref()
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_win_over_the_home_folder_and_empty_ones_do_not_count() {
        let environment = SessionEnvironment {
            home: Some("/home/a".into()),
            claude_config_dir: Some("/cfg/claude".into()),
            codex_home: Some("".into()),
            gemini_cli_home: Some("/g".into()),
        };
        let roots = SessionRoots::from_environment(&environment);
        assert_eq!(roots.claude, Some(PathBuf::from("/cfg/claude")));
        assert_eq!(roots.codex, Some(PathBuf::from("/home/a/.codex")));
        assert_eq!(roots.gemini, Some(PathBuf::from("/g/.gemini")));
        let bare = SessionRoots::from_environment(&SessionEnvironment::default());
        assert_eq!(bare, SessionRoots::default());
    }
}
