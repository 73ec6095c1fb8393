//! Find in the focused pane (Ctrl+Shift+F): a bar at the top right; Enter finds the next
//! older match in the pane's screen and scrollback, Shift+Enter the next newer one. The match
//! is selected and scrolled into view, and every match in view is highlighted as you type.
//! "Aa" makes the search case-sensitive (otherwise it is, as in vim, only when the words hold
//! a capital letter); ".*" takes the words as a regular expression. What the scrollback kept in memory no longer holds is
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
    case_sensitive: bool,
    regex: bool,
    /// The search built from the query and the toggles, and what it was built from.
    search: Option<(SearchKey, RegexSearch)>,
}

/// What a search was built from: it is rebuilt only when one of these changes.
#[derive(Clone, PartialEq, Eq)]
struct SearchKey {
    query: String,
    case_sensitive: bool,
    regex: bool,
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
                        ui.toggle_value(&mut self.case_sensitive, "Aa")
                            .on_hover_text("Match case");
                        ui.toggle_value(&mut self.regex, ".*")
                            .on_hover_text("Regular expression");
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

    /// The pane and search whose matches its view highlights, while the bar is open with
    /// words in it.
    pub fn highlight(&mut self) -> Option<(PaneId, &mut RegexSearch)> {
        let pane = self.pane?;
        let key = SearchKey {
            query: self.query.trim().to_owned(),
            case_sensitive: self.case_sensitive,
            regex: self.regex,
        };
        if key.query.is_empty() {
            return None;
        }
        let stale = self.search.as_ref().is_none_or(|(built, _)| *built != key);
        if stale {
            self.search = build_search(&key).ok().map(|search| (key, search));
        }
        self.search.as_mut().map(|(_, search)| (pane, search))
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
        let key = SearchKey {
            query: query.clone(),
            case_sensitive: self.case_sensitive,
            regex: self.regex,
        };
        let mut regex = match build_search(&key) {
            Ok(regex) => regex,
            Err(problem) => {
                self.status = Some(problem);
                return;
            }
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

/// Every match in the lines `term` shows now (top to bottom), at most `limit`.
pub fn visible_matches<T>(
    term: &alacritty_terminal::Term<T>,
    regex: &mut RegexSearch,
    limit: usize,
) -> Vec<Match> {
    let offset = term.grid().display_offset() as i32;
    let top = Point::new(Line(-offset), alacritty_terminal::index::Column(0));
    let bottom = Point::new(
        Line(term.screen_lines() as i32 - 1 - offset),
        term.last_column(),
    );
    alacritty_terminal::term::search::RegexIter::new(top, bottom, Direction::Right, term, regex)
        .take(limit)
        .collect()
}

/// The search for `key`: the words literally or as a regular expression, with the case
/// rule the toggle says.
fn build_search(key: &SearchKey) -> Result<RegexSearch, String> {
    let pattern = if key.regex {
        key.query.clone()
    } else {
        literal(&key.query)
    };
    // Without the toggle, the search is case-sensitive only when the words hold a capital
    // letter (alacritty's rule, vim's smartcase); with it, always.
    let has_capital = key.query.chars().any(char::is_uppercase);
    let flags = if key.case_sensitive && !has_capital {
        "(?-i)"
    } else {
        ""
    };
    RegexSearch::new(&format!("{flags}{pattern}")).map_err(|_| {
        if key.regex {
            "Not a regular expression this search understands.".to_owned()
        } else {
            "These words cannot be searched.".to_owned()
        }
    })
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

    #[test]
    fn toggles_make_the_search_a_regex_or_case_sensitive() {
        let key = |query: &str, case_sensitive: bool, regex: bool| SearchKey {
            query: query.to_owned(),
            case_sensitive,
            regex,
        };
        assert!(build_search(&key("(unclosed", false, true)).is_err());
        assert!(build_search(&key("(unclosed", false, false)).is_ok());

        let size = spaces_term::TermSize::new(40, 4);
        let mut term = alacritty_terminal::Term::new(
            alacritty_terminal::term::Config::default(),
            &size,
            alacritty_terminal::event::VoidListener,
        );
        let mut parser: alacritty_terminal::vte::ansi::Processor =
            alacritty_terminal::vte::ansi::Processor::new();
        parser.advance(&mut term, b"Error error ERROR\r\nerr0r a.b axb\r\n");
        let count = |query: &str, case_sensitive: bool, regex: bool| {
            let mut search = build_search(&key(query, case_sensitive, regex)).expect("search");
            visible_matches(&term, &mut search, 100).len()
        };
        // Lower-case words find every case; the toggle makes them exact.
        assert_eq!(count("error", false, false), 3);
        assert_eq!(count("error", true, false), 1);
        // A capital letter makes the search exact by itself.
        assert_eq!(count("ERROR", false, false), 1);
        // Literal words against a regular expression.
        assert_eq!(count("a.b", false, false), 1);
        assert_eq!(count("a.b", false, true), 2);
        assert_eq!(count("err[0o]r", false, true), 4);
    }
}
