//! The live panes of the window: each one's terminal plus what its view remembers between
//! frames (the last mesh, selection drag, scroll remainder, cached process name).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spaces_term::process::{ProcessInfo, process_info};
use spaces_term::terminal::Listeners;
use spaces_term::{PaneId, SpawnOptions, Terminal, TerminalError};

use crate::terminal_view::PaneView;

/// One pane: its terminal and its view state.
pub struct PaneEntry {
    pub terminal: Terminal,
    pub view: PaneView,
    /// Foreground process, refreshed about once a second for titles and `cli list`.
    pub process: Option<ProcessInfo>,
    process_checked: Option<Instant>,
}

impl PaneEntry {
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

    /// Re-reads the foreground process if the cached one is older than `max_age`.
    pub fn refresh_process(&mut self, max_age: Duration) {
        let stale = self
            .process_checked
            .is_none_or(|checked| checked.elapsed() >= max_age);
        if stale {
            self.process = self.terminal.foreground_pid().and_then(process_info);
            self.process_checked = Some(Instant::now());
        }
    }

    /// The working directory of the foreground process (what a new shell should start in).
    pub fn cwd(&self) -> Option<std::path::PathBuf> {
        self.process
            .as_ref()
            .and_then(|process| process.cwd.clone())
            .or_else(|| self.terminal.options().cwd.clone())
    }
}

/// All panes, by id, with the listeners new ones report to.
pub struct Panes {
    entries: BTreeMap<PaneId, PaneEntry>,
    next_id: u64,
    listeners: Listeners,
}

impl Panes {
    pub fn new(listeners: Listeners) -> Self {
        Self {
            entries: BTreeMap::new(),
            next_id: 1,
            listeners,
        }
    }

    /// Starts a new pane; the id is new and never reused in this run.
    pub fn spawn(&mut self, options: SpawnOptions) -> Result<PaneId, TerminalError> {
        let id = PaneId(self.next_id);
        self.next_id += 1;
        let terminal = Terminal::spawn(id, options, self.listeners.clone())?;
        let mut entry = PaneEntry {
            terminal,
            view: PaneView::default(),
            process: None,
            process_checked: None,
        };
        entry.refresh_process(Duration::ZERO);
        self.entries.insert(id, entry);
        Ok(id)
    }

    /// Starts the pane's command again in the same place (after it exited).
    pub fn restart(&mut self, id: PaneId) -> Result<(), TerminalError> {
        let Some(entry) = self.entries.get_mut(&id) else {
            return Ok(());
        };
        let mut options = entry.terminal.options().clone();
        options.size = entry.terminal.size();
        if let Some(cwd) = entry.cwd() {
            options.cwd = Some(cwd);
        }
        entry.terminal = Terminal::spawn(id, options, self.listeners.clone())?;
        entry.view = PaneView::default();
        entry.refresh_process(Duration::ZERO);
        Ok(())
    }

    pub fn remove(&mut self, id: PaneId) -> Option<PaneEntry> {
        self.entries.remove(&id)
    }

    pub fn get(&self, id: PaneId) -> Option<&PaneEntry> {
        self.entries.get(&id)
    }

    pub fn get_mut(&mut self, id: PaneId) -> Option<&mut PaneEntry> {
        self.entries.get_mut(&id)
    }

    pub fn ids(&self) -> Vec<PaneId> {
        self.entries.keys().copied().collect()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&PaneId, &mut PaneEntry)> {
        self.entries.iter_mut()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn palette(&self) -> Arc<spaces_term::palette::Palette> {
        self.listeners.palette.clone()
    }
}
