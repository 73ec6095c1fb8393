//! End to end: workspaces made from the keyboard and from `spaces cli`, with colours, notes
//! and panes, survive a `kill -9`: the relaunched window has them all, each pane in its
//! workspace with its history, and shows the active workspace's colour.

use std::time::Duration;

use anyhow::{Context as _, Result, ensure};
use serde_json::Value;
use spaces_e2e::{Spaces, wait_until};

/// What `spaces cli workspace list --json` says, by name: (colour, active, panes).
fn workspaces(spaces: &Spaces) -> Result<Vec<(String, String, bool, u64)>> {
    let json: Value = serde_json::from_str(&spaces.cli(&["workspace", "list", "--json"])?)
        .context("workspace list is JSON")?;
    let list = json.as_array().context("an array")?;
    Ok(list
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap_or_default().to_owned(),
                w["color"].as_str().unwrap_or_default().to_owned(),
                w["active"].as_bool().unwrap_or(false),
                w["panes"].as_u64().unwrap_or(0),
            )
        })
        .collect())
}

/// The pane of workspace `name` (each has one here).
fn pane_in(spaces: &Spaces, name: &str) -> Result<u64> {
    spaces
        .list()?
        .into_iter()
        .find(|pane| pane.workspace == name)
        .map(|pane| pane.id)
        .with_context(|| format!("no pane in workspace {name}"))
}

#[test]
fn workspaces_with_colours_notes_and_panes_survive_kill_9() -> Result<()> {
    let mut spaces = Spaces::start()?;
    let first = spaces.first_pane()?;
    spaces.wait_for_prompt(first)?;

    // One from the CLI, one from the keyboard (Ctrl+Shift+Y, a name, Enter).
    spaces.cli(&["workspace", "new", "api", "--color", "#e5734c"])?;
    let api = pane_in(&spaces, "api")?;
    spaces.wait_for_prompt(api)?;
    spaces.run_command(api, "echo api-$((6*7))")?;
    spaces.wait_for_line(api, "api-42")?;
    spaces.cli(&[
        "workspace",
        "notes",
        "api",
        "--set",
        "# API\nmigrate the db",
    ])?;

    spaces.key(&["ctrl+shift+y"])?;
    spaces.type_text("web")?;
    spaces.key(&["Return"])?;
    let web = wait_until("a pane in workspace web", Duration::from_secs(20), || {
        Ok(pane_in(&spaces, "web").ok())
    })?;
    spaces.wait_for_prompt(web)?;
    // Notes typed into the notes panel (Ctrl+Shift+J gives it the keyboard).
    spaces.key(&["ctrl+shift+j"])?;
    spaces.type_text("web notes typed")?;

    // Bad input changes nothing and says why.
    for bad in [
        (
            vec!["cli", "workspace", "new", "api"],
            "already a workspace named",
        ),
        (vec!["cli", "workspace", "new", " "], "needs a name"),
        (
            vec!["cli", "workspace", "color", "api", "red"],
            "not a colour",
        ),
        (
            vec!["cli", "workspace", "switch", "missing"],
            "no workspace named",
        ),
    ] {
        let output = spaces.cli_output(&bad.0)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(
            output.status.code() == Some(1) && stderr.contains(bad.1),
            "{:?}: {} {stderr}",
            bad.0,
            output.status
        );
    }

    // The active workspace's colour is drawn (the bar under the menu, its sidebar dot).
    spaces.cli(&["workspace", "switch", "api"])?;
    wait_until("the api colour on screen", Duration::from_secs(20), || {
        let drawn = spaces.pixels()?.count_near([0xe5, 0x73, 0x4c], 2);
        Ok((drawn > 1_000).then_some(drawn))
    })?;
    spaces.screenshot("workspaces-before-kill")?;
    let before = workspaces(&spaces)?;
    ensure!(before.len() == 3, "{before:?}");

    // Durable within a second: give the notes typed last their second, then kill -9.
    wait_until("the typed notes saved", Duration::from_secs(20), || {
        let notes = spaces.cli(&["workspace", "notes", "web"])?;
        Ok(notes.contains("web notes typed").then_some(()))
    })?;
    std::thread::sleep(Duration::from_millis(1_500));
    spaces.kill9()?;
    spaces.restart()?;

    let after = wait_until("the workspaces back", Duration::from_secs(30), || {
        // The window answers once it is up; until then `workspace list` fails.
        Ok(workspaces(&spaces).ok())
    })?;
    let strip = |list: &[(String, String, bool, u64)]| -> Vec<(String, String, bool)> {
        list.iter()
            .map(|(name, color, active, _)| (name.clone(), color.clone(), *active))
            .collect()
    };
    ensure!(strip(&after) == strip(&before), "{after:?} vs {before:?}");
    ensure!(
        after.iter().all(|(_, _, _, panes)| *panes == 1),
        "one pane in each: {after:?}"
    );
    ensure!(
        spaces.cli(&["workspace", "notes", "api"])? == "# API\nmigrate the db\n",
        "api notes"
    );
    ensure!(
        spaces
            .cli(&["workspace", "notes", "web"])?
            .contains("web notes typed"),
        "web notes"
    );
    let api = pane_in(&spaces, "api")?;
    spaces.wait_for_text(api, "api-42")?;
    spaces.screenshot("workspaces-after-kill")?;

    // A line printed in a workspace that is then archived is found by `spaces search`, at
    // the line `spaces history` has it on.
    spaces.run_command(api, "echo archived-$((6*7))-needle")?;
    spaces.wait_for_line(api, "archived-42-needle")?;
    spaces.cli(&["workspace", "archive", "api"])?;
    let output = spaces.cli_output(&["search", "archived-42-needle", "--json"])?;
    ensure!(output.status.success(), "search failed: {output:?}");
    let hits: Value = serde_json::from_slice(&output.stdout).context("search JSON")?;
    let hit = hits
        .as_array()
        .context("an array")?
        .iter()
        .find(|hit| hit["text"] == "archived-42-needle")
        .with_context(|| format!("the printed line among {hits}"))?;
    ensure!(
        hit["kind"] == "terminal" && hit["workspace"] == "api" && hit["pane"] == api,
        "{hit}"
    );
    let line = hit["line"].as_u64().context("a line number")?;
    let history = spaces.history(api)?;
    let at = history.lines().nth(usize::try_from(line)? - 1);
    ensure!(
        at == Some("archived-42-needle"),
        "history line {line} is {at:?}"
    );
    Ok(())
}
