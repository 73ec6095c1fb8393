//! The window's side of agent sessions: the sessions panel and conversation view, resuming a
//! session in a new pane (checked first: nothing starts half-way), and the "New agent pane"
//! dialog.

use spaces_store::sessions::{Agent, SessionRoots, SessionSummary};

use super::SpacesApp;
use crate::model::Notice;
use crate::model::sessions::{Sessions, check_resumable, new_agent_command};
use crate::ui::sessions::SessionAction;
use crate::ui::theme;

/// The dialog about agents open now, if any.
#[derive(Default)]
pub(super) struct AgentDialog {
    state: Option<DialogState>,
}

enum DialogState {
    /// "New agent pane": which agent, in which directory.
    NewPane {
        agent: Agent,
        dir: String,
        problem: Option<String>,
    },
    /// A session could not be resumed as recorded: why, and another directory to try.
    ResumeProblem {
        session: Box<SessionSummary>,
        problem: String,
        dir: String,
    },
}

impl SpacesApp {
    /// Where the agents keep their transcripts, per the config or the environment.
    pub(super) fn session_roots(&self) -> SessionRoots {
        self.config
            .session_roots
            .clone()
            .unwrap_or_else(SessionRoots::from_env)
    }

    /// Keeps each pane's agent, session and state current; notifies about agents that
    /// started waiting out of view, and shows the pane whose notification was clicked.
    pub(super) fn agents_logic(&mut self, ctx: &egui::Context) {
        self.panes.type_pending_commands();
        if let Some(left) = self.agents.update(&mut self.panes) {
            ctx.request_repaint_after(left);
        }
        let window_focused = ctx.input(|input| input.focused);
        for pane in self.agents.take_newly_waiting() {
            let in_view = window_focused && self.focused == Some(pane);
            if in_view || !self.settings.notify_waiting_agents {
                continue;
            }
            let Some(entry) = self.panes.get(pane) else {
                continue;
            };
            let Some(agent) = &entry.agent else { continue };
            let workspace = self
                .workspaces
                .get(entry.workspace)
                .map(|record| record.name.clone())
                .unwrap_or_default();
            self.notifier
                .notify(crate::model::agents::notifications::Note {
                    pane,
                    summary: format!("{} is waiting in {workspace}", agent_label(agent.agent)),
                    body: agent.title.clone().unwrap_or_else(|| entry.tab_title()),
                });
        }
        let clicked: Vec<_> = self.notifier.clicked.try_iter().collect();
        for pane in clicked {
            self.focus(pane);
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
    }

    /// Brings the agents up to date now (`spaces cli list` reads them).
    pub(crate) fn refresh_agents(&mut self) {
        self.agents.update(&mut self.panes);
    }

    /// Takes a hook event from `spaces hooks event`.
    pub fn hook_event(
        &mut self,
        agent: Agent,
        pane: Option<spaces_term::PaneId>,
        payload: &str,
    ) -> Result<spaces_term::PaneId, crate::model::agents::hook_event::HookProblem> {
        if let Some(entry) = pane.and_then(|pane| self.panes.get_mut(pane)) {
            // The agent's process, fresh: the hook may come before the once-a-second look.
            entry.refresh_process(std::time::Duration::ZERO);
        }
        self.agents
            .hook_event(&mut self.panes, agent, pane, payload)
    }

    pub fn agent_counts(&self) -> &crate::model::agents::HookCounts {
        self.agents.counts()
    }

    /// Starts indexing the agents' sessions in the background (when this session is saved:
    /// the index lives in the database).
    pub(super) fn start_sessions(&mut self, ctx: &egui::Context) {
        if !self.persistence.saves_to_disk() {
            return;
        }
        let wake_ctx = ctx.clone();
        match Sessions::start(
            self.persistence.database_path().to_path_buf(),
            self.config
                .session_roots
                .clone()
                .unwrap_or_else(SessionRoots::from_env),
            std::sync::Arc::new(move || wake_ctx.request_repaint()),
        ) {
            Ok(sessions) => self.sessions = Some(sessions),
            Err(error) => self.notices.push(Notice::error(format!(
                "agent sessions are not indexed: {error}"
            ))),
        }
    }

    /// The sessions panel (a side panel) and the conversation window, when open.
    pub(super) fn sessions_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let Some(sessions) = &mut self.sessions else {
            return;
        };
        let mut actions = Vec::new();
        if self.sessions_panel.open {
            egui::Panel::right("sessions-panel")
                .default_size(420.0)
                .resizable(true)
                .show(ui, |ui| {
                    actions.extend(self.sessions_panel.ui(ui, sessions))
                });
        }
        if self.sessions_panel.conversation_open() {
            actions.extend(self.sessions_panel.conversation_window(&ctx, sessions));
        }
        self.usage_view.window(&ctx, sessions);
        for action in actions {
            match action {
                SessionAction::Resume(session) => self.resume_session(&session, None),
            }
        }
        self.agent_dialog_ui(&ctx);
    }

    pub(super) fn toggle_sessions(&mut self) {
        if self.sessions.is_none() {
            self.notices.push(Notice::warning(
                "agent sessions need a saved session (this one only lives in memory)",
            ));
            return;
        }
        self.sessions_panel.toggle();
    }

    pub(super) fn toggle_usage(&mut self) {
        if self.sessions.is_none() {
            self.notices.push(Notice::warning(
                "usage needs a saved session (this one only lives in memory)",
            ));
            return;
        }
        self.usage_view.toggle();
    }

    /// Resumes `session` in a new pane of this workspace, in its directory (or `dir`).
    /// A missing directory or CLI opens a dialog saying which, instead of a broken pane.
    pub(super) fn resume_session(&mut self, session: &SessionSummary, dir: Option<String>) {
        let resume = session.resume_command();
        let cwd = dir.or(resume.cwd.clone());
        if let Err(problem) = check_resumable(&resume.argv, cwd.as_deref()) {
            self.agent_dialog.state = Some(DialogState::ResumeProblem {
                session: Box::new(session.clone()),
                problem,
                dir: cwd.unwrap_or_default(),
            });
            return;
        }
        if self
            .spawn_tab(resume.argv, cwd.map(std::path::PathBuf::from))
            .is_some()
        {
            self.agent_dialog.state = None;
        }
    }

    pub(super) fn open_new_agent_dialog(&mut self) {
        let dir = self
            .focused
            .and_then(|pane| self.panes.get(pane))
            .and_then(|pane| pane.cwd())
            .or_else(|| std::env::var_os("HOME").map(Into::into))
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        self.agent_dialog.state = Some(DialogState::NewPane {
            agent: Agent::Claude,
            dir,
            problem: None,
        });
    }

    /// Starts `agent` in `dir` in a new pane, with a session id Spaces chose where the CLI
    /// takes one.
    fn start_agent(&mut self, agent: Agent, dir: &str) -> Result<(), String> {
        let command = new_agent_command(agent);
        check_resumable(&command, Some(dir))?;
        self.spawn_tab(command, Some(dir.into()))
            .map(drop)
            .ok_or_else(|| "the pane could not start".to_owned())
    }

    fn agent_dialog_ui(&mut self, ctx: &egui::Context) {
        let Some(state) = &mut self.agent_dialog.state else {
            return;
        };
        let mut open = true;
        let mut start = None;
        let mut resume = None;
        let title = match state {
            DialogState::NewPane { .. } => "New agent pane",
            DialogState::ResumeProblem { .. } => "Cannot resume this session here",
        };
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| match state {
                DialogState::NewPane {
                    agent,
                    dir,
                    problem,
                } => {
                    ui.horizontal(|ui| {
                        for choice in Agent::ALL {
                            ui.radio_value(agent, choice, agent_label(choice));
                        }
                    });
                    ui.horizontal(|ui| {
                        ui.label("Directory");
                        ui.add(egui::TextEdit::singleline(dir).desired_width(360.0));
                    });
                    if let Some(problem) = problem {
                        ui.colored_label(theme::ERROR, problem.as_str());
                    }
                    if ui.button("Start").clicked() {
                        start = Some((*agent, dir.clone()));
                    }
                }
                DialogState::ResumeProblem {
                    session,
                    problem,
                    dir,
                } => {
                    ui.label(format!(
                        "{} cannot be resumed: {problem}.",
                        if session.title.is_empty() {
                            &session.id
                        } else {
                            &session.title
                        }
                    ));
                    ui.label("Resume it in another directory:");
                    ui.add(egui::TextEdit::singleline(dir).desired_width(360.0));
                    if ui.button("Resume here").clicked() {
                        resume = Some(((**session).clone(), dir.clone()));
                    }
                }
            });
        if !open {
            self.agent_dialog.state = None;
            return;
        }
        if let Some((agent, dir)) = start {
            match self.start_agent(agent, &dir) {
                Ok(()) => self.agent_dialog.state = None,
                Err(error) => {
                    if let Some(DialogState::NewPane { problem, .. }) = &mut self.agent_dialog.state
                    {
                        *problem = Some(format!("Cannot start it: {error}"));
                    }
                }
            }
        }
        if let Some((session, dir)) = resume {
            self.resume_session(&session, Some(dir));
        }
    }
}

/// The agent's name as people say it.
pub(crate) fn agent_label(agent: Agent) -> &'static str {
    match agent {
        Agent::Claude => "Claude Code",
        Agent::Codex => "Codex",
        Agent::Gemini => "Gemini",
    }
}
