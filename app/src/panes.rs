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
    /// The OSC 7 report seen while the pane's own shell was last in the foreground.
    report_at_prompt: Option<std::path::PathBuf>,
    /// A newer OSC 7 report, sent by something running inside the shell (`sudo -s`, a
    /// nested shell): where that program is, when `/proc` cannot say.
    nested_report: Option<std::path::PathBuf>,
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
            let reported = self.terminal.reported_cwd();
            if self.runs_nested() {
                self.nested_report = reported.filter(|r| Some(r) != self.report_at_prompt.as_ref());
            } else {
                self.report_at_prompt = reported;
                self.nested_report = None;
            }
            self.process_checked = Some(Instant::now());
        }
    }

    /// Something other than the pane's own process is in the foreground.
    fn runs_nested(&self) -> bool {
        let foreground = self.process.as_ref().map(|process| process.pid);
        foreground.is_some() && foreground != self.terminal.child_pid().map(|pid| pid as i32)
    }

    /// The pane's working directory (saved, restored, and inherited by splits).
    pub fn cwd(&self) -> Option<std::path::PathBuf> {
        pick_cwd(CwdSources {
            nested: self.runs_nested(),
            foreground: self.process.as_ref(),
            nested_report: self.nested_report.as_deref(),
            shell: self.shell_cwd.as_deref(),
            start: self.terminal.options().cwd.as_deref(),
        })
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
            report_at_prompt: None,
            nested_report: None,
            process_checked: None,
            rerun_offer: None,
            saved: None,
        };
        entry.refresh_process(Duration::ZERO);
        entry
    }
}

/// Where a pane's working directory can come from.
struct CwdSources<'a> {
    /// A program other than the pane's own shell is in the foreground.
    nested: bool,
    foreground: Option<&'a ProcessInfo>,
    /// OSC 7 sent while that program ran.
    nested_report: Option<&'a std::path::Path>,
    /// The pane's own process (its shell), from `/proc`.
    shell: Option<&'a std::path::Path>,
    start: Option<&'a std::path::Path>,
}

/// The best source first: a nested shell's own directory (`bash` inside `bash`, `nix
/// develop`); then what a nested program reported with OSC 7 (a `sudo -s` shell, whose
/// `/proc` entry is not ours to read); then the pane's shell; then the foreground program;
/// then where the pane started.
fn pick_cwd(sources: CwdSources<'_>) -> Option<std::path::PathBuf> {
    let foreground_cwd = sources
        .foreground
        .and_then(|process| process.cwd.as_deref());
    let nested_shell = sources
        .foreground
        .filter(|process| sources.nested && spaces_term::process::is_shell(&process.name))
        .and(foreground_cwd);
    let nested_report = sources
        .nested_report
        .filter(|path| sources.nested && path.is_dir());
    nested_shell
        .or(nested_report)
        .or(sources.shell)
        .or(foreground_cwd)
        .or(sources.start)
        .map(std::path::Path::to_path_buf)
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

#[cfg(test)]
mod cwd_tests {
    use std::path::{Path, PathBuf};

    use super::{CwdSources, ProcessInfo, pick_cwd};

    fn process(name: &str, cwd: Option<&str>) -> ProcessInfo {
        ProcessInfo {
            pid: 42,
            name: name.to_owned(),
            cwd: cwd.map(PathBuf::from),
            argv: vec![name.to_owned()],
        }
    }

    fn sources<'a>(
        nested: bool,
        foreground: Option<&'a ProcessInfo>,
        nested_report: Option<&'a str>,
    ) -> CwdSources<'a> {
        CwdSources {
            nested,
            foreground,
            nested_report: nested_report.map(Path::new),
            shell: Some(Path::new("/home")),
            start: Some(Path::new("/start")),
        }
    }

    #[test]
    fn the_shell_at_its_prompt_is_the_truth() {
        let shell = process("bash", Some("/home"));
        assert_eq!(
            pick_cwd(sources(false, Some(&shell), None)),
            Some("/home".into())
        );
        // A report from an earlier nested program does not override the shell.
        assert_eq!(
            pick_cwd(sources(false, Some(&shell), Some("/tmp"))),
            Some("/home".into())
        );
    }

    #[test]
    fn a_nested_shell_is_followed() {
        let inner = process("zsh", Some("/usr"));
        assert_eq!(
            pick_cwd(sources(true, Some(&inner), None)),
            Some("/usr".into())
        );
    }

    #[test]
    fn a_nested_report_stands_in_for_an_unreadable_process() {
        // `sudo -s`: the root shell's /proc entry cannot be read, its OSC 7 can.
        let root_shell = process("bash", None);
        assert_eq!(
            pick_cwd(sources(true, Some(&root_shell), Some("/tmp"))),
            Some("/tmp".into())
        );
        // A reported directory that does not exist here is not used.
        assert_eq!(
            pick_cwd(sources(true, Some(&root_shell), Some("/no/such/dir"))),
            Some("/home".into())
        );
    }

    #[test]
    fn a_program_in_the_foreground_keeps_the_shells_directory() {
        let vim = process("vim", Some("/usr/share"));
        assert_eq!(
            pick_cwd(sources(true, Some(&vim), None)),
            Some("/home".into())
        );
        let gone = CwdSources {
            shell: None,
            ..sources(true, Some(&vim), None)
        };
        assert_eq!(pick_cwd(gone), Some("/usr/share".into()));
        let nothing = CwdSources {
            shell: None,
            ..sources(true, None, None)
        };
        assert_eq!(pick_cwd(nothing), Some("/start".into()));
    }
}
