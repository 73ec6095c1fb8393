//! UI tests of workspaces: created, renamed, recoloured, reordered, switched, given notes,
//! archived and unarchived through the sidebar, the menus, the palette and the keyboard, then
//! brought back by a relaunch.

#[path = "support/window.rs"]
mod window;

use egui::{Event, Key, Modifiers};
use egui_kittest::kittest::Queryable as _;
use spaces_app::model::workspace_input::PALETTE;
use window::Window;

fn active_name(window: &Window) -> String {
    window.app().workspaces().active().name.clone()
}

fn sidebar_order(window: &Window) -> Vec<String> {
    window
        .app()
        .workspaces()
        .visible()
        .map(|record| record.name.clone())
        .collect()
}

/// Types into the field that has the keyboard and presses Enter.
fn type_name(window: &mut Window, text: &str) {
    window.harness.run_steps(2);
    window.harness.event(Event::Text(text.to_owned()));
    window.harness.step();
    window.harness.key_press(Key::Enter);
    window.harness.step();
    window.harness.run_steps(2);
}

#[test]
fn workspaces_are_created_renamed_recoloured_reordered_switched_archived_and_come_back() {
    let mut window = Window::open();
    assert_eq!(active_name(&window), "default");

    // Create: Ctrl+Shift+Y opens the name field; the new workspace is shown with a shell.
    window.shortcut(Key::Y);
    type_name(&mut window, "api");
    assert_eq!(active_name(&window), "api");
    let api = window.app().workspaces().active_id();
    window.wait_for("a shell in the new workspace", |w| {
        w.app().panes().ids_in(api).len() == 1 && !w.screen().trim().is_empty()
    });
    assert_eq!(
        window.app().panes().len(),
        2,
        "the first workspace's pane runs on"
    );

    // A duplicate name is refused with a message, and nothing changes.
    window.shortcut(Key::Y);
    type_name(&mut window, "API");
    assert!(window.has_label_containing("already a workspace named"));
    assert_eq!(sidebar_order(&window), ["default", "api"]);

    // Rename from the palette: the field starts with the old name.
    window.shortcut(Key::P);
    window
        .harness
        .event(Event::Text("rename this workspace".into()));
    window.harness.key_press(Key::Enter);
    window.harness.step();
    window
        .harness
        .key_press_modifiers(Modifiers::COMMAND, Key::A);
    type_name(&mut window, "backend");
    assert_eq!(active_name(&window), "backend");

    // Recolour from the row's menu.
    window.harness.get_by_label("backend").click_secondary();
    window.harness.run_steps(2);
    window.harness.get_by_label_contains("Colour").hover();
    window.harness.run_steps(2);
    window.harness.get_by_label(PALETTE[2]).click();
    window.harness.run_steps(2);
    assert_eq!(window.app().workspaces().active().color, PALETTE[2]);

    // Reorder: drag "backend" onto the first row.
    let from = window.harness.get_by_label("backend").rect().center();
    let to = window.harness.get_by_label("default").rect().center();
    window.drag(from, to);
    assert_eq!(sidebar_order(&window), ["backend", "default"]);

    // Switch with Ctrl+2 and Ctrl+1; each workspace keeps its own panes.
    window
        .harness
        .key_press_modifiers(Modifiers::CTRL, Key::Num2);
    window.harness.run_steps(2);
    assert_eq!(active_name(&window), "default");
    window.type_line("echo in-default");
    window.wait_for("output in the default workspace", |w| {
        w.screen().contains("in-default")
    });
    window
        .harness
        .key_press_modifiers(Modifiers::CTRL, Key::Num1);
    window.harness.run_steps(2);
    assert_eq!(active_name(&window), "backend");
    assert!(!window.screen().contains("in-default"));

    // And from the palette.
    window.shortcut(Key::P);
    window
        .harness
        .event(Event::Text("switch to workspace default".into()));
    window.harness.key_press(Key::Enter);
    window.harness.run_steps(2);
    assert_eq!(active_name(&window), "default");
    window
        .harness
        .key_press_modifiers(Modifiers::CTRL, Key::Num1);
    window.harness.run_steps(2);
    assert_eq!(active_name(&window), "backend");

    // Notes: typed into the notes panel, kept on the workspace.
    window.shortcut(Key::J);
    window.harness.event(Event::Text("# Plan\nship it".into()));
    window.harness.run_steps(2);
    assert_eq!(window.app().workspaces().active().notes, "# Plan\nship it");

    // Archive from the menu: its shell ends, the other workspace is shown.
    window.click("Workspace");
    window
        .harness
        .get_by_label_contains("Archive this workspace")
        .click();
    window.harness.run_steps(3);
    assert_eq!(active_name(&window), "default");
    assert_eq!(window.app().panes().ids_in(api).len(), 0);
    assert!(window.has_label("Archived (1)"));

    // Unarchive from the Archived section: back with a fresh shell, notes kept.
    window.click("Archived (1)");
    window.harness.get_by_label("backend").click_secondary();
    window.harness.run_steps(2);
    window.click("Unarchive");
    assert_eq!(active_name(&window), "backend");
    window.wait_for("a fresh shell in the unarchived workspace", |w| {
        w.app().panes().ids_in(api).len() == 1
    });
    assert_eq!(window.app().workspaces().active().notes, "# Plan\nship it");

    // A relaunch brings back both, in their order, with colours and notes.
    window.harness.state_mut().save_and_stop_recording();
    let window::Window { harness, _data_dir } = window;
    drop(harness);
    let again = Window::open_in(_data_dir);
    assert_eq!(sidebar_order(&again), ["backend", "default"]);
    assert_eq!(active_name(&again), "backend");
    let backend = again.app().workspaces().active();
    assert_eq!(backend.color, PALETTE[2]);
    assert_eq!(backend.notes, "# Plan\nship it");
    assert_eq!(again.app().panes().len(), 2, "one pane in each");
}

#[test]
fn a_search_hit_opens_the_panes_history_at_its_line() {
    let mut window = Window::open();
    window.type_line(
        "i=0; while [ $i -lt 120 ]; do i=$((i+1)); echo filler-$i; done; echo needle-$((6*7))",
    );
    window.wait_for("the needle printed", |w| w.screen().contains("needle-42"));

    // Ctrl+Shift+G, the words, Enter: hits grouped under the workspace and pane.
    window.shortcut(Key::G);
    type_name(&mut window, "needle-42");
    window.wait_for("the search's hits", |w| {
        assert!(!w.has_label_containing("Nothing matches"), "no hit");
        w.has_label_containing("default · pane")
    });
    // The echoed command has `needle-$((6*7))`: only the printed line reads needle-42.
    window.harness.get_by_label_contains("  needle-42").click();
    window.harness.run_steps(3);

    // The history opens at that line, after 120 filler lines, and shows it.
    window.wait_for("the history at the hit's line", |w| {
        w.has_label_containing("Full history of pane") && w.has_label("needle-42")
    });
    assert!(
        !window.has_label("filler-1"),
        "the view starts near the hit, not at the top"
    );
}

#[test]
fn a_workspace_root_environment_and_worktree_reach_its_new_panes() {
    let repo = tempfile::tempdir().expect("repo dir");
    let root = repo.path().join("project");
    std::fs::create_dir(&root).expect("root");
    std::fs::write(root.join(".env"), "FROM_FILE=dotenv\nSHARED=file\n").expect(".env");
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(args)
            .status();
        status.is_ok_and(|status| status.success())
    };
    let has_git = git(&["init", "-q", "-b", "main"])
        && git(&[
            "-c",
            "user.email=t@e",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "first",
        ]);

    let mut window = Window::open();
    let id = window.app().workspaces().active_id();
    let app = window.harness.state_mut();
    assert!(app.set_workspace_setup(id, "relative/path", "").is_err());
    assert!(
        app.set_workspace_setup(id, &root.to_string_lossy(), "bad line")
            .is_err()
    );
    app.set_workspace_setup(id, &root.to_string_lossy(), "SHARED=workspace\n")
        .expect("a good setup");
    window.shortcut(Key::T);
    window.type_line("echo \"$FROM_FILE/$SHARED/$(basename $PWD)\"");
    window.wait_for("the new pane in the root with the environment", |w| {
        w.screen().contains("dotenv/workspace/project")
    });

    if !has_git {
        eprintln!("git is not installed: the worktree part is not checked");
        return;
    }
    let pane = window
        .harness
        .state_mut()
        .new_worktree_pane(id, "task-1")
        .expect("a worktree pane");
    assert_eq!(window.focused(), pane);
    window.type_line("git branch --show-current; basename $PWD");
    window.wait_for("the pane in the worktree on its branch", |w| {
        w.screen().contains("task-1\ntask-1")
    });
    assert_eq!(window.app().workspaces().worktrees_of(id).count(), 1);
    let path = repo.path().join("project.worktrees").join("task-1");
    window
        .harness
        .state_mut()
        .remove_worktree(id, &path.to_string_lossy())
        .expect("removed");
    assert!(!path.exists());
    assert_eq!(window.app().workspaces().worktrees_of(id).count(), 0);
}

#[test]
fn the_workspace_menu_exports_a_workspace_and_imports_it_back_as_archived() {
    let mut window = Window::open();
    window.type_line("echo exported-$((6*7))");
    window.wait_for("the output", |w| w.screen().contains("exported-42"));
    let file = tempfile::tempdir().expect("dir");
    let path = file.path().join("default.spaces-workspace");

    let run_dialog = |window: &mut Window, command: &str, button: &str, done: &str| {
        window.shortcut(Key::P);
        type_name(window, command);
        window.text_field_right_of_sidebar().click();
        window.harness.run_steps(2);
        window
            .harness
            .key_press_modifiers(Modifiers::COMMAND, Key::A);
        window
            .harness
            .event(Event::Text(path.to_string_lossy().into_owned()));
        window.harness.run_steps(2);
        window.click(button);
        window.wait_for(done, |w| w.has_label_containing(done));
    };
    run_dialog(
        &mut window,
        "export this workspace",
        "Export",
        "exported workspace",
    );
    assert!(path.is_file());
    window.harness.get_by_label("Close window").click();
    window.harness.run_steps(2);

    run_dialog(
        &mut window,
        "import a workspace",
        "Import",
        "imported workspace",
    );
    let archived: Vec<String> = window
        .app()
        .workspaces()
        .archived()
        .map(|record| record.name.clone())
        .collect();
    assert_eq!(archived, ["default (2)"]);
}
