//! Find in the focused pane (Ctrl+Shift+F): a bar at the top right; Enter finds the next
//! older match in the pane's screen and scrollback, Shift+Enter the next newer one. The match
//! is selected and scrolled into view. What the scrollback kept in memory no longer holds is
//! one click away: "Older history" opens the pane's full recorded history filtered by the
//! same words.

use egui::{Key, RichText};
use spaces_term::PaneId;
use spaces_term::alacritty_terminal;

use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::{Boundary, Direction, Line, Point, Side};
use alacritty_terminal::selection::{Selection, SelectionType};
use alacritty_terminal::term::search::{Match, RegexSearch};

use crate::model::Panes;

/// What the bar asks the window to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindRequest {
    /// Open the pane's full history filtered by these words.
    OlderHistory { pane: PaneId, query: String },
}

#[derive(Default)]
pub struct FindBar {
    pane: Option<PaneId>,
    query: String,
    focus: bool,
    /// The match shown, and the query it is for.
    current: Option<(String, Match)>,
    status: Option<String>,
}

impl FindBar {
    /// Opens the bar on `pane`, the field taking the keyboard.
    pub fn open(&mut self, pane: PaneId) {
        self.pane = Some(pane);
        self.focus = true;
        self.current = None;
        self.status = None;
    }

    pub fn is_open(&self) -> bool {
        self.pane.is_some()
    }

    /// Draws the bar; returns what the window should do.
    pub fn show(&mut self, ctx: &egui::Context, panes: &Panes) -> Option<FindRequest> {
        let pane = self.pane?;
        if panes.get(pane).is_none() {
            self.pane = None;
            return None;
        }
        let mut request = None;
        let mut find = None;
        let mut close = false;
        egui::Area::new(egui::Id::unique("find-in-pane"))
            .anchor(egui::Align2::RIGHT_TOP, [-24.0, 64.0])
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        let field = ui.add(
                            egui::TextEdit::singleline(&mut self.query)
                                .hint_text("Find in this pane")
                                .desired_width(220.0),
                        );
                        if std::mem::take(&mut self.focus) {
                            field.request_focus();
                        }
                        let (enter, shift, escape) = ui.input(|input| {
                            (
                                input.key_pressed(Key::Enter),
                                input.modifiers.shift,
                                input.key_pressed(Key::Escape),
                            )
                        });
                        if field.lost_focus() && enter {
                            find = Some(if shift {
                                Direction::Right
                            } else {
                                Direction::Left
                            });
                            self.focus = true;
                        }
                        if field.lost_focus() && escape {
                            close = true;
                        }
                        if ui.button("Older").on_hover_text("Enter").clicked() {
                            find = Some(Direction::Left);
                        }
                        if ui.button("Newer").on_hover_text("Shift+Enter").clicked() {
                            find = Some(Direction::Right);
                        }
                        if ui.button("Close").clicked() {
                            close = true;
                        }
                    });
                    if let Some(status) = &self.status {
                        ui.horizontal(|ui| {
                            ui.label(RichText::new(status).weak());
                            if ui.small_button("Older history…").clicked() {
                                request = Some(FindRequest::OlderHistory {
                                    pane,
                                    query: self.query.clone(),
                                });
                            }
                        });
                    }
                });
            });
        if let Some(direction) = find {
            self.find(panes, pane, direction);
        }
        if close {
            self.pane = None;
            if let Some(entry) = panes.get(pane) {
                entry.terminal.update(|term| term.selection = None);
            }
        }
        request
    }

    /// Finds the next match of the query from the current one (or from the bottom of the
    /// screen), selects it and scrolls it into view.
    fn find(&mut self, panes: &Panes, pane: PaneId, direction: Direction) {
        let query = self.query.trim().to_owned();
        let Some(entry) = panes.get(pane) else { return };
        if query.is_empty() {
            self.status = None;
            return;
        }
        let Ok(mut regex) = RegexSearch::new(&literal(&query)) else {
            self.status = Some("These words cannot be searched.".to_owned());
            return;
        };
        let previous = self
            .current
            .as_ref()
            .filter(|(words, _)| *words == query)
            .map(|(_, found)| found.clone());
        let found = entry.terminal.update(|term| {
            let origin = match (&previous, direction) {
                (Some(found), Direction::Left) => found.start().sub(term, Boundary::Grid, 1),
                (Some(found), Direction::Right) => found.end().add(term, Boundary::Grid, 1),
                (None, _) => Point::new(Line(term.screen_lines() as i32 - 1), term.last_column()),
            };
            let found = term.search_next(&mut regex, origin, direction, Side::Left, None)?;
            let mut selection = Selection::new(SelectionType::Simple, *found.start(), Side::Left);
            selection.update(*found.end(), Side::Right);
            term.selection = Some(selection);
            term.scroll_to_point(*found.start());
            Some(found)
        });
        self.status = match &found {
            Some(found) if found.start().line.0 < 0 => Some(format!(
                "Found {} lines above the screen.",
                -found.start().line.0
            )),
            Some(_) => Some("Found on the screen.".to_owned()),
            None => Some("No match in the scrollback kept in memory.".to_owned()),
        };
        self.current = found.map(|found| (query, found));
    }
}

/// The regex that matches `text` literally.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_searched_literally() {
        assert_eq!(literal("a.b (c)"), r"a\.b \(c\)");
        assert!(RegexSearch::new(&literal("src/main.rs:12 [x] *?")).is_ok());
    }
}
