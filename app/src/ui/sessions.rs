//! The sessions panel (Ctrl+Shift+S): every Claude Code, Codex and Gemini session found on
//! the machine, newest first, filtered by agent and project, searched in full text with the
//! matching snippet highlighted, in a virtualised list; and the conversation view of one
//! session (answers rendered as Markdown, tool calls folded, sub-agent runs nested, Ctrl+F to
//! find inside). Data comes from `model::sessions`, whose thread does all SQL.

use egui::text::LayoutJob;
use egui::{Color32, RichText, TextFormat};
use egui_commonmark::{CommonMarkCache, CommonMarkViewer};
use spaces_store::sessions::{
    Agent, MATCH_END, MATCH_START, MessageRole, SearchHit, SessionFilter, SessionMessage,
    SessionSummary,
};

use spaces_store::usage::UsageFigures;

use crate::model::sessions::{SessionAnswer, SessionQuery, Sessions};
use crate::ui::theme;

/// What the user asked the panel to do, for the window to carry out.
#[derive(Clone, Debug)]
pub enum SessionAction {
    Resume(SessionSummary),
}

/// The rows shown: all sessions, or search hits.
enum Rows {
    Sessions(Vec<SessionSummary>),
    Hits(Vec<SearchHit>),
}

#[derive(Default)]
pub struct SessionsPanel {
    pub open: bool,
    search: String,
    agent: Option<Agent>,
    project: String,
    /// The query the rows answer (asked again when the index changes or a field does).
    asked: Option<SessionQuery>,
    list_serial: u64,
    costs_serial: u64,
    /// Each session's tokens and cost (sub-agents included in their parents' figures).
    costs: std::collections::HashMap<(Agent, String), UsageFigures>,
    seen_version: u64,
    rows: Option<Rows>,
    error: Option<String>,
    conversation: Option<Conversation>,
    focus_search: bool,
}

/// One session's conversation window.
struct Conversation {
    agent: Agent,
    id: String,
    serial: u64,
    session: Option<SessionSummary>,
    messages: Option<Vec<SessionMessage>>,
    error: Option<String>,
    find: String,
    /// The message the find steps to (index into the matching ones).
    current: usize,
    scroll_to_current: bool,
    markdown: CommonMarkCache,
}

impl SessionsPanel {
    pub fn toggle(&mut self) {
        self.open = !self.open;
        self.focus_search = self.open;
    }

    /// Opens the panel searching for `text`.
    pub fn open_with_search(&mut self, text: &str) {
        self.open = true;
        self.search = text.to_owned();
    }

    /// Whether the conversation window is open.
    pub fn conversation_open(&self) -> bool {
        self.conversation.is_some()
    }

    /// Takes the worker's answers; asks again when the index or a field changed.
    fn sync(&mut self, sessions: &mut Sessions) {
        match sessions.take(self.list_serial) {
            Some(SessionAnswer::Sessions(list)) => self.rows = Some(Rows::Sessions(list)),
            Some(SessionAnswer::Hits(hits)) => self.rows = Some(Rows::Hits(hits)),
            Some(SessionAnswer::Failed(error)) => self.error = Some(error),
            _ => {}
        }
        if let Some(SessionAnswer::SessionCosts(costs)) = sessions.take(self.costs_serial) {
            self.costs = costs
                .into_iter()
                .filter(|usage| usage.parent_session.is_none())
                .map(|usage| ((usage.agent, usage.session_id), usage.figures))
                .collect();
        }
        if let Some(conversation) = &mut self.conversation {
            match sessions.take(conversation.serial) {
                Some(SessionAnswer::Conversation { session, messages }) => {
                    conversation.session = session.map(|session| *session);
                    conversation.messages = Some(messages);
                }
                Some(SessionAnswer::Failed(error)) => conversation.error = Some(error),
                _ => {}
            }
        }
        let filter = SessionFilter {
            agent: self.agent,
            cwd_prefix: (!self.project.trim().is_empty()).then(|| self.project.trim().to_owned()),
            ..SessionFilter::default()
        };
        let query = if self.search.trim().is_empty() {
            SessionQuery::List(filter)
        } else {
            SessionQuery::Search {
                text: self.search.clone(),
                filter,
            }
        };
        let version = sessions.status().version;
        if self.asked.as_ref() != Some(&query) || version != self.seen_version {
            if version != self.seen_version || self.asked.is_none() {
                self.costs_serial = sessions.ask(SessionQuery::SessionCosts);
            }
            self.seen_version = version;
            self.list_serial = sessions.ask(query.clone());
            self.asked = Some(query);
        }
    }

    /// The side panel. Returns what the user asked for.
    pub fn ui(&mut self, ui: &mut egui::Ui, sessions: &mut Sessions) -> Option<SessionAction> {
        self.sync(sessions);
        let mut action = None;
        ui.heading("Agent sessions");
        status_line(ui, sessions);
        ui.horizontal(|ui| {
            let search = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("Search prompts and answers…")
                    .desired_width(f32::INFINITY),
            );
            // Asked until it holds: a side panel's first frame may not take the focus.
            if self.focus_search {
                search.request_focus();
                self.focus_search = !search.has_focus();
            }
        });
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("sessions-agent")
                .selected_text(self.agent.map_or("All agents", agent_label))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.agent, None, "All agents");
                    for agent in Agent::ALL {
                        ui.selectable_value(&mut self.agent, Some(agent), agent_label(agent));
                    }
                });
            ui.add(
                egui::TextEdit::singleline(&mut self.project)
                    .hint_text("Project folder")
                    .desired_width(f32::INFINITY),
            );
        });
        if let Some(error) = &self.error {
            ui.colored_label(theme::ERROR, error);
        }
        ui.separator();
        match &self.rows {
            None => {
                ui.label(RichText::new("Loading…").weak());
            }
            Some(Rows::Sessions(list)) if list.is_empty() => {
                ui.label(RichText::new("No sessions found.").weak());
            }
            Some(Rows::Hits(hits)) if hits.is_empty() => {
                ui.label(RichText::new("Nothing matches.").weak());
            }
            Some(rows) => {
                let (count, height) = match rows {
                    Rows::Sessions(list) => (list.len(), 58.0),
                    Rows::Hits(hits) => (hits.len(), 76.0),
                };
                let mut open = None;
                let costs = &self.costs;
                egui::ScrollArea::vertical().auto_shrink(false).show_rows(
                    ui,
                    height,
                    count,
                    |ui, range| {
                        for index in range {
                            let (session, snippet) = match rows {
                                Rows::Sessions(list) => (&list[index], None),
                                Rows::Hits(hits) => {
                                    (&hits[index].session, Some(hits[index].snippet.as_str()))
                                }
                            };
                            let usage = costs.get(&(session.agent, session.id.clone()));
                            match session_row(ui, session, snippet, usage, height) {
                                Some(RowClick::Open) => open = Some(session.clone()),
                                Some(RowClick::Resume) => {
                                    action = Some(SessionAction::Resume(session.clone()));
                                }
                                None => {}
                            }
                        }
                    },
                );
                if let Some(session) = open {
                    self.open_conversation(&session, sessions);
                }
            }
        }
        action
    }

    fn open_conversation(&mut self, session: &SessionSummary, sessions: &mut Sessions) {
        let serial = sessions.ask(SessionQuery::Conversation {
            agent: session.agent,
            id: session.id.clone(),
        });
        let find = self.search.trim().trim_matches('"').to_owned();
        self.conversation = Some(Conversation {
            agent: session.agent,
            id: session.id.clone(),
            serial,
            session: Some(session.clone()),
            messages: None,
            error: None,
            scroll_to_current: !find.is_empty(),
            find,
            current: 0,
            markdown: CommonMarkCache::default(),
        });
    }

    /// The conversation window, if one is open. Returns what the user asked for.
    pub fn conversation_window(
        &mut self,
        ctx: &egui::Context,
        sessions: &mut Sessions,
    ) -> Option<SessionAction> {
        self.sync(sessions);
        let conversation = self.conversation.as_mut()?;
        let mut open = true;
        let mut action = None;
        let title = conversation
            .session
            .as_ref()
            .map_or_else(|| conversation.id.clone(), |s| s.title.clone());
        egui::Window::new(format!("{} — {}", agent_label(conversation.agent), title))
            .id(egui::Id::unique("session-conversation"))
            .open(&mut open)
            .default_size([720.0, 620.0])
            .show(ctx, |ui| {
                action = conversation.ui(ui);
            });
        let escape =
            ctx.input_mut(|input| input.consume_key(egui::Modifiers::NONE, egui::Key::Escape));
        if !open || escape {
            self.conversation = None;
        }
        action
    }
}

enum RowClick {
    Open,
    Resume,
}

fn agent_label(agent: Agent) -> &'static str {
    match agent {
        Agent::Claude => "Claude Code",
        Agent::Codex => "Codex",
        Agent::Gemini => "Gemini",
    }
}

fn agent_color(agent: Agent) -> Color32 {
    match agent {
        Agent::Claude => theme::AGENT_CLAUDE,
        Agent::Codex => theme::AGENT_CODEX,
        Agent::Gemini => theme::AGENT_GEMINI,
    }
}

/// Indexing progress, or what the last pass could not understand.
fn status_line(ui: &mut egui::Ui, sessions: &Sessions) {
    let status = sessions.status();
    if let Some(error) = &status.error {
        ui.colored_label(theme::ERROR, error);
    }
    if let Some(progress) = status.progress {
        let fraction = if progress.bytes_total == 0 {
            0.0
        } else {
            progress.bytes_done as f32 / progress.bytes_total as f32
        };
        ui.add(egui::ProgressBar::new(fraction).text(format!(
            "Indexing {} of {} files",
            progress.files_done, progress.files_total
        )));
    }
    if let Some(problems) = &status.problems {
        ui.label(RichText::new(problems).color(theme::WARNING).small());
    }
}

/// One session in the list: agent, title, project, branch, models, messages, last activity,
/// and the snippet of a search hit. Returns a click.
fn session_row(
    ui: &mut egui::Ui,
    session: &SessionSummary,
    snippet: Option<&str>,
    usage: Option<&UsageFigures>,
    height: f32,
) -> Option<RowClick> {
    let mut click = None;
    let frame = egui::Frame::group(ui.style()).inner_margin(egui::Margin::symmetric(6, 3));
    frame.show(ui, |ui| {
        ui.set_min_height(height - 12.0);
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(agent_label(session.agent))
                    .color(agent_color(session.agent))
                    .small()
                    .strong(),
            );
            let title = if session.title.is_empty() {
                "(untitled)"
            } else {
                &session.title
            };
            let title = ui
                .add(
                    egui::Label::new(RichText::new(title).strong())
                        .truncate()
                        .sense(egui::Sense::click()),
                )
                .on_hover_cursor(egui::CursorIcon::PointingHand)
                .on_hover_text("Open the conversation");
            if title.clicked() {
                click = Some(RowClick::Open);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.small_button("Resume").clicked() {
                    click = Some(RowClick::Resume);
                }
            });
        });
        let mut details = vec![session.cwd.clone()];
        if !session.git_branch.is_empty() {
            details.push(session.git_branch.clone());
        }
        if !session.models.is_empty() {
            details.push(session.models.join(", "));
        }
        details.push(format!("{} messages", session.message_count));
        if let Some(usage) = usage {
            details.push(format!(
                "{} tokens, {}",
                usage.total_tokens(),
                crate::ui::usage::cost_text(usage)
            ));
        }
        match (
            session.first_at_ms.and_then(local_time),
            session.last_at_ms.and_then(local_time),
        ) {
            (Some(first), Some(last)) if first != last => {
                details.push(format!("{first} – {last}"));
            }
            (first, last) => details.extend(last.or(first)),
        }
        if session.file_gone {
            details.push("transcript deleted by the agent".to_owned());
        }
        ui.add(egui::Label::new(RichText::new(details.join(" · ")).weak().small()).truncate());
        if let Some(snippet) = snippet {
            let snippet = ui.add(
                egui::Label::new(highlighted(snippet))
                    .truncate()
                    .sense(egui::Sense::click()),
            );
            if snippet.clicked() {
                click = Some(RowClick::Open);
            }
        }
    });
    click
}

/// Milliseconds since the epoch as local date and time.
fn local_time(at_ms: i64) -> Option<String> {
    let at = chrono::DateTime::from_timestamp_millis(at_ms)?;
    Some(
        at.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    )
}

/// A snippet with its matches (between the store's markers) highlighted.
fn highlighted(snippet: &str) -> LayoutJob {
    let mut job = LayoutJob::default();
    let plain = TextFormat {
        color: theme::SNIPPET_TEXT,
        ..TextFormat::default()
    };
    let mark = TextFormat {
        color: theme::MATCH_TEXT,
        background: theme::MATCH_HIGHLIGHT,
        ..TextFormat::default()
    };
    let mut rest = snippet;
    while let Some(start) = rest.find(MATCH_START) {
        job.append(&rest[..start], 0.0, plain.clone());
        let after = &rest[start + MATCH_START.len_utf8()..];
        let end = after.find(MATCH_END).unwrap_or(after.len());
        job.append(&after[..end], 0.0, mark.clone());
        rest = after.get(end + MATCH_END.len_utf8()..).unwrap_or("");
    }
    job.append(rest, 0.0, plain);
    job
}

impl Conversation {
    fn ui(&mut self, ui: &mut egui::Ui) -> Option<SessionAction> {
        let mut action = None;
        if let Some(session) = &self.session {
            ui.horizontal(|ui| {
                ui.label(RichText::new(&session.cwd).weak());
                if !session.git_branch.is_empty() {
                    ui.label(RichText::new(format!("· {}", session.git_branch)).weak());
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("Resume").clicked() {
                        action = Some(SessionAction::Resume(session.clone()));
                    }
                });
            });
        }
        let matches = self.matching();
        self.find_bar(ui, matches.len());
        ui.separator();
        if let Some(error) = &self.error {
            ui.colored_label(theme::ERROR, error);
        }
        let Some(messages) = &self.messages else {
            ui.label(RichText::new("Loading…").weak());
            return action;
        };
        let current = matches.get(self.current).copied();
        let scroll = std::mem::take(&mut self.scroll_to_current);
        let markdown = &mut self.markdown;
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                for (index, message) in messages.iter().enumerate() {
                    let is_match = matches.contains(&index);
                    let response =
                        message_ui(ui, message, markdown, is_match, current == Some(index));
                    if scroll && current == Some(index) {
                        response.scroll_to_me(Some(egui::Align::Center));
                    }
                }
            });
        action
    }

    /// The indices of the messages that contain the find text.
    fn matching(&self) -> Vec<usize> {
        let needle = self.find.trim().to_lowercase();
        match (&self.messages, needle.is_empty()) {
            (Some(messages), false) => messages
                .iter()
                .enumerate()
                .filter(|(_, message)| message.text.to_lowercase().contains(&needle))
                .map(|(index, _)| index)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Ctrl+F: the find field; Enter steps to the next match, Shift+Enter to the previous.
    fn find_bar(&mut self, ui: &mut egui::Ui, count: usize) {
        let focus = ui.input_mut(|input| input.consume_key(egui::Modifiers::COMMAND, egui::Key::F));
        ui.horizontal(|ui| {
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.find)
                    .id(egui::Id::unique("session-find"))
                    .hint_text("Find in this conversation (Ctrl+F)")
                    .desired_width(300.0),
            );
            if focus {
                field.request_focus();
            }
            if field.changed() {
                self.current = 0;
                self.scroll_to_current = true;
            }
            let enter = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            if enter && count > 0 {
                let back = ui.input(|input| input.modifiers.shift);
                self.current = if back {
                    (self.current + count - 1) % count
                } else {
                    (self.current + 1) % count
                };
                self.scroll_to_current = true;
                field.request_focus();
            }
            if !self.find.trim().is_empty() {
                let position = if count == 0 { 0 } else { self.current + 1 };
                ui.label(RichText::new(format!("{position} of {count}")).weak());
            }
        });
    }
}

/// One message: who and when, then the text (Markdown for prompts and answers; tool calls
/// and their results folded to one line; sub-agent messages indented).
fn message_ui(
    ui: &mut egui::Ui,
    message: &SessionMessage,
    markdown: &mut CommonMarkCache,
    is_match: bool,
    is_current: bool,
) -> egui::Response {
    let stroke = if is_current {
        egui::Stroke::new(2.0, theme::MATCH_HIGHLIGHT)
    } else if is_match {
        egui::Stroke::new(1.0, theme::MATCH_HIGHLIGHT)
    } else {
        egui::Stroke::NONE
    };
    let indent = if message.from_subagent { 24 } else { 0 };
    egui::Frame::new()
        .stroke(stroke)
        .inner_margin(egui::Margin {
            left: 4 + indent,
            right: 4,
            top: 2,
            bottom: 2,
        })
        .show(ui, |ui| {
            let when = message.at_ms.and_then(local_time).unwrap_or_default();
            let who = match message.role {
                MessageRole::User => "You".to_owned(),
                MessageRole::Assistant => message.model.clone().unwrap_or_else(|| "Agent".into()),
                MessageRole::ToolCall => {
                    format!("Tool: {}", message.tool_name.as_deref().unwrap_or("call"))
                }
                MessageRole::ToolResult => "Tool result".to_owned(),
                MessageRole::System => "Note".to_owned(),
            };
            let sub = message
                .subagent
                .as_deref()
                .map(|name| format!(" · sub-agent {name}"))
                .unwrap_or_default();
            match message.role {
                MessageRole::ToolCall | MessageRole::ToolResult => {
                    let first = message.text.lines().next().unwrap_or_default();
                    egui::CollapsingHeader::new(
                        RichText::new(format!("{who}{sub}: {first}")).weak(),
                    )
                    .id_salt(("message", message.ordinal))
                    .default_open(is_match)
                    .show(ui, |ui| {
                        ui.add(egui::Label::new(RichText::new(&message.text).monospace()).wrap());
                    });
                }
                _ => {
                    ui.label(
                        RichText::new(format!("{who}{sub} · {when}"))
                            .strong()
                            .color(role_color(message.role)),
                    );
                    CommonMarkViewer::new().show(ui, markdown, &message.text);
                }
            }
        })
        .response
}

fn role_color(role: MessageRole) -> Color32 {
    match role {
        MessageRole::User => theme::ACCENT,
        MessageRole::Assistant => theme::AGENT_CLAUDE,
        _ => theme::INFO,
    }
}
