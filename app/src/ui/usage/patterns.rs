//! The analytics view's usage patterns: active time per workspace and per agent, and the
//! most-run shell commands.

use egui::RichText;
use spaces_store::usage::{ActiveTime, Activity};

/// "3 h 05 min" for a number of minutes.
fn duration_text(minutes: u64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("{minutes} min"),
        (hours, minutes) => format!("{hours} h {minutes:02} min"),
    }
}

/// Active time per workspace and per agent, and the most-run shell commands per workspace.
pub(super) fn patterns(ui: &mut egui::Ui, activity: &Activity) {
    ui.columns(3, |columns| {
        columns[0].heading("Active time by workspace");
        active_list(
            &mut columns[0],
            &activity.by_workspace,
            "No recorded activity.",
        );
        columns[1].heading("Active time by agent");
        active_list(&mut columns[1], &activity.by_agent, "No agent messages.");
        columns[2].heading("Most-run commands");
        if activity.commands.is_empty() {
            columns[2].label(RichText::new("No commands typed in shell panes.").weak());
        }
        let mut workspace = None;
        for count in &activity.commands {
            if workspace != Some(&count.workspace) {
                workspace = Some(&count.workspace);
                columns[2].label(RichText::new(&count.workspace).strong());
            }
            columns[2].label(format!("{}  ×{}", count.command, count.runs));
        }
    });
    ui.label(
        RichText::new(
            "Active time: five-minute spans with output or typing (workspaces), with \
             messages (agents).",
        )
        .weak(),
    );
    ui.label(
        RichText::new(
            "Commands: lines typed at shell prompts, by program; never what was typed with \
             echo off.",
        )
        .weak(),
    );
}

fn active_list(ui: &mut egui::Ui, times: &[ActiveTime], empty: &str) {
    if times.is_empty() {
        ui.label(RichText::new(empty).weak());
    }
    for time in times {
        ui.label(format!("{}: {}", time.name, duration_text(time.minutes)));
    }
}
