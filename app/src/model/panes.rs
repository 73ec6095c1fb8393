//! The live panes: each one's terminal by id, started fresh, restored from the store, or
//! restarted in place.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use spaces_term::terminal::Listeners;
use spaces_term::{PaneId, SpawnOptions, Terminal, TerminalError};

use super::pane::Pane;
use super::restore::AgentResume;

/// How long a restored pane waits for its resumed agent to show before its record lets go
/// of the link.
const RESUME_PENDING: Duration = Duration::from_secs(20);

/// All panes, by id, with the listeners new ones report to.
pub struct Panes {
    entries: BTreeMap<PaneId, Pane>,
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
        workspace: spaces_store::WorkspaceId,
        before_start: impl FnOnce(PaneId, &SpawnOptions),
    ) -> Result<PaneId, TerminalError> {
        let id = PaneId(self.next_id);
        self.next_id += 1;
        before_start(id, &options);
        let terminal = Terminal::spawn(id, options, self.listeners.clone())?;
        self.entries.insert(id, Pane::new(terminal, workspace));
        Ok(id)
    }

    /// Brings back saved panes: replays each one's history into its grid, on as many
    /// threads as there are cores. The processes are not started: the caller starts them
    /// (`Terminal::start`) once the restored screens are shown. Returns the panes whose
    /// history could not be replayed: they come back empty (their output stays on disk).
    pub fn restore_all(
        &mut self,
        plans: &[crate::model::restore::RestorePlan],
        base: &SpawnOptions,
        resume: &crate::model::restore::ResumePolicy,
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
            crate::model::threads::join_all(handles)
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
            let mut entry = Pane::new(terminal, plan.record.workspace_id);
            match plan.agent_resume(&resume.roots) {
                Some(AgentResume::Resume(command)) if resume.automatic => {
                    entry.run_at_start = Some(command);
                }
                Some(AgentResume::Resume(command)) => entry.rerun_offer = Some(command),
                Some(AgentResume::Problem(problem)) => entry.resume_problem = Some(problem),
                None => entry.rerun_offer = plan.rerun_offer(),
            }
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
                    Ok(()) => {
                        entry.refresh_process(Duration::ZERO);
                        if entry.run_at_start.is_some() {
                            entry.output_at_start = Some(entry.terminal.bytes_read());
                            entry.resume_pending_until =
                                Some(std::time::Instant::now() + RESUME_PENDING);
                        }
                    }
                    Err(error) => failed.push((*id, error)),
                }
            }
        }
        failed
    }

    /// Types each restored pane's pending command (an agent's resume) into its new shell
    /// once the shell has printed its prompt: typed earlier, the terminal would echo it
    /// before the shell reads it, and it would show twice.
    pub fn type_pending_commands(&mut self) {
        for entry in self.entries.values_mut() {
            let Some(started) = entry.output_at_start else {
                continue;
            };
            if entry.terminal.bytes_read() > started
                && let Some(command) = entry.run_at_start.take()
            {
                // Typed into the shell: when the agent ends, the shell is there.
                let mut line = super::record::shell_join(&command).into_bytes();
                line.push(b'\r');
                entry.terminal.write(line);
                entry.output_at_start = None;
            }
        }
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
        *entry = Pane::new(terminal, entry.workspace);
        entry.saved = saved;
        Ok(())
    }

    pub fn remove(&mut self, id: PaneId) -> Option<Pane> {
        self.entries.remove(&id)
    }

    pub fn get(&self, id: PaneId) -> Option<&Pane> {
        self.entries.get(&id)
    }

    pub fn get_mut(&mut self, id: PaneId) -> Option<&mut Pane> {
        self.entries.get_mut(&id)
    }

    pub fn ids(&self) -> Vec<PaneId> {
        self.entries.keys().copied().collect()
    }

    /// The panes of one workspace, by id.
    pub fn ids_in(&self, workspace: spaces_store::WorkspaceId) -> Vec<PaneId> {
        self.entries
            .iter()
            .filter(|(_, entry)| entry.workspace == workspace)
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&PaneId, &mut Pane)> {
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

    /// The colours panes are drawn in (and new panes answer colour queries with).
    pub fn set_palette(&mut self, palette: Arc<spaces_term::palette::Palette>) {
        self.listeners.palette = palette;
    }
}

/// A restored pane's terminal, its grid filled from the plan. A replay that panics (a bug
/// in the parser on some old output) must not take the pane away: its grid is reset instead
/// and `false` returned.
fn prepare_restored(
    plan: &crate::model::restore::RestorePlan,
    base: &SpawnOptions,
    listeners: &Listeners,
) -> (Terminal, bool) {
    let mut replayed = true;
    let mut marker = Vec::new();
    let options = plan.spawn_options(base.clone());
    let terminal = Terminal::prepare(plan.pane(), options, listeners.clone(), |term| {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| plan.replay_into(term)));
        match outcome {
            Ok(applied) => marker = applied,
            Err(_) => {
                replayed = false;
                // RIS: a full reset, whatever state the interrupted replay left.
                spaces_term::replay::replay_bytes(term, b"\x1bc");
                marker = b"\x1bc".to_vec();
            }
        }
    });
    // The restore point goes into the pane's stream, as the screen shows it.
    terminal.lead_with(&marker);
    (terminal, replayed)
}
