//! Programs setting the clipboard (OSC 52), under the `clipboard_write` setting: allowed at
//! once, asked about, or refused; in every case the window says what happened, so no
//! program changes the clipboard silently.

use std::time::{Duration, Instant};

use spaces_term::PaneId;

use crate::model::settings::ClipboardWrite;
use crate::ui::clipboard::{Clipboard, Selection};
use crate::ui::theme;

/// How long the line saying a program set the clipboard stays.
const SHOWN_FOR: Duration = Duration::from_secs(6);
/// How much of the text an "ask" shows.
const PREVIEW_CHARS: usize = 80;

/// One write a program asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramWrite {
    pub pane: PaneId,
    pub primary: bool,
    pub text: String,
}

/// The clipboard writes of programs: the one waiting for an answer, and what to say.
#[derive(Default)]
pub struct ClipboardRequests {
    /// Waiting for the user (setting "ask"); a newer request replaces it.
    pending: Option<ProgramWrite>,
    /// What happened last, and when.
    status: Option<(String, Instant)>,
}

impl ClipboardRequests {
    /// A program in `pane` asked to set the clipboard.
    pub fn request(
        &mut self,
        policy: ClipboardWrite,
        write: ProgramWrite,
        clipboard: &mut Clipboard,
    ) {
        let what = describe(&write);
        match policy {
            ClipboardWrite::Allow => {
                self.say(format!("Pane {} set {what}", write.pane));
                apply(write, clipboard);
            }
            ClipboardWrite::Ask => self.pending = Some(write),
            ClipboardWrite::Deny => self.say(format!(
                "Pane {} tried to set {what}; refused (setting clipboard_write = \"deny\")",
                write.pane
            )),
        }
    }

    /// The write waiting for an answer, if any.
    pub fn pending(&self) -> Option<&ProgramWrite> {
        self.pending.as_ref()
    }

    /// The user's answer to the pending write.
    pub fn answer(&mut self, allow: bool, clipboard: &mut Clipboard) {
        let Some(write) = self.pending.take() else {
            return;
        };
        let what = describe(&write);
        if allow {
            self.say(format!("Pane {} set {what}", write.pane));
            apply(write, clipboard);
        } else {
            self.say(format!("Pane {} did not set {what}", write.pane));
        }
    }

    fn say(&mut self, text: String) {
        self.status = Some((text, Instant::now()));
    }

    /// The line to show now, if any (and asks for a frame when it is due to go).
    pub fn status(&mut self, ctx: &egui::Context) -> Option<&str> {
        let (_, at) = self.status.as_ref()?;
        let left = SHOWN_FOR.saturating_sub(at.elapsed());
        if left.is_zero() {
            self.status = None;
            return None;
        }
        ctx.request_repaint_after(left);
        self.status.as_ref().map(|(text, _)| text.as_str())
    }

    /// Draws the question and the status line in `ui`; the user's answer is applied here.
    pub fn show(&mut self, ui: &mut egui::Ui, clipboard: &mut Clipboard) {
        let mut answer = None;
        if let Some(write) = &self.pending {
            ui.horizontal(|ui| {
                ui.colored_label(
                    theme::WARNING,
                    format!(
                        "Pane {} wants to set {} to \"{}\"",
                        write.pane,
                        describe(write),
                        preview(&write.text)
                    ),
                );
                if ui.button("Allow").clicked() {
                    answer = Some(true);
                }
                if ui.button("Deny").clicked() {
                    answer = Some(false);
                }
            });
        }
        if let Some(allow) = answer {
            self.answer(allow, clipboard);
        }
        let ctx = ui.ctx().clone();
        if let Some(status) = self.status(&ctx) {
            ui.colored_label(theme::INFO, status);
        }
    }

    /// Whether there is anything to show.
    pub fn is_visible(&self) -> bool {
        self.pending.is_some() || self.status.is_some()
    }
}

fn apply(write: ProgramWrite, clipboard: &mut Clipboard) {
    let kind = if write.primary {
        Selection::Primary
    } else {
        Selection::Clipboard
    };
    clipboard.set(kind, write.text);
}

/// "the clipboard (12 characters)".
fn describe(write: &ProgramWrite) -> String {
    let target = if write.primary {
        "the primary selection"
    } else {
        "the clipboard"
    };
    format!("{target} ({} characters)", write.text.chars().count())
}

/// The start of the text on one line.
fn preview(text: &str) -> String {
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(PREVIEW_CHARS)
        .collect();
    if text.chars().count() > PREVIEW_CHARS {
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> ProgramWrite {
        ProgramWrite {
            pane: PaneId(3),
            primary: false,
            text: text.to_owned(),
        }
    }

    #[test]
    fn each_policy_does_what_it_says_and_says_it() {
        let ctx = egui::Context::default();
        let mut clipboard = Clipboard::new(false);
        let mut requests = ClipboardRequests::default();
        requests.request(ClipboardWrite::Deny, write("denied"), &mut clipboard);
        assert_eq!(clipboard.get(Selection::Clipboard), None);
        assert!(requests.status(&ctx).expect("said").contains("refused"));

        requests.request(ClipboardWrite::Ask, write("asked"), &mut clipboard);
        assert_eq!(
            clipboard.get(Selection::Clipboard),
            None,
            "not before the answer"
        );
        assert_eq!(requests.pending().map(|w| w.text.as_str()), Some("asked"));
        requests.answer(false, &mut clipboard);
        assert_eq!(clipboard.get(Selection::Clipboard), None);
        requests.request(ClipboardWrite::Ask, write("asked again"), &mut clipboard);
        requests.answer(true, &mut clipboard);
        assert_eq!(
            clipboard.get(Selection::Clipboard).as_deref(),
            Some("asked again")
        );

        requests.request(ClipboardWrite::Allow, write("allowed"), &mut clipboard);
        assert_eq!(
            clipboard.get(Selection::Clipboard).as_deref(),
            Some("allowed")
        );
        assert!(
            requests
                .status(&ctx)
                .expect("said")
                .contains("Pane 3 set the clipboard")
        );
    }

    #[test]
    fn the_preview_is_one_short_line() {
        assert_eq!(preview("a\nb"), "a b");
        assert_eq!(preview(&"x".repeat(100)).chars().count(), PREVIEW_CHARS + 1);
    }
}
