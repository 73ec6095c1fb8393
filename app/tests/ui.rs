//! UI tests: the whole Spaces window in an egui_kittest harness, driven by keys, clicks and drags
//! as a user would, with real `/bin/sh` panes behind it.

#[path = "support/window.rs"]
mod window;

use std::time::Duration;

use egui::{Event, Key, Pos2, Rect, Vec2};
use egui_kittest::kittest::Queryable as _;
use spaces_app::ui::layout::{panes, visible_panes};
use spaces_term::PaneId;
use tempfile::TempDir;
use window::{Window, is_above, is_left_of};

#[test]
fn split_shortcuts_place_the_new_pane_beside_and_below() {
    let mut window = Window::open();
    let first = window.focused();

    window.shortcut(Key::E);
    assert_eq!(window.pane_count(), 2);
    let second = window.focused();
    assert_ne!(second, first, "the new pane takes focus");
    let visible = visible_panes(window.app().tree());
    assert!(visible.contains(&first) && visible.contains(&second));
    assert!(is_left_of(window.rect(first), window.rect(second)));

    window.shortcut(Key::O);
    assert_eq!(window.pane_count(), 3);
    let third = window.focused();
    assert!(third != first && third != second);
    assert_eq!(visible_panes(window.app().tree()).len(), 3);
    assert!(is_above(window.rect(second), window.rect(third)));
    assert!(is_left_of(window.rect(first), window.rect(third)));
}

#[test]
fn closing_panes_moves_focus_and_the_empty_window_offers_a_new_shell() {
    let mut window = Window::open();
    let first = window.focused();
    window.shortcut(Key::E);
    let second = window.focused();

    window.shortcut(Key::W);
    assert_eq!(window.pane_count(), 1);
    assert_eq!(window.app().focused(), Some(first));
    assert!(window.app().panes().get(second).is_none());

    window.shortcut(Key::W);
    assert_eq!(window.pane_count(), 0);
    assert_eq!(window.app().focused(), None);
    // The welcome view: a new shell, the directories of closed panes, the shortcuts.
    let button = "New pane (a shell)";
    assert!(window.has_label(button));
    assert!(window.has_label("Recent directories"));
    assert!(window.has_label_containing("Ctrl+Shift+P"));

    window.click(button);
    assert_eq!(window.pane_count(), 1);
    let fresh = window.focused();
    assert!(
        fresh != first && fresh != second,
        "a new pane, not an old one"
    );
    assert!(!window.has_label(button));
}

#[test]
fn closing_a_pane_where_a_program_runs_asks_first() {
    let mut window = Window::open();
    window.shortcut(Key::E);
    let pane = window.focused();
    window.type_line("sleep 100");
    window.wait_for("sleep in the foreground", |w| {
        w.app()
            .panes()
            .get(pane)
            .and_then(|entry| entry.foreground_command())
            .is_some_and(|command| command.first().is_some_and(|p| p.ends_with("sleep")))
    });
    window.shortcut(Key::W);
    assert!(window.has_label_containing("sleep is still running"));
    assert!(window.app().panes().get(pane).is_some(), "not closed yet");
    window.click("Cancel");
    assert!(window.app().panes().get(pane).is_some(), "kept");

    window.shortcut(Key::W);
    window.click("Close the pane");
    assert!(
        window.app().panes().get(pane).is_none(),
        "closed when confirmed"
    );
}

#[test]
fn focus_follows_the_arrow_shortcuts() {
    let mut window = Window::open();
    let left = window.focused();
    window.shortcut(Key::E);
    let top_right = window.focused();

    window.shortcut(Key::ArrowLeft);
    assert_eq!(window.focused(), left);
    window.shortcut(Key::ArrowLeft);
    assert_eq!(window.focused(), left, "nothing further left: focus stays");
    window.shortcut(Key::ArrowRight);
    assert_eq!(window.focused(), top_right);

    window.shortcut(Key::O);
    let bottom_right = window.focused();
    window.shortcut(Key::ArrowUp);
    assert_eq!(window.focused(), top_right);
    window.shortcut(Key::ArrowDown);
    assert_eq!(window.focused(), bottom_right);
    window.shortcut(Key::ArrowLeft);
    assert_eq!(window.focused(), left);
}

#[test]
fn command_palette_lists_filters_and_runs_commands() {
    let mut window = Window::open();
    window.shortcut(Key::P);
    assert!(window.app().palette_open());
    assert!(window.has_label("Split pane right"));
    assert!(window.has_label("Ctrl+Shift+E"));
    assert!(window.has_label("Quit Spaces"));

    window.harness.event(Event::Text("split down".into()));
    window.harness.run_steps(2);
    assert!(window.has_label("Split pane down"));
    assert!(
        !window.has_label("Quit Spaces"),
        "the query filters the list"
    );

    window.harness.key_press(Key::Enter);
    window.harness.step();
    window.harness.run_steps(2);
    assert!(!window.app().palette_open());
    assert_eq!(window.pane_count(), 2);
    let [top, bottom] = panes(window.app().tree())[..] else {
        panic!("two panes");
    };
    assert!(is_above(window.rect(top), window.rect(bottom)));

    window.shortcut(Key::P);
    assert!(window.app().palette_open());
    window.harness.key_press(Key::Escape);
    window.harness.step();
    window.harness.run_steps(2);
    assert!(!window.app().palette_open());
    assert!(!window.has_label("Split pane right"));
    assert_eq!(window.pane_count(), 2, "Escape runs nothing");

    // The keys that worked the palette must not reach the shell: the next line runs as typed.
    window.type_line("echo kittest-$((6*7))");
    window.wait_for("the shell to run the line typed after the palette", |w| {
        w.screen().contains("kittest-42")
    });
}

#[test]
fn pane_menu_splits_the_focused_pane() {
    let mut window = Window::open();
    let first = window.focused();
    window.click("Pane");
    // Menu entries read as the command and its shortcut.
    window.click("Split pane right Ctrl+Shift+E");
    assert_eq!(window.pane_count(), 2);
    let second = window.focused();
    assert_ne!(second, first);
    assert!(is_left_of(window.rect(first), window.rect(second)));
}

#[test]
fn typed_text_reaches_the_shell() {
    let mut window = Window::open();
    window.type_line("echo kittest-$((6*7))");
    window.wait_for("the shell's answer on screen", |w| {
        w.screen().contains("kittest-42")
    });
}

#[test]
fn dragging_a_tab_below_another_pane_stacks_them() {
    let mut window = Window::open();
    let first = window.focused();
    window.shortcut(Key::E);
    let second = window.focused();
    assert!(is_left_of(window.rect(first), window.rect(second)));

    window.type_line(r"printf '\033]2;dragme\007'");
    window.wait_for("the tab to show the title the program set", |w| {
        w.has_label("dragme")
    });
    let tab = window.harness.get_by_label("dragme").rect().center();
    let target = window.rect(first);
    window.drag(tab, Pos2::new(target.center().x, target.bottom() - 40.0));

    assert_eq!(window.pane_count(), 2);
    assert_eq!(visible_panes(window.app().tree()).len(), 2);
    assert!(
        is_above(window.rect(first), window.rect(second)),
        "the dragged pane now sits below the other: {:?} {:?}",
        window.rect(first),
        window.rect(second)
    );
}

#[test]
fn exited_pane_offers_restart() {
    let mut window = Window::open();
    let pane = window.focused();
    window.type_line("exit 7");
    window.wait_for("the exit banner", |w| {
        w.has_label("process exited with code 7")
    });
    let entry = window.app().panes().get(pane).expect("exited pane stays");
    assert!(entry.terminal.exit_info().is_some());

    window.click("Restart");
    let entry = window.app().panes().get(pane).expect("restarted pane");
    assert!(entry.terminal.exit_info().is_none());
    assert_eq!(window.focused(), pane, "the pane restarts in place");
    assert!(!window.has_label("process exited with code 7"));

    window.type_line("echo kittest-$((6*7))");
    window.wait_for("the restarted shell to answer", |w| {
        w.screen().contains("kittest-42")
    });
}

#[test]
fn a_relaunched_window_brings_back_layout_focus_and_scrollback() {
    let mut window = Window::open();
    window.shortcut(Key::E);
    window.type_line("echo kept-$((6*7))");
    window.wait_for("the command's output", |w| w.screen().contains("kept-42"));
    let layout_before = panes(window.app().tree());
    let focused_before = window.focused();
    window.harness.state_mut().save_and_stop_recording();
    let Window { harness, _data_dir } = window;
    drop(harness);

    let mut again = Window::open_in(_data_dir);
    assert_eq!(
        panes(again.app().tree()),
        layout_before,
        "same panes, same order"
    );
    assert_eq!(again.focused(), focused_before);
    let rects: Vec<Rect> = layout_before.iter().map(|pane| again.rect(*pane)).collect();
    assert!(is_left_of(rects[0], rects[1]), "still side by side");
    again.wait_for("the old output above a divider", |w| {
        let text = w.screen_and_history();
        text.contains("kept-42") && text.contains("restored from")
    });
    // A fresh shell runs below the divider.
    again.type_line("echo fresh-$((6*7))");
    again.wait_for("the new shell's output", |w| {
        w.screen().contains("fresh-42")
    });
}

#[test]
fn a_full_disk_is_reported_and_the_panes_keep_working() {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    // Room for about 100 KB more: the output below is 1.4 MB of incompressible text.
    let mut window = Window::open_with(data_dir, Some(25));
    assert!(window.app().recording_problem().is_none());
    window.type_line("head -c 1000000 /dev/urandom | base64 | tail -n 1 >/dev/null; head -c 1000000 /dev/urandom | base64");
    window.wait_for("the recording warning", |w| {
        w.app().recording_problem().is_some()
    });
    let warning = window
        .app()
        .recording_problem()
        .expect("warning")
        .to_owned();
    assert!(warning.contains("not being saved"), "{warning}");
    window.type_line("clear; echo still-alive-$((6*7))");
    window.wait_for("the pane to keep working", |w| {
        w.screen().contains("still-alive-42")
    });
}

#[test]
fn typing_in_a_window_field_stays_out_of_the_pane_until_it_is_clicked() {
    let mut window = Window::open();
    window.type_line("echo first-$((6*7))");
    window.wait_for("the first command's output", |w| {
        w.screen().contains("first-42")
    });
    window.shortcut(Key::H);
    window.text_field_right_of_sidebar().click();
    window.harness.run_steps(2);
    window.harness.event(Event::Text("zzz".to_owned()));
    window.harness.run_steps(3);
    assert!(
        window.harness.query_all_by_value("zzz").next().is_some(),
        "the history filter took the typed text"
    );

    // A click on the pane (outside the history window) gives it the keyboard back.
    let pane = window.rect(window.focused());
    let spot = pane.right_bottom() - Vec2::new(20.0, 20.0);
    window.harness.hover_at(spot);
    window.harness.step();
    window.harness.drag_at(spot);
    window.harness.step();
    window.harness.drop_at(spot);
    window.harness.run_steps(2);
    window.type_line("echo back-$((6*7))");
    window.wait_for("typing to reach the pane again", |w| {
        w.screen().contains("back-42")
    });
    // The pane's input is one ordered stream: had "zzz" reached the shell, it would have
    // been on the command line before `echo back-...`, so it would show by now.
    assert!(
        !window.screen_and_history().contains("zzz"),
        "the filter's text reached the shell"
    );
}

/// The palette is where every command can be found: none may be missing from it.
#[test]
fn the_palette_lists_every_command() {
    let mut window = Window::open();
    window.shortcut(Key::P);
    assert!(window.app().palette_open());
    let missing: Vec<&str> = spaces_app::ui::commands::Command::ALL
        .iter()
        .map(|command| command.label())
        .filter(|label| !window.has_label(label))
        .collect();
    assert!(missing.is_empty(), "not in the palette: {missing:?}");
}

/// Layouts saved by builds before Spaces had its own layout format (egui_tiles trees as
/// JSON) come back as they were, and are saved again in the new format.
#[test]
fn a_layout_saved_as_an_egui_tiles_tree_is_migrated() {
    let mut window = Window::open();
    window.shortcut(Key::E);
    window.shortcut(Key::O);
    window.shortcut(Key::T);
    let order = panes(window.app().tree());
    let visible = visible_panes(window.app().tree());
    assert_eq!(order.len(), 4);
    let old_json = serde_json::to_string(window.app().tree()).expect("egui_tiles serializes");
    window.harness.state_mut().save_and_stop_recording();
    let Window { harness, _data_dir } = window;
    drop(harness);

    // Put the layout back as the previous build stored it.
    let path = spaces_store::database_path(_data_dir.path());
    let database = spaces_store::Database::open(&path).expect("open");
    let workspace = database.list_workspaces(false).expect("workspaces")[0].id;
    let mut record = database
        .load_layout(workspace)
        .expect("load")
        .expect("a layout");
    assert!(
        record.tree_json.starts_with(r#"{"version":1"#),
        "saved in the new format"
    );
    record.tree_json = old_json;
    database.save_layout(&record).expect("save");
    drop(database);

    let mut again = Window::open_in(_data_dir);
    assert_eq!(panes(again.app().tree()), order, "same panes, same order");
    assert_eq!(
        visible_panes(again.app().tree()),
        visible,
        "same tabs shown"
    );
    again.harness.state_mut().save_and_stop_recording();
    let database = spaces_store::Database::open_readonly(&path).expect("open");
    let saved = database
        .load_layout(workspace)
        .expect("load")
        .expect("a layout");
    assert!(
        saved.tree_json.starts_with(r#"{"version":1"#),
        "converted and saved in the new format: {}",
        saved.tree_json
    );
}

/// A program sets the clipboard with OSC 52: under "allow" it is set and the window says so,
/// under "ask" only after the user allows it, under "deny" never (and the window says so).
#[test]
fn a_program_sets_the_clipboard_only_as_the_setting_allows() {
    use spaces_app::ui::clipboard::Selection;
    // "Y2xpcC0xMjM=" is base64 for "clip-123".
    let osc52 = r"printf '\033]52;c;Y2xpcC0xMjM=\007'; echo sent-$((6*7))";
    for policy in ["allow", "ask", "deny"] {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        std::fs::write(
            data_dir.path().join("config.toml"),
            format!("clipboard_write = \"{policy}\"\n"),
        )
        .expect("config");
        let mut window = Window::open_in(data_dir);
        window.type_line(osc52);
        window.wait_for("the program to run", |w| w.screen().contains("sent-42"));
        window.wait_for("the window to take the request", |w| {
            let requests = w.app().clipboard_requests();
            requests.pending().is_some() || requests.is_visible()
        });
        window.harness.run_steps(2);
        let clipboard = |window: &mut Window| {
            window
                .harness
                .state_mut()
                .clipboard_mut()
                .get(Selection::Clipboard)
        };
        match policy {
            "allow" => {
                assert_eq!(clipboard(&mut window).as_deref(), Some("clip-123"));
                assert!(window.has_label("Pane 1 set the clipboard (8 characters)"));
            }
            "ask" => {
                assert_eq!(clipboard(&mut window), None, "nothing before the answer");
                assert!(
                    window.has_label(
                        "Pane 1 wants to set the clipboard (8 characters) to \"clip-123\""
                    )
                );
                window.click("Allow");
                assert_eq!(clipboard(&mut window).as_deref(), Some("clip-123"));
            }
            _ => {
                assert_eq!(clipboard(&mut window), None);
                assert!(window.has_label(
                    "Pane 1 tried to set the clipboard (8 characters); refused (setting clipboard_write = \"deny\")"
                ));
            }
        }
    }
}

/// Garbage over `table`'s first page of the database in `data_dir`, as a bad sector or a
/// stray write would leave it.
fn damage_table(data_dir: &std::path::Path, table: &str) {
    use std::io::{Seek as _, Write as _};
    let path = spaces_store::database_path(data_dir);
    let connection =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .expect("open");
    // Everything into the main file first, where the damage goes.
    connection
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    let (root, page_size): (u64, u64) = connection
        .query_row(
            "SELECT rootpage, (SELECT page_size FROM pragma_page_size()) FROM sqlite_schema WHERE name = ?1",
            [table],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("root page");
    drop(connection);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open the file");
    file.seek(std::io::SeekFrom::Start((root - 1) * page_size))
        .expect("seek");
    let garbage: Vec<u8> = (0..page_size).map(|i| (i * 7919 % 251) as u8).collect();
    file.write_all(&garbage).expect("garble");
    file.sync_all().expect("sync");
}

fn window_with_quick_damage_checks(data_dir: TempDir) -> Window {
    Window::open_configured(data_dir, |config| {
        config.damage_checks = Some(spaces_store::DamageChecks {
            vital_every: Duration::from_millis(100),
            full_after: Duration::from_millis(300),
        });
    })
}

fn has_notice(window: &Window, words: &[&str]) -> bool {
    window
        .app()
        .notices()
        .iter()
        .any(|notice| words.iter().all(|word| notice.text.contains(word)))
}

/// Pages overwritten while Spaces runs: the damage is found, the file moved aside, what can be
/// read is kept, the window says so truthfully, and recording goes on into a new file.
#[test]
fn a_database_damaged_while_running_is_replaced_and_recording_goes_on() {
    let mut window = window_with_quick_damage_checks(tempfile::tempdir().expect("tempdir"));
    window.type_line("echo before-$((6*7))");
    window.wait_for("the first output", |w| w.screen().contains("before-42"));
    let pane = window.focused();
    let data_dir = window._data_dir.path().to_path_buf();
    window.harness.run_steps(3);
    std::thread::sleep(Duration::from_millis(300));
    damage_table(&data_dir, "panes");
    window.wait_for("the window to say the file was damaged and replaced", |w| {
        has_notice(w, &["damaged", "moved to", "records were saved"])
    });
    assert!(
        window.app().saves_to_disk(),
        "saving goes on, into the new file"
    );
    assert!(window.app().recording_problem().is_none());
    window.type_line("echo after-$((6*7))");
    window.wait_for("the second output", |w| w.screen().contains("after-42"));
    window.harness.state_mut().save_and_stop_recording();
    let mut history = Vec::new();
    spaces_app::model::history::read_lines(
        &spaces_store::database_path(&data_dir),
        pane,
        |lines| history.extend(lines),
    )
    .expect("the new file's history reads");
    let text = history.join("\n");
    assert!(text.contains("before-42"), "old output salvaged:\n{text}");
    assert!(text.contains("after-42"), "new output recorded:\n{text}");
}

/// Pages overwritten while Spaces is stopped: the next start finds it, moves the file aside,
/// keeps what can be read (here the output of a pane whose record was lost) and says so.
#[test]
fn a_database_damaged_while_stopped_is_found_at_start() {
    let mut window = Window::open();
    window.type_line("echo kept-$((6*7))");
    window.wait_for("the output", |w| w.screen().contains("kept-42"));
    let pane = window.focused();
    window.harness.state_mut().save_and_stop_recording();
    let Window { harness, _data_dir } = window;
    drop(harness);
    damage_table(_data_dir.path(), "panes");

    let again = Window::open_in(_data_dir);
    assert!(
        has_notice(&again, &["damaged", "moved to", "records were saved"]),
        "{:?}",
        again.app().notices()
    );
    assert!(again.app().saves_to_disk());
    let path = again.app().database_path().to_path_buf();
    let mut history = Vec::new();
    spaces_app::model::history::read_lines(&path, pane, |lines| history.extend(lines))
        .expect("history of the old pane");
    assert!(history.join("\n").contains("kept-42"));
}

/// A program that turned on focus reporting (mode 1004) is told when its pane loses and
/// gains the focus, and when the window does: exactly `ESC [ O`, `ESC [ I`, `ESC [ O` here.
#[test]
fn focus_changes_are_reported_to_programs_that_ask() {
    let mut window = Window::open();
    let first = window.focused();
    window.type_line(
        r"printf '\033[?1004h'; stty raw -echo; echo READY; r=$(dd bs=1 count=9 2>/dev/null | od -An -c | tr -d ' \n'); stty sane; echo; echo got:$r",
    );
    window.wait_for("the program to listen", |w| w.screen().contains("READY"));
    window.shortcut(Key::E);
    let second = window.focused();
    assert_ne!(first, second);
    window.shortcut(Key::ArrowLeft);
    assert_eq!(window.focused(), first);
    // The window loses the keyboard focus (as winit reports it).
    window.harness.input_mut().focused = false;
    window.harness.event(Event::WindowFocused(false));
    window.harness.run_steps(3);
    window.wait_for("the reports", |w| w.screen().contains("got:033"));
    assert!(
        window.screen().contains("got:033[O033[I033[O"),
        "{}",
        window.screen()
    );
}

/// The history window's filter takes the keyboard when it opens, the count says how many
/// lines match, and Escape closes the window.
#[test]
fn the_history_filter_takes_the_keyboard_counts_matches_and_escape_closes() {
    let mut window = Window::open();
    window.type_line("echo first-$((6*7)); echo second-$((6*7))");
    window.wait_for("the output", |w| w.screen().contains("second-42"));
    window.harness.state_mut().save_and_stop_recording();
    window.shortcut(Key::H);
    window.wait_for("the history", |w| w.has_label_containing("lines"));
    window.harness.event(Event::Text("first-4".to_owned()));
    window.harness.run_steps(3);
    window.wait_for("the filtered count", |w| {
        w.has_label_containing("of") && w.has_label_containing("lines match")
    });
    window.harness.key_press(Key::Escape);
    window.harness.run_steps(3);
    assert!(
        !window.has_label_containing("Full history of pane"),
        "Escape closes the history window"
    );
    assert!(
        !window.screen().contains("first-4\n"),
        "nothing reached the shell"
    );
}

/// Closing a tab gives the focus to the tab beside it, which takes its place, not to a pane
/// elsewhere; and a tab names its program and directory.
#[test]
fn closing_a_tab_focuses_the_neighbouring_tab() {
    let mut window = Window::open();
    window.shortcut(Key::E);
    window.shortcut(Key::T);
    window.shortcut(Key::T);
    let tabs = visible_panes(window.app().tree());
    let closing = window.focused();
    let group: Vec<PaneId> = panes(window.app().tree())
        .into_iter()
        .filter(|pane| *pane != closing)
        .collect();
    assert_eq!(group.len(), 3, "{tabs:?}");
    window.shortcut(Key::W);
    let now = window.focused();
    assert_eq!(
        now, group[2],
        "the previous tab of the group, not a pane elsewhere"
    );
    assert!(
        window.has_label_containing("sh — "),
        "tabs name the program and its directory"
    );
}

#[test]
fn find_selects_matches_in_the_scrollback_and_offers_older_history() {
    let mut window = Window::open();
    window.type_line(
        "i=0; while [ $i -lt 150 ]; do i=$((i+1)); [ $i = 20 ] && echo marker-one; echo line-$i; done",
    );
    window.wait_for("the lines printed", |w| w.screen().contains("line-150"));
    window.shortcut(Key::F);
    window.harness.event(Event::Text("marker-one".into()));
    window.harness.key_press(Key::Enter);
    window.harness.run_steps(3);
    let pane = window.focused();
    let selected = window
        .app()
        .panes()
        .get(pane)
        .and_then(|entry| entry.terminal.read(|term| term.selection_to_string()));
    assert_eq!(selected.as_deref(), Some("marker-one"));
    let scrolled = window
        .app()
        .panes()
        .get(pane)
        .map(|entry| entry.terminal.read(|term| term.grid().display_offset()));
    assert!(
        scrolled.is_some_and(|offset| offset > 0),
        "the view scrolled up to the match"
    );
    assert!(window.has_label_containing("lines above the screen"));
    window.click("Older history…");
    assert!(window.has_label_containing("Full history of pane"));
}
