//! Key bindings the user changed in `config.toml`:
//!
//! ```toml
//! [keys]
//! split_right = "ctrl+shift+d"
//! close_pane = "none"          # no shortcut
//! ```
//!
//! Names are the commands' (`Command::name`, listed in the README); a shortcut is modifiers
//! (`ctrl`, `shift`, `alt`) and one key joined by `+`. The menus, the palette and the banners
//! show the shortcuts in force. A name or shortcut that cannot be read is reported and left
//! out; the rest apply.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::commands::Command;

/// The user's shortcuts by command (`None`: the command has none).
static OVERRIDES: RwLock<Option<HashMap<Command, Option<KeyboardShortcut>>>> = RwLock::new(None);

/// The user's shortcut for `command`, if they set one (`Some(None)`: they removed it).
pub fn override_for(command: Command) -> Option<Option<KeyboardShortcut>> {
    let overrides = OVERRIDES
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    overrides.as_ref()?.get(&command).copied()
}

/// Puts `keys` (from `config.toml`) in force; returns what could not be read.
pub fn apply(keys: &BTreeMap<String, String>) -> Vec<String> {
    let (overrides, problems) = read(keys);
    *OVERRIDES
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(overrides);
    problems
}

/// The overrides `keys` asks for, and a line for each entry that cannot be read.
fn read(
    keys: &BTreeMap<String, String>,
) -> (HashMap<Command, Option<KeyboardShortcut>>, Vec<String>) {
    let mut overrides = HashMap::new();
    let mut problems = Vec::new();
    for (name, text) in keys {
        let Some(command) = Command::ALL.iter().copied().find(|c| c.name() == *name) else {
            problems.push(format!("[keys] {name}: no such command"));
            continue;
        };
        match parse(text) {
            Ok(shortcut) => {
                overrides.insert(command, shortcut);
            }
            Err(problem) => problems.push(format!("[keys] {name} = {text:?}: {problem}")),
        }
    }
    (overrides, problems)
}

/// `"ctrl+shift+d"` as a shortcut; `"none"` as no shortcut.
pub fn parse(text: &str) -> Result<Option<KeyboardShortcut>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") || text.is_empty() {
        return Ok(None);
    }
    let mut modifiers = Modifiers::NONE;
    let parts: Vec<&str> = text.split('+').map(str::trim).collect();
    let (key_name, held) = match parts.split_last() {
        // "ctrl+shift++": the key is `+`.
        Some((last, held)) if last.is_empty() && text.ends_with("++") => {
            ("+", &held[..held.len() - 1])
        }
        Some((last, held)) => (*last, held),
        None => return Err("empty".to_owned()),
    };
    for modifier in held {
        match modifier.to_ascii_lowercase().as_str() {
            "ctrl" | "control" => modifiers.ctrl = true,
            "shift" => modifiers.shift = true,
            "alt" => modifiers.alt = true,
            other => return Err(format!("{other:?} is not ctrl, shift or alt")),
        }
    }
    let key = key_of(key_name).ok_or_else(|| format!("{key_name:?} is not a key"))?;
    if !modifiers.ctrl && !modifiers.alt && !modifiers.shift {
        return Err("a shortcut needs ctrl, alt or shift: plain keys belong to the pane".into());
    }
    Ok(Some(KeyboardShortcut::new(modifiers, key)))
}

/// A key by name as people write it: `d`, `F5`, `left`, `pgup`, `enter`, `=`, `,`.
fn key_of(name: &str) -> Option<Key> {
    let aliases: &[(&str, Key)] = &[
        ("left", Key::ArrowLeft),
        ("right", Key::ArrowRight),
        ("up", Key::ArrowUp),
        ("down", Key::ArrowDown),
        ("pgup", Key::PageUp),
        ("pgdn", Key::PageDown),
        ("pageup", Key::PageUp),
        ("pagedown", Key::PageDown),
        ("enter", Key::Enter),
        ("return", Key::Enter),
        ("esc", Key::Escape),
        ("=", Key::Equals),
        ("+", Key::Plus),
        ("-", Key::Minus),
        (",", Key::Comma),
        (".", Key::Period),
        ("[", Key::OpenBracket),
        ("]", Key::CloseBracket),
        ("/", Key::Slash),
        (";", Key::Semicolon),
    ];
    let lower = name.to_ascii_lowercase();
    if let Some((_, key)) = aliases.iter().find(|(alias, _)| *alias == lower) {
        return Some(*key);
    }
    let mut capitalised = lower.clone();
    if let Some(first) = capitalised.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    Key::from_name(name)
        .or_else(|| Key::from_name(&capitalised))
        .or_else(|| Key::from_name(&lower.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_read_as_people_write_them() {
        let ctrl_shift = Modifiers::CTRL | Modifiers::SHIFT;
        assert_eq!(
            parse("ctrl+shift+d"),
            Ok(Some(KeyboardShortcut::new(ctrl_shift, Key::D)))
        );
        assert_eq!(
            parse("Ctrl+Alt+Left"),
            Ok(Some(KeyboardShortcut::new(
                Modifiers::CTRL | Modifiers::ALT,
                Key::ArrowLeft
            )))
        );
        assert_eq!(
            parse("shift+F5"),
            Ok(Some(KeyboardShortcut::new(Modifiers::SHIFT, Key::F5)))
        );
        assert_eq!(
            parse("ctrl+shift+1"),
            Ok(Some(KeyboardShortcut::new(ctrl_shift, Key::Num1)))
        );
        assert_eq!(parse("none"), Ok(None));
        assert!(parse("d").is_err(), "a plain key belongs to the pane");
        assert!(parse("ctrl+hyper+d").is_err());
        assert!(parse("ctrl+shift+nokey").is_err());
    }

    #[test]
    fn names_and_shortcuts_that_cannot_be_read_are_reported_the_rest_apply() {
        let keys: BTreeMap<String, String> = [
            ("split_right", "ctrl+shift+d"),
            ("close_pane", "none"),
            ("teleport", "ctrl+shift+x"),
            ("new_tab", "ctrl+banana"),
        ]
        .into_iter()
        .map(|(name, text)| (name.to_owned(), text.to_owned()))
        .collect();
        let (overrides, problems) = read(&keys);
        assert_eq!(overrides.len(), 2);
        assert_eq!(overrides[&Command::ClosePane], None);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("teleport")));
        assert!(problems.iter().any(|p| p.contains("new_tab")));
    }
}
