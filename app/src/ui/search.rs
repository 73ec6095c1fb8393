//! The search window (Ctrl+Shift+G, the sidebar's search box, the palette): one query over
//! every pane's terminal history, the workspaces' notes and the agents' sessions, run on a
//! background thread; hits grouped by workspace and pane. Choosing one opens it (the pane's
//! full history at that line, the notes, or the session).

use std::path::PathBuf;
use std::sync::Arc;

use egui::{Key, RichText};

use crate::model::search::{Hit, HitKind};
use crate::model::threads::Background;
use crate::ui::theme;

/// Hits of each kind asked for.
const LIMIT: usize = 200;

/// What the user chose among the hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchChoice {
    /// A line of a pane's history (1-based, as `spaces history` numbers it).
    History { pane: u64, line: u64 },
    /// The notes of a workspace (by name).
    Notes { workspace: String },
    /// An agent session (by id).
    Session { id: String },
}

/// What a search found, or why it failed.
type Found = Result<Vec<Hit>, String>;

pub struct SearchWindow {
    pub open: bool,
    query: String,
    focus: bool,
    data_dir: PathBuf,
    /// This window's recorder: flushed first, so a search finds what was printed just now.
    recorder: Option<spaces_store::Recorder>,
    /// Wakes the window's search indexer (the search waits for it to index what is new).
    wake_indexer: Option<Arc<dyn Fn() + Send + Sync>>,
    /// The query the results are for.
    searched: String,
    /// The search running, if one is.
    running: Option<Background<Found>>,
    /// What the last search found.
    found: Option<Found>,
}

impl SearchWindow {
    pub fn new(
        data_dir: PathBuf,
        recorder: Option<spaces_store::Recorder>,
        wake_indexer: Option<Arc<dyn Fn() + Send + Sync>>,
    ) -> Self {
        Self {
            open: false,
            query: String::new(),
            focus: false,
            data_dir,
            recorder,
            wake_indexer,
            searched: String::new(),
            running: None,
            found: None,
        }
    }

    /// The words the results are for.
    pub fn searched(&self) -> &str {
        &self.searched
    }

    /// Opens the window with the query field taking the keyboard.
    pub fn show_window(&mut self) {
        self.open = true;
        self.focus = true;
    }

    pub fn toggle(&mut self) {
        if self.open {
            self.open = false;
        } else {
            self.show_window();
        }
    }

    /// Starts searching `query` on a thread (replacing the results).
    pub fn search(&mut self, ctx: &egui::Context, query: &str) {
        self.query = query.to_owned();
        self.searched = query.trim().to_owned();
        self.found = None;
        self.running = None;
        if self.searched.is_empty() {
            return;
        }
        let data_dir = self.data_dir.clone();
        let query = self.searched.clone();
        let ctx = ctx.clone();
        let recorder = self.recorder.clone();
        let wake_indexer = self.wake_indexer.clone();
        let work = move || {
            if let Some(recorder) = recorder
                && let Err(error) = recorder.flush()
            {
                tracing::warn!(%error, "searching without the newest output");
            }
            let window_indexes = wake_indexer.is_some();
            if let Some(wake) = wake_indexer {
                wake();
            }
            crate::model::search::search(&data_dir, &query, LIMIT, window_indexes)
                .map_err(|error| format!("{error:#}"))
        };
        self.running = Some(Background::spawn(
            "search",
            work,
            move || ctx.request_repaint(),
            |error| Err(format!("could not start searching: {error}")),
        ));
    }

    /// Draws the window; returns the hit the user chose.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<SearchChoice> {
        if !self.open {
            return None;
        }
        if let Some(found) = self.running.as_ref().and_then(Background::take) {
            self.running = None;
            self.found = Some(found);
        }
        let mut chosen = None;
        let mut open = true;
        let mut run = None;
        egui::Window::new("Search everything")
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(crate::ui::theme::dialog_position(ctx))
            .id(egui::Id::unique("search-everything"))
            .open(&mut open)
            .default_size([760.0, 520.0])
            .show(ctx, |ui| {
                let field = ui.add(
                    egui::TextEdit::singleline(&mut self.query)
                        .hint_text("Words in any pane's history, notes or agent sessions")
                        .desired_width(f32::INFINITY),
                );
                if std::mem::take(&mut self.focus) {
                    field.request_focus();
                }
                if field.lost_focus() && ui.input(|input| input.key_pressed(Key::Enter)) {
                    run = Some(self.query.clone());
                }
                // A text field gives up the keyboard on Escape: that frame, close the window.
                if field.lost_focus() && ui.input(|input| input.key_pressed(Key::Escape)) {
                    self.open = false;
                }
                ui.separator();
                chosen = self.results(ui);
            });
        if let Some(query) = run {
            self.search(ctx, &query);
            self.focus = true;
        }
        if !open {
            self.open = false;
        }
        if chosen.is_some() {
            self.open = false;
        }
        chosen
    }

    /// The hits grouped under a header per workspace and pane (or notes, or sessions).
    fn results(&self, ui: &mut egui::Ui) -> Option<SearchChoice> {
        if self.searched.is_empty() {
            ui.label(RichText::new("Type words and press Enter.").weak());
            return None;
        }
        if self.running.is_some() {
            ui.label(RichText::new("Searching…").weak());
            return None;
        }
        let hits = match &self.found {
            Some(Ok(hits)) => hits,
            Some(Err(error)) => {
                ui.colored_label(theme::ERROR, error);
                return None;
            }
            None => return None,
        };
        if hits.is_empty() {
            ui.label(RichText::new(format!("Nothing matches \"{}\".", self.searched)).weak());
            return None;
        }
        let count = crate::model::workspace_transfer::count(hits.len() as u64, "hit");
        ui.label(RichText::new(count).weak());
        let mut chosen = None;
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                let mut header = String::new();
                for hit in hits {
                    let this = group(hit);
                    if this != header {
                        ui.add_space(6.0);
                        ui.label(RichText::new(&this).strong());
                        header = this;
                    }
                    let prefix = match hit.kind {
                        HitKind::Session => hit.agent.clone().unwrap_or_default(),
                        _ => hit.line.to_string(),
                    };
                    let row = ui.selectable_label(
                        false,
                        RichText::new(format!("{prefix:>6}  {}", hit.text)).monospace(),
                    );
                    if row.clicked() {
                        chosen = choice(hit);
                    }
                }
            });
        chosen
    }
}

/// The header a hit is listed under.
fn group(hit: &Hit) -> String {
    let workspace = hit.workspace.as_deref().unwrap_or("(no workspace)");
    match hit.kind {
        HitKind::Terminal => format!("{workspace} · pane {}", hit.pane.unwrap_or_default()),
        HitKind::Notes => format!("{workspace} · notes"),
        HitKind::Session => "Agent sessions".to_owned(),
    }
}

fn choice(hit: &Hit) -> Option<SearchChoice> {
    match hit.kind {
        HitKind::Terminal => Some(SearchChoice::History {
            pane: hit.pane?,
            line: hit.line,
        }),
        HitKind::Notes => Some(SearchChoice::Notes {
            workspace: hit.workspace.clone()?,
        }),
        HitKind::Session => Some(SearchChoice::Session {
            id: hit.session.clone()?,
        }),
    }
}
