//! The strips along the bottom of a pane: "exited" with Restart and Close, and the restored
//! pane's offer to run its old command again (never run without the user asking).

use egui::{CornerRadius, Rect};
use spaces_term::PaneId;

use super::{BANNER_HEIGHT, PaneRequest};
use crate::ui::commands::Command;
use crate::ui::theme;

pub(super) fn rerun_banner(
    ui: &mut egui::Ui,
    rect: Rect,
    id: PaneId,
    command: &[String],
    requests: &mut Vec<PaneRequest>,
) {
    let mut child = banner(ui, rect);
    let line = crate::model::record::shell_join(command);
    let resumes = crate::model::agent_command::agent_of(command).is_some();
    let (said, button) = if resumes {
        (
            format!("Before the restart an agent ran here: `{line}` resumes its conversation."),
            "Resume conversation",
        )
    } else {
        (
            format!("Before the restart this pane ran `{line}`."),
            "Run again",
        )
    };
    child.label(egui::RichText::new(said).color(theme::BANNER_INFO));
    if child
        .button(button)
        .on_hover_text(Command::RerunCommand.shortcut_text())
        .clicked()
    {
        requests.push(PaneRequest::Rerun(id));
    }
    if child.button("Dismiss").clicked() {
        requests.push(PaneRequest::DismissRerun(id));
    }
}

/// Why a restored pane's conversation was not resumed.
pub(super) fn problem_banner(
    ui: &mut egui::Ui,
    rect: Rect,
    id: PaneId,
    problem: &str,
    requests: &mut Vec<PaneRequest>,
) {
    let mut child = banner(ui, rect);
    child.label(egui::RichText::new(problem).color(theme::WARNING));
    if child.button("Dismiss").clicked() {
        requests.push(PaneRequest::DismissRerun(id));
    }
}

pub(super) fn exit_banner(
    ui: &mut egui::Ui,
    rect: Rect,
    id: PaneId,
    message: &str,
    requests: &mut Vec<PaneRequest>,
) {
    let mut child = banner(ui, rect);
    child.label(egui::RichText::new(message).color(theme::BANNER_EXIT));
    if child
        .button("Restart")
        .on_hover_text(Command::RestartPane.shortcut_text())
        .clicked()
    {
        requests.push(PaneRequest::Restart(id));
    }
    if child
        .button("Close")
        .on_hover_text(Command::ClosePane.shortcut_text())
        .clicked()
    {
        requests.push(PaneRequest::Close(id));
    }
}

/// A strip along the bottom of the pane, laid out left to right.
fn banner(ui: &mut egui::Ui, rect: Rect) -> egui::Ui {
    let strip = Rect::from_min_max(
        egui::pos2(rect.left(), rect.bottom() - BANNER_HEIGHT),
        rect.max,
    );
    ui.painter()
        .rect_filled(strip, CornerRadius::ZERO, theme::BANNER_FILL);
    ui.new_child(
        egui::UiBuilder::new()
            .max_rect(strip.shrink2(egui::vec2(8.0, 4.0)))
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    )
}
