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
    /// Working directory of the pane's own process (its shell), refreshed with `process`.
    shell_cwd: Option<std::path::PathBuf>,
    process_checked: Option<Instant>,
    /// A restored pane's old command, offered to run again (never run by itself).
    pub rerun_offer: Option<Vec<String>>,
    /// The pane record last saved, to save again only on change.
    pub saved: Option<spaces_store::PaneRecord>,
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
            self.shell_cwd = self
                .terminal
                .child_pid()
                .and_then(|pid| process_info(pid as i32))
                .and_then(|process| process.cwd);
            self.process_checked = Some(Instant::now());
        }
    }

    /// The pane's working directory: its shell's, else the foreground program's, else where
    /// it started.
    pub fn cwd(&self) -> Option<std::path::PathBuf> {
        self.shell_cwd
            .clone()
            .or_else(|| {
                self.process
                    .as_ref()
                    .and_then(|process| process.cwd.clone())
            })
            .or_else(|| self.terminal.options().cwd.clone())
    }

    /// What runs in the foreground when it is not a shell (to offer it again after a restart).
    pub fn foreground_command(&self) -> Option<Vec<String>> {
        let process = self.process.as_ref()?;
        (!spaces_term::process::is_shell(&process.name) && !process.argv.is_empty())
            .then(|| process.argv.clone())
    }

    fn new(terminal: Terminal) -> Self {
        let mut entry = Self {
            terminal,
            view: PaneView::default(),
            process: None,
            shell_cwd: None,
            process_checked: None,
            rerun_offer: None,
            saved: None,
        };
        entry.refresh_process(Duration::ZERO);
        entry
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

    /// The first id new panes get (ids are never reused, across runs too).
    pub fn set_next_id(&mut self, next: u64) {
        self.next_id = self.next_id.max(next);
    }

    /// Starts a new pane with an id never used before. `before_start` runs before the
    /// process can print (to save the pane's record ahead of its first output).
    pub fn spawn(
        &mut self,
        options: SpawnOptions,
        before_start: impl FnOnce(PaneId, &SpawnOptions),
    ) -> Result<PaneId, TerminalError> {
        let id = PaneId(self.next_id);
        self.next_id += 1;
        before_start(id, &options);
        let terminal = Terminal::spawn(id, options, self.listeners.clone())?;
        self.entries.insert(id, PaneEntry::new(terminal));
        Ok(id)
    }

    /// Brings back saved panes: replays each one's history into its grid, on as many
    /// threads as there are cores. The processes are not started: the caller starts them
    /// (`Terminal::start`) once the restored screens are shown. Returns the panes whose
    /// history could not be replayed: they come back empty (their output stays on disk).
    pub fn restore_all(
        &mut self,
        plans: &[crate::restore::RestorePlan],
        base: &SpawnOptions,
    ) -> Vec<PaneId> {
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let listeners = &self.listeners;
        let prepared: Vec<(usize, Terminal, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers.min(plans.len()))
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(plan) = plans.get(index) else { break };
                            let (terminal, replayed) = prepare_restored(plan, base, listeners);
                            done.push((index, terminal, replayed));
                        }
                        done
                    })
                })
                .collect();
            crate::threads::join_all(handles)
                .into_iter()
                .flatten()
                .collect()
        });
        let mut failed = Vec::new();
        for (index, terminal, replayed) in prepared {
            let plan = &plans[index];
            let id = plan.pane();
            if !replayed {
                failed.push(id);
            }
            self.set_next_id(id.0 + 1);
            let mut entry = PaneEntry::new(terminal);
            entry.rerun_offer = plan.rerun_offer();
            entry.saved = Some(plan.record.clone());
            self.entries.insert(id, entry);
        }
        failed
    }

    /// Starts the processes of panes that have none yet; returns the ones that failed.
    pub fn start_pending(&mut self) -> Vec<(PaneId, TerminalError)> {
        let mut failed = Vec::new();
        for (id, entry) in &mut self.entries {
            if !entry.terminal.is_started() {
                match entry.terminal.start() {
                    Ok(()) => entry.refresh_process(Duration::ZERO),
                    Err(error) => failed.push((*id, error)),
                }
            }
        }
        failed
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
        // The new process continues the pane's output stream.
        options.initial_offset = entry.terminal.bytes_read();
        let terminal = Terminal::spawn(id, options, self.listeners.clone())?;
        let saved = entry.saved.take();
        *entry = PaneEntry::new(terminal);
        entry.saved = saved;
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

/// A restored pane's terminal, its grid filled from the plan. A replay that panics (a bug
/// in the parser on some old output) must not take the pane away: its grid is reset instead
/// and `false` returned.
fn prepare_restored(
    plan: &crate::restore::RestorePlan,
    base: &SpawnOptions,
    listeners: &Listeners,
) -> (Terminal, bool) {
    let mut replayed = true;
    let options = plan.spawn_options(base.clone());
    let terminal = Terminal::prepare(plan.pane(), options, listeners.clone(), |term| {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| plan.replay_into(term)));
        if outcome.is_err() {
            replayed = false;
            // RIS: a full reset, whatever state the interrupted replay left.
            spaces_term::replay::replay_bytes(term, b"\x1bc");
        }
    });
    (terminal, replayed)
}
