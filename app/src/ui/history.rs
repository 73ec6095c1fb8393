//! The full-history view of a pane: every line it ever printed, read from the database on a
//! background thread (the UI never waits for SQL) and shown in a virtualised scroll area.

use std::path::Path;
use std::sync::{Arc, Mutex};

use spaces_term::PaneId;

use crate::model::threads::lock;

#[derive(Default)]
pub struct HistoryView {
    open: Option<OpenHistory>,
}

struct OpenHistory {
    pane: PaneId,
    title: String,
    loaded: Arc<Mutex<Loaded>>,
    filter: String,
    /// The filter takes the keyboard when the window opens.
    focus_filter: bool,
    /// The line to show and mark (an index into the lines), from a search hit.
    target: Option<usize>,
    /// The view was scrolled to `target` once its line had loaded.
    scrolled_to_target: bool,
}

#[derive(Default)]
struct Loaded {
    lines: Vec<String>,
    done: bool,
    error: Option<String>,
}

impl HistoryView {
    pub fn open(&mut self, database: &Path, pane: PaneId, title: String) {
        self.open_at(database, pane, title, None);
    }

    /// Opens the history of `pane` showing only the lines with `filter`.
    pub fn open_filtered(&mut self, database: &Path, pane: PaneId, title: String, filter: &str) {
        self.open_at(database, pane, title, None);
        if let Some(open) = &mut self.open {
            open.filter = filter.to_owned();
        }
    }

    /// Opens the history of `pane` scrolled to line `target` (an index into its lines),
    /// which is marked.
    pub fn open_at(&mut self, database: &Path, pane: PaneId, title: String, target: Option<usize>) {
        let loaded = Arc::new(Mutex::new(Loaded::default()));
        let filled = loaded.clone();
        let database = database.to_owned();
        let spawned = std::thread::Builder::new()
            .name("history-loader".into())
            .spawn(move || {
                let result = crate::model::history::read_lines(&database, pane, |batch| {
                    lock(&filled).lines.extend(batch);
                });
                let mut state = lock(&filled);
                state.done = true;
                state.error = result.err().map(|error| format!("{error:#}"));
            });
        if let Err(error) = spawned {
            lock(&loaded).error = Some(format!("could not start loading: {error}"));
        }
        self.open = Some(OpenHistory {
            pane,
            title,
            loaded,
            filter: String::new(),
            focus_filter: target.is_none(),
            target,
            scrolled_to_target: false,
        });
    }

    pub fn show(&mut self, ctx: &egui::Context) {
        let Some(history) = &mut self.open else {
            return;
        };
        let mut keep_open = true;
        let mut escape = false;
        egui::Window::new(format!(
            "Full history of pane {} ({})",
            history.pane, history.title
        ))
        .open(&mut keep_open)
        .default_size([900.0, 600.0])
        .show(ctx, |ui| {
            let state = lock(&history.loaded);
            ui.horizontal(|ui| {
                ui.label("Filter:");
                let field = ui.text_edit_singleline(&mut history.filter);
                if std::mem::take(&mut history.focus_filter) {
                    field.request_focus();
                }
                // Escape in the filter closes the window (the pane keeps its own Escape).
                escape =
                    field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Escape));
            });
            if let Some(error) = &state.error {
                ui.colored_label(crate::ui::theme::ERROR, error);
            }
            let filter = history.filter.to_lowercase();
            let shown: Vec<&String> = if filter.is_empty() {
                state.lines.iter().collect()
            } else {
                state
                    .lines
                    .iter()
                    .filter(|line| line.to_lowercase().contains(&filter))
                    .collect()
            };
            let status = if state.done { "" } else { " (loading…)" };
            let count = if filter.is_empty() {
                format!("{} lines{status}", state.lines.len())
            } else {
                format!(
                    "{} of {} lines match{status}",
                    shown.len(),
                    state.lines.len()
                )
            };
            ui.label(egui::RichText::new(count).weak());
            let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
            let spacing = ui.spacing().item_spacing.y;
            // The hit's line, once loaded and while no filter reorders the rows.
            let target = history
                .target
                .filter(|target| filter.is_empty() && *target < state.lines.len());
            let mut area = egui::ScrollArea::both()
                .auto_shrink(false)
                .stick_to_bottom(history.target.is_none());
            if let Some(target) = target
                && !history.scrolled_to_target
            {
                history.scrolled_to_target = true;
                let above = (target as f32 - 5.0).max(0.0);
                area = area.vertical_scroll_offset(above * (row_height + spacing));
            }
            area.show_rows(ui, row_height, shown.len(), |ui, rows| {
                for (index, line) in shown[rows.clone()].iter().enumerate() {
                    let text = egui::RichText::new(line.as_str()).monospace();
                    if target == Some(rows.start + index) {
                        ui.label(
                            text.background_color(crate::ui::theme::MATCH_HIGHLIGHT)
                                .color(crate::ui::theme::MATCH_TEXT),
                        );
                    } else {
                        ui.label(text);
                    }
                }
            });
            if !state.done {
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
            }
        });
        if !keep_open || escape {
            self.open = None;
        }
    }
}
