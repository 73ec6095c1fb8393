//! Usage patterns besides money: time spent per workspace and per agent (five-minute buckets
//! with output or typing, kept by the triggers of migration 0004) and the shell commands run
//! most in each workspace, rebuilt from the recorded input of shell panes. Input typed with
//! echo off is never recorded (the terminal decides), so it is never counted either.

use std::collections::HashMap;

use rusqlite::params;
use serde::Serialize;

use super::UsageQuery;
use super::report::millisecond_range;
use crate::database::Database;
use crate::error::Result;
use crate::sessions::Agent;

/// Length of an activity bucket.
pub const ACTIVITY_BUCKET_MS: i64 = 5 * 60 * 1000;

/// Active time of one workspace or agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActiveTime {
    pub name: String,
    /// Five-minute buckets with activity, times five.
    pub minutes: u64,
}

/// How often a program was run from the shell panes of a workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandCount {
    pub workspace: String,
    pub command: String,
    pub runs: u64,
}

/// The usage patterns of a range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// Most active first.
    pub by_workspace: Vec<ActiveTime>,
    pub by_agent: Vec<ActiveTime>,
    /// Per workspace (by name), its most-run commands, most first.
    pub commands: Vec<CommandCount>,
}

impl Database {
    /// Active time per workspace and agent in `query`'s range (agent filter applied), and the
    /// `top` most-run commands of each workspace.
    pub fn activity(&self, query: &UsageQuery, top: usize) -> Result<Activity> {
        let (lower, upper) = millisecond_range(query);
        let (first, last) = (
            lower.div_euclid(ACTIVITY_BUCKET_MS),
            upper.div_euclid(ACTIVITY_BUCKET_MS),
        );
        let minutes = |buckets: i64| buckets.max(0) as u64 * 5;
        let mut statement = self.connection().prepare_cached(
            "SELECT w.name, count(*) FROM workspace_activity a
             JOIN workspaces w ON w.id = a.workspace_id
             WHERE a.bucket >= ?1 AND a.bucket < ?2
             GROUP BY a.workspace_id ORDER BY 2 DESC, w.position",
        )?;
        let by_workspace = statement
            .query_map(params![first, last], |row| {
                Ok(ActiveTime {
                    name: row.get(0)?,
                    minutes: minutes(row.get(1)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut statement = self.connection().prepare_cached(
            "SELECT agent, count(*) FROM agent_activity
             WHERE bucket >= ?1 AND bucket < ?2 AND (?3 IS NULL OR agent = ?3)
             GROUP BY agent ORDER BY 2 DESC, agent",
        )?;
        let by_agent = statement
            .query_map(
                params![first, last, query.agent.map(Agent::as_str)],
                |row| {
                    Ok(ActiveTime {
                        name: row.get(0)?,
                        minutes: minutes(row.get(1)?),
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Activity {
            by_workspace,
            by_agent,
            commands: self.most_run_commands(lower, upper, top)?,
        })
    }

    fn most_run_commands(&self, lower: i64, upper: i64, top: usize) -> Result<Vec<CommandCount>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT i.pane_id, w.name, i.data FROM input_chunks i
             JOIN panes p ON p.id = i.pane_id JOIN workspaces w ON w.id = p.workspace_id
             WHERE p.is_shell = 1 AND i.created_at_ms >= ?1 AND i.created_at_ms < ?2
             ORDER BY i.pane_id, i.seq",
        )?;
        let mut rows = statement.query(params![lower, upper])?;
        let mut counts: HashMap<(String, String), u64> = HashMap::new();
        let mut pane = None;
        let mut lines = TypedLines::default();
        while let Some(row) = rows.next()? {
            let (id, workspace): (i64, String) = (row.get(0)?, row.get(1)?);
            if pane != Some(id) {
                pane = Some(id);
                lines = TypedLines::default();
            }
            let data: Vec<u8> = row.get(2)?;
            lines.feed(&data, &mut |line| {
                if let Some(command) = program_of(&line) {
                    *counts.entry((workspace.clone(), command)).or_default() += 1;
                }
            });
        }
        let mut counts: Vec<CommandCount> = counts
            .into_iter()
            .map(|((workspace, command), runs)| CommandCount {
                workspace,
                command,
                runs,
            })
            .collect();
        counts.sort_by(|a, b| {
            (&a.workspace, std::cmp::Reverse(a.runs), &a.command).cmp(&(
                &b.workspace,
                std::cmp::Reverse(b.runs),
                &b.command,
            ))
        });
        let mut kept: Vec<CommandCount> = Vec::new();
        for count in counts {
            let in_workspace = kept
                .iter()
                .rev()
                .take_while(|kept| kept.workspace == count.workspace)
                .count();
            if in_workspace < top {
                kept.push(count);
            }
        }
        Ok(kept)
    }
}

/// The program a command line runs: its first word after any `NAME=value` assignments, without
/// its directory. A line starting with a space is not counted (the shells' convention for
/// lines to keep out of history).
fn program_of(line: &str) -> Option<String> {
    if line.starts_with(' ') {
        return None;
    }
    let word = line.split_whitespace().find(|word| !is_assignment(word))?;
    let program = word.rsplit('/').next().unwrap_or(word);
    (!program.is_empty()).then(|| program.to_owned())
}

/// `NAME=value` before a command sets its environment.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Rebuilds the lines entered at a shell prompt from the bytes typed, as a line editor would
/// for plain typing, backspace, Ctrl+U and Ctrl+W. A line edited in ways the bytes alone do
/// not tell (cursor keys, history recall, Tab completion, Ctrl+R) is dropped rather than
/// guessed; Ctrl+C and Ctrl+D drop the line being typed. A paste counts as typed text.
#[derive(Default)]
struct TypedLines {
    line: Vec<u8>,
    unknown: bool,
    escape: Escape,
    csi: Vec<u8>,
}

#[derive(Default, PartialEq, Eq)]
enum Escape {
    #[default]
    None,
    /// After ESC.
    Start,
    /// Inside `ESC [`.
    Csi,
    /// After `ESC O`: one more byte.
    Ss3,
}

impl TypedLines {
    fn feed(&mut self, bytes: &[u8], entered: &mut impl FnMut(String)) {
        for &byte in bytes {
            match self.escape {
                Escape::Start => {
                    self.escape = match byte {
                        b'[' => Escape::Csi,
                        b'O' => Escape::Ss3,
                        _ => {
                            self.unknown = true;
                            Escape::None
                        }
                    };
                    self.csi.clear();
                    continue;
                }
                Escape::Csi => {
                    if (0x40..=0x7e).contains(&byte) {
                        self.escape = Escape::None;
                        // Bracketed paste marks are not edits; every other CSI is a key.
                        if !(byte == b'~' && (self.csi == b"200" || self.csi == b"201")) {
                            self.unknown = true;
                        }
                    } else {
                        self.csi.push(byte);
                    }
                    continue;
                }
                Escape::Ss3 => {
                    self.escape = Escape::None;
                    self.unknown = true;
                    continue;
                }
                Escape::None => {}
            }
            match byte {
                0x1b => self.escape = Escape::Start,
                b'\r' | b'\n' => {
                    if !self.unknown {
                        let line = String::from_utf8_lossy(&self.line);
                        if !line.trim().is_empty() {
                            entered(line.into_owned());
                        }
                    }
                    self.clear();
                }
                0x7f | 0x08 => {
                    // One character back, whole UTF-8 sequences at once.
                    while let Some(last) = self.line.pop() {
                        if last & 0xc0 != 0x80 {
                            break;
                        }
                    }
                }
                0x15 => self.line.clear(),
                0x17 => {
                    while self.line.last().is_some_and(|c| *c == b' ') {
                        self.line.pop();
                    }
                    while self.line.last().is_some_and(|c| *c != b' ') {
                        self.line.pop();
                    }
                }
                0x03 | 0x04 => self.clear(),
                0x00..=0x1f => self.unknown = true,
                _ => self.line.push(byte),
            }
        }
    }

    fn clear(&mut self) {
        self.line.clear();
        self.unknown = false;
    }
}

#[cfg(test)]
mod tests {
    use super::{TypedLines, program_of};

    fn lines(typed: &[&[u8]]) -> Vec<String> {
        let mut editor = TypedLines::default();
        let mut out = Vec::new();
        for bytes in typed {
            editor.feed(bytes, &mut |line| out.push(line));
        }
        out
    }

    #[test]
    fn typed_keys_make_lines() {
        assert_eq!(
            lines(&[
                b"g", b"i", b"t", b" ", b"s", b"t", b"x", b"\x7f", b"a", b"\r", b"ls\r"
            ]),
            ["git sta", "ls"]
        );
    }

    #[test]
    fn line_editing_keys_are_applied() {
        assert_eq!(lines(&[b"rm -rf /\x15cargo test\r"]), ["cargo test"]);
        assert_eq!(lines(&[b"make all\x17check\r"]), ["make check"]);
        assert_eq!(lines(&[b"caf\xc3\xa9\x7fe\r"]), ["cafe"]);
        assert_eq!(lines(&[b"sleep 100\x03", b"echo hi\r"]), ["echo hi"]);
    }

    #[test]
    fn lines_edited_beyond_the_bytes_are_dropped() {
        // History recall, cursor movement and completion change the line in ways the typed
        // bytes do not show.
        assert!(lines(&[b"\x1b[A\r"]).is_empty());
        assert!(lines(&[b"git sta\x1b[Dx\r"]).is_empty());
        assert!(lines(&[b"cd sr\t\r"]).is_empty());
        assert!(lines(&[b"\x1bOA\r"]).is_empty());
        // The next line is counted again.
        assert_eq!(lines(&[b"\x1b[A\r", b"ls\r"]), ["ls"]);
    }

    #[test]
    fn pastes_count_as_typed_lines() {
        assert_eq!(
            lines(&[b"\x1b[200~cargo build\rcargo test\x1b[201~\r"]),
            ["cargo build", "cargo test"]
        );
    }

    #[test]
    fn the_program_is_the_first_word_after_assignments() {
        assert_eq!(program_of("git status").as_deref(), Some("git"));
        assert_eq!(
            program_of("RUST_LOG=debug cargo run").as_deref(),
            Some("cargo")
        );
        assert_eq!(
            program_of("/usr/bin/python3 x.py").as_deref(),
            Some("python3")
        );
        assert_eq!(program_of(" secret-tool lookup"), None);
        assert_eq!(program_of("   "), None);
    }
}
