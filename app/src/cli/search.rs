//! `spaces search QUERY`: prints what [`crate::model::search`] finds, grouped by workspace
//! and pane, or as JSON.

use std::io::IsTerminal as _;
use std::path::Path;

use clap::Args;

use crate::model::search::{Hit, HitKind, search};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find, all on one line (case-insensitive; a word matches at the start of a
    /// word: `refus` finds `refused`).
    #[arg(required = true)]
    pub query: Vec<String>,
    /// Print a JSON array of hits.
    #[arg(long)]
    pub json: bool,
    /// At most this many hits of each kind (terminal lines, notes lines, sessions).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

pub fn run(data_dir: &Path, args: &SearchArgs) -> anyhow::Result<()> {
    let query = args.query.join(" ");
    // A running window indexes what its panes print; ask it to start now, the search waits
    // for it (without a window there is nobody to ask).
    let window_indexes =
        crate::control::send_request(data_dir, &crate::control::Request::IndexNow).is_ok();
    let hits = search(data_dir, &query, args.limit, window_indexes)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
    } else {
        print_grouped(&hits, &query);
    }
    Ok(())
}

/// A header per workspace and pane (or notes, or sessions), then `line: text`.
fn print_grouped(hits: &[Hit], query: &str) {
    let colour = std::io::stdout().is_terminal();
    let mut header = String::new();
    for hit in hits {
        let this = match hit.kind {
            HitKind::Terminal => format!(
                "{} · pane {}",
                hit.workspace.as_deref().unwrap_or("(no workspace)"),
                hit.pane.unwrap_or_default()
            ),
            HitKind::Notes => format!(
                "{} · notes",
                hit.workspace.as_deref().unwrap_or("(no workspace)")
            ),
            HitKind::Session => "agent sessions".to_owned(),
        };
        if this != header {
            println!("{this}");
            header = this;
        }
        let text = marked(&hit.text, query, colour);
        match (hit.kind, &hit.agent, &hit.session) {
            (HitKind::Session, Some(agent), Some(session)) => {
                println!("  {agent} {session}: {text}");
            }
            _ => println!("  {}: {text}", hit.line),
        }
    }
    if hits.is_empty() {
        eprintln!("no match");
    }
}

/// `text` with each occurrence of the query's words in bold red on a terminal.
fn marked(text: &str, query: &str, colour: bool) -> String {
    if !colour {
        return text.to_owned();
    }
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // Lowercasing changed byte positions: leave the text unmarked rather than cut it.
        return text.to_owned();
    }
    let mut marks = vec![false; text.len()];
    for word in query.split_whitespace().map(str::to_lowercase) {
        for (at, _) in lower.match_indices(word.as_str()) {
            marks[at..at + word.len()]
                .iter_mut()
                .for_each(|mark| *mark = true);
        }
    }
    let mut out = String::new();
    let mut inside = false;
    for (at, character) in text.char_indices() {
        if marks[at] != inside {
            out.push_str(if marks[at] { "\x1b[1;31m" } else { "\x1b[0m" });
            inside = marks[at];
        }
        out.push(character);
    }
    if inside {
        out.push_str("\x1b[0m");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked_on_a_terminal_only() {
        assert_eq!(marked("Error here", "error", false), "Error here");
        assert_eq!(
            marked("Error here", "error", true),
            "\x1b[1;31mError\x1b[0m here"
        );
    }
}
