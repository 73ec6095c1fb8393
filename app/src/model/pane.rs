//! One live pane in the model: its terminal, what runs in it, where it is, and its saved
//! record. No view state: the UI keeps that apart, keyed by pane id.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use spaces_term::Terminal;
use spaces_term::process::{ProcessInfo, process_info};

use super::cwd::CwdTracker;

/// One pane: its terminal, its foreground process and directory, and its saved record.
pub struct Pane {
    pub terminal: Terminal,
    /// Foreground process, refreshed about once a second for titles and `cli list`.
    pub process: Option<ProcessInfo>,
    cwd: CwdTracker,
    process_checked: Option<Instant>,
    /// A restored pane's old command, offered to run again (never run by itself).
    pub rerun_offer: Option<Vec<String>>,
    /// The pane record last saved, to save again only on change.
    pub saved: Option<spaces_store::PaneRecord>,
    /// The workspace the pane belongs to.
    pub workspace: spaces_store::WorkspaceId,
    /// The agent CLI running here, its conversation and state (kept up to date by
    /// `model::agents::Agents`).
    pub agent: Option<super::agents::PaneAgent>,
    /// Why a restored pane's conversation was not resumed (shown as a banner).
    pub resume_problem: Option<String>,
    /// A command typed into the pane's shell once it starts (a restored agent's resume).
    pub run_at_start: Option<Vec<String>>,
    /// How much the pane had printed when its shell started (`run_at_start` waits for more).
    pub output_at_start: Option<u64>,
    /// Until the resumed agent shows up (or this time passes), the pane's record keeps the
    /// agent it had: a restart in between must not lose the link.
    pub resume_pending_until: Option<Instant>,
}

impl Pane {
    pub(super) fn new(terminal: Terminal, workspace: spaces_store::WorkspaceId) -> Self {
        let mut pane = Self {
            workspace,
            terminal,
            process: None,
            cwd: CwdTracker::default(),
            process_checked: None,
            rerun_offer: None,
            saved: None,
            agent: None,
            resume_problem: None,
            run_at_start: None,
            output_at_start: None,
            resume_pending_until: None,
        };
        pane.refresh_process(Duration::ZERO);
        pane
    }

    /// What the tab shows: the program's own title (OSC 0/2), else the foreground process.
    pub fn title(&self) -> String {
        if let Some(title) = self.terminal.title().filter(|t| !t.trim().is_empty()) {
            return title;
        }
        match &self.process {
            Some(process) => process.name.clone(),
            None => spaces_term::process::display_name(self.terminal.options()),
        }
    }

    /// What a tab says: the program's own title when it set one, else the program and its
    /// directory (`vim — ~/src/app`).
    pub fn tab_title(&self) -> String {
        if let Some(title) = self.terminal.title().filter(|t| !t.trim().is_empty()) {
            return title;
        }
        let program = self.title();
        match self.cwd() {
            Some(cwd) => format!("{program} — {}", short_path(&cwd)),
            None => program,
        }
    }

    /// Re-reads the foreground process if the cached one is older than `max_age`.
    pub fn refresh_process(&mut self, max_age: Duration) {
        let stale = self
            .process_checked
            .is_none_or(|checked| checked.elapsed() >= max_age);
        if stale {
            self.process = self.terminal.foreground_pid().and_then(process_info);
            self.cwd.refresh(&self.terminal, self.process.as_ref());
            self.process_checked = Some(Instant::now());
        }
    }

    /// The pane's working directory (saved, restored, and inherited by splits).
    pub fn cwd(&self) -> Option<PathBuf> {
        self.cwd.cwd(&self.terminal, self.process.as_ref())
    }

    /// What runs in the foreground when it is not an interactive shell (to offer it again
    /// after a restart). A shell running a script (`sh ./claude --resume X`, `bash build.sh`)
    /// counts as the script.
    pub fn foreground_command(&self) -> Option<Vec<String>> {
        let process = self.process.as_ref()?;
        let interactive_shell = spaces_term::process::is_shell(&process.name)
            && process.argv.iter().skip(1).all(|arg| arg.starts_with('-'));
        (!interactive_shell && !process.argv.is_empty()).then(|| process.argv.clone())
    }

    /// Typing and pasting return the view to the live screen, as in every terminal.
    pub fn scroll_to_bottom(&self) {
        let scrolled = self.terminal.read(|term| term.grid().display_offset() != 0);
        if scrolled {
            self.terminal
                .update(|term| term.scroll_display(alacritty_terminal::grid::Scroll::Bottom));
        }
    }

    /// The input modes the program asked for (cursor keys, bracketed paste, mouse).
    pub fn input_modes(&self) -> spaces_term::input::InputModes {
        self.terminal
            .read(|term| spaces_term::input::InputModes::from_term_mode(*term.mode()))
    }

    /// Types text into the pane as a paste (bracketed when the program asked for it).
    pub fn paste(&self, text: &str) {
        self.terminal
            .write(spaces_term::input::encode_paste(text, self.input_modes()));
        self.scroll_to_bottom();
    }
}

use spaces_term::alacritty_terminal;

/// A directory as people write it: `~` for the home directory.
pub fn short_path(path: &std::path::Path) -> String {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home
        .as_deref()
        .and_then(|home| path.strip_prefix(home).ok())
    {
        Some(rest) if rest.as_os_str().is_empty() => "~".to_owned(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
