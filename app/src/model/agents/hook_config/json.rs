//! Claude Code and Gemini CLI: hooks in `settings.json`.

use std::path::Path;

use serde_json::{Map, Value as Json};

use super::*;

pub(super) fn events(agent: HookAgent) -> &'static [&'static str] {
    match agent {
        HookAgent::Claude => CLAUDE_EVENTS,
        HookAgent::Gemini => GEMINI_EVENTS,
        // Codex has no settings.json hooks: `notify` instead.
        HookAgent::Codex => &[],
    }
}

/// How each of our hook commands ends, whatever the program path.
pub(super) fn command_suffix(agent: HookAgent) -> String {
    format!(" hooks event --agent {}", agent.name())
}

pub(super) fn hook_command(agent: HookAgent, program: &str) -> String {
    format!("{}{}", shell_quote(program), command_suffix(agent))
}

pub(super) fn is_our_hook(suffix: &str, hook: &Json) -> bool {
    hook.get("command")
        .and_then(Json::as_str)
        .is_some_and(|command| command.ends_with(suffix))
}

pub(super) fn parse_json(path: &Path, bytes: &[u8]) -> Result<Json, HookConfigError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Json::Object(Map::new()));
    }
    serde_json::from_slice(bytes).map_err(|error| HookConfigError::Invalid {
        path: path.to_path_buf(),
        format: "JSON",
        message: error.to_string(),
    })
}

/// The top level is an object, `hooks` (if any) an object, and each of our events in it (if
/// any) an array. Other keys of `hooks` are left alone whatever they hold.
pub(super) fn check_json_shape(
    agent: HookAgent,
    path: &Path,
    root: &Json,
) -> Result<(), HookConfigError> {
    let shape = |detail: String| HookConfigError::Shape {
        path: path.to_path_buf(),
        detail,
    };
    let Some(root) = root.as_object() else {
        return Err(shape("the top-level value is not an object".to_owned()));
    };
    let Some(hooks) = root.get("hooks") else {
        return Ok(());
    };
    let Some(hooks) = hooks.as_object() else {
        return Err(shape("`hooks` is not an object".to_owned()));
    };
    for event in events(agent) {
        if hooks.get(*event).is_some_and(|value| !value.is_array()) {
            return Err(shape(format!("`hooks.{event}` is not an array")));
        }
    }
    Ok(())
}

pub(super) fn hooks_of(root: &Json) -> Option<&Map<String, Json>> {
    root.get("hooks").and_then(Json::as_object)
}

/// Our hook objects in the event arrays of `hooks` whose name passes `event`.
pub(super) fn count_ours_json(
    agent: HookAgent,
    hooks: Option<&Map<String, Json>>,
    event: impl Fn(&str) -> bool,
) -> usize {
    let suffix = command_suffix(agent);
    hooks
        .into_iter()
        .flatten()
        .filter(|(name, _)| event(name))
        .filter_map(|(_, groups)| groups.as_array())
        .flatten()
        .filter_map(|group| group.get("hooks").and_then(Json::as_array))
        .flatten()
        .filter(|hook| is_our_hook(&suffix, hook))
        .count()
}

/// Each of our events holds exactly one of our hooks, with `command`; no other event holds any.
pub(super) fn json_up_to_date(
    agent: HookAgent,
    hooks: Option<&Map<String, Json>>,
    command: &str,
) -> bool {
    let Some(hooks) = hooks else {
        return false;
    };
    let suffix = command_suffix(agent);
    let events = events(agent);
    let current = |event: &&str| {
        let ours: Vec<&Json> = hooks
            .get(*event)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|group| group.get("hooks").and_then(Json::as_array))
            .flatten()
            .filter(|hook| is_our_hook(&suffix, hook))
            .collect();
        matches!(ours.as_slice(), [hook] if hook.get("command").and_then(Json::as_str) == Some(command))
    };
    events.iter().all(current)
        && count_ours_json(agent, Some(hooks), |name| !events.contains(&name)) == 0
}

/// Removes our hooks from an event array, and the groups that became empty by that.
/// Returns whether it removed any.
pub(super) fn strip_ours(suffix: &str, groups: &mut Vec<Json>) -> bool {
    let mut removed = false;
    groups.retain_mut(|group| {
        let Some(hooks) = group.get_mut("hooks").and_then(Json::as_array_mut) else {
            return true;
        };
        let before = hooks.len();
        hooks.retain(|hook| !is_our_hook(suffix, hook));
        if hooks.len() == before {
            return true;
        }
        removed = true;
        !hooks.is_empty()
    });
    removed
}

/// Removes our hooks from every event of `hooks`, and the event arrays that became empty by
/// that unless `keep` says so. Returns whether it removed any.
pub(super) fn strip_ours_everywhere(
    agent: HookAgent,
    hooks: &mut Map<String, Json>,
    keep: impl Fn(&str) -> bool,
) -> bool {
    let suffix = command_suffix(agent);
    let mut removed = false;
    let mut emptied = Vec::new();
    for (event, groups) in hooks.iter_mut() {
        if let Some(groups) = groups.as_array_mut()
            && strip_ours(&suffix, groups)
        {
            removed = true;
            if groups.is_empty() && !keep(event) {
                emptied.push(event.clone());
            }
        }
    }
    for event in emptied {
        hooks.shift_remove(&event);
    }
    removed
}

pub(super) fn to_pretty_json(path: &Path, root: &Json) -> Result<Vec<u8>, HookConfigError> {
    let mut bytes = serde_json::to_vec_pretty(root).map_err(|error| HookConfigError::Io {
        action: "serialize",
        path: path.to_path_buf(),
        source: error.into(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub(super) fn install_json(
    agent: HookAgent,
    file: &SettingsFile<'_>,
    program: &str,
) -> Result<Outcome, HookConfigError> {
    let mut root = match &file.original {
        Some(bytes) => parse_json(file.path, bytes)?,
        None => Json::Object(Map::new()),
    };
    check_json_shape(agent, file.path, &root)?;
    let command = hook_command(agent, program);
    if json_up_to_date(agent, hooks_of(&root), &command) {
        return Ok(Outcome::AlreadyInstalled);
    }
    let had_ours = count_ours_json(agent, hooks_of(&root), |_| true) > 0;

    let shape_error = || HookConfigError::Shape {
        path: file.path.to_path_buf(),
        detail: "`hooks` is not an object".to_owned(),
    };
    let hooks = root
        .as_object_mut()
        .ok_or_else(shape_error)?
        .entry("hooks")
        .or_insert_with(|| Json::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(shape_error)?;
    let events = events(agent);
    strip_ours_everywhere(agent, hooks, |event| events.contains(&event));
    let group = serde_json::json!({
        "matcher": "",
        "hooks": [{ "type": "command", "command": command }],
    });
    for event in events {
        if let Some(groups) = hooks
            .entry(*event)
            .or_insert_with(|| Json::Array(Vec::new()))
            .as_array_mut()
        {
            groups.push(group.clone());
        }
    }
    file.save_install(&to_pretty_json(file.path, &root)?, had_ours)?;
    Ok(Outcome::Installed)
}

pub(super) fn uninstall_json(
    agent: HookAgent,
    file: &SettingsFile<'_>,
) -> Result<Outcome, HookConfigError> {
    let Some(bytes) = &file.original else {
        return Ok(Outcome::NotInstalled);
    };
    let mut root = parse_json(file.path, bytes)?;
    check_json_shape(agent, file.path, &root)?;
    if count_ours_json(agent, hooks_of(&root), |_| true) == 0 {
        return Ok(Outcome::NotInstalled);
    }
    let backup = file.read_backup()?;
    let backup_root = backup
        .as_deref()
        .and_then(|bytes| parse_json(file.path, bytes).ok());
    let backup_hooks = backup_root.as_ref().and_then(|root| root.get("hooks"));

    if let Some(root) = root.as_object_mut() {
        let emptied = match root.get_mut("hooks").and_then(Json::as_object_mut) {
            Some(hooks) => {
                strip_ours_everywhere(agent, hooks, |event| {
                    backup_hooks.is_some_and(|hooks| hooks.get(event).is_some())
                });
                hooks.is_empty()
            }
            None => false,
        };
        if emptied && backup_hooks.is_none() {
            root.shift_remove("hooks");
        }
    }
    let restores_backup = backup_root.as_ref() == Some(&root);
    let empty = root.as_object().is_some_and(Map::is_empty);
    file.save_uninstall(
        &to_pretty_json(file.path, &root)?,
        backup.as_deref(),
        restores_backup,
        empty,
    )?;
    Ok(Outcome::Removed)
}
