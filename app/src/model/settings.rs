//! User settings, kept in `config.toml` in the data directory (edited in `ui::settings`).
//! A missing file means defaults; a broken one is reported and left untouched.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Lines of scrollback each pane keeps in memory (older output stays on disk).
    pub scrollback_lines: usize,
    /// Compressed output kept on disk per pane, in megabytes; the oldest goes first.
    pub history_cap_mb: u64,
    /// Seconds between grid snapshots while a pane prints (restores replay only what came
    /// after the newest snapshot).
    pub snapshot_interval_secs: u64,
    pub font_size: f32,
    /// Record what is typed into panes (never at password prompts). Off: nothing typed is
    /// kept from then on.
    pub record_input: bool,
    /// What a program in a pane may do with the system clipboard through OSC 52.
    pub clipboard_write: ClipboardWrite,
    /// Ask before closing a pane where a program other than an idle shell runs.
    pub confirm_close: bool,
    /// After a restart, run each restored agent's resume command by itself (off: offer it).
    pub resume_agents: bool,
    /// A desktop notification when an agent in a pane that is not in view starts waiting.
    pub notify_waiting_agents: bool,
    /// Shortcuts the user changed, by command name (`split_right = "ctrl+shift+d"`).
    pub keys: std::collections::BTreeMap<String, String>,
    /// The terminal colour theme (`model::themes`: dark, light, solarized-dark, ...).
    pub theme: String,
    /// The user's colours on top of the theme (`background = "#101010"`, `color1`...).
    pub colors: std::collections::BTreeMap<String, String>,
}

/// Whether programs may set the clipboard (OSC 52 writes, the clipboard and the primary
/// selection). Reading it is never allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipboardWrite {
    /// Set at once (as kitty and wezterm do by default); the window says that it happened.
    #[default]
    Allow,
    /// The window asks first, showing the start of the text.
    Ask,
    /// Ignored; the window says that a program tried.
    Deny,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            scrollback_lines: 10_000,
            history_cap_mb: 256,
            snapshot_interval_secs: 10,
            font_size: 14.0,
            record_input: true,
            clipboard_write: ClipboardWrite::Allow,
            confirm_close: true,
            resume_agents: true,
            notify_waiting_agents: true,
            keys: std::collections::BTreeMap::new(),
            theme: "dark".to_owned(),
            colors: std::collections::BTreeMap::new(),
        }
    }
}

impl Settings {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("config.toml")
    }

    /// Reads the settings; on a broken file returns the defaults and the problem.
    pub fn load(data_dir: &Path) -> (Self, Option<String>) {
        let path = Self::path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return (Self::default(), None);
            }
            Err(error) => {
                return (
                    Self::default(),
                    Some(format!(
                        "could not read {}: {error}; using defaults",
                        path.display()
                    )),
                );
            }
        };
        match toml::from_str::<Settings>(&text) {
            Ok(settings) => (settings.clamped(), None),
            Err(error) => (
                Self::default(),
                Some(format!(
                    "{} is not valid ({}); using defaults until it is fixed",
                    path.display(),
                    error.message()
                )),
            ),
        }
    }

    pub fn save(&self, data_dir: &Path) -> anyhow::Result<()> {
        let path = Self::path(data_dir);
        let text = toml::to_string_pretty(self).context("serializing settings")?;
        // Write then rename, so a crash never leaves half a file.
        let temporary = path.with_extension("toml.tmp");
        std::fs::write(&temporary, text)
            .with_context(|| format!("writing {}", temporary.display()))?;
        std::fs::rename(&temporary, &path).with_context(|| format!("replacing {}", path.display()))
    }

    /// Keeps values in ranges that work.
    pub fn clamped(mut self) -> Self {
        self.scrollback_lines = self.scrollback_lines.clamp(100, 1_000_000);
        self.history_cap_mb = self.history_cap_mb.clamp(1, 1_000_000);
        self.snapshot_interval_secs = self.snapshot_interval_secs.clamp(1, 3600);
        self.font_size = self.font_size.clamp(6.0, 48.0);
        self
    }

    pub fn snapshot_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.snapshot_interval_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_means_defaults_and_save_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Settings::load(dir.path()), (Settings::default(), None));
        let settings = Settings {
            scrollback_lines: 5000,
            ..Settings::default()
        };
        settings.save(dir.path()).expect("save");
        assert_eq!(Settings::load(dir.path()), (settings, None));
    }

    #[test]
    fn broken_file_is_reported_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(Settings::path(dir.path()), "scrollback_lines = \"many\"").expect("write");
        let (settings, problem) = Settings::load(dir.path());
        assert_eq!(settings, Settings::default());
        assert!(problem.expect("a problem").contains("config.toml"));
        assert!(
            Settings::path(dir.path()).exists(),
            "the user's file is not removed"
        );
    }

    #[test]
    fn partial_file_fills_in_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(Settings::path(dir.path()), "history_cap_mb = 10\n").expect("write");
        let (settings, problem) = Settings::load(dir.path());
        assert_eq!(problem, None);
        assert_eq!(settings.history_cap_mb, 10);
        assert_eq!(settings.scrollback_lines, 10_000);
    }
}
