//! End to end: a program in a pane sets palette entry 1 and the background, prints in colour
//! 1; the window draws the new colours, and queries answer the new values.

use anyhow::{Result, ensure};
use spaces_e2e::{Spaces, wait_until};

#[test]
fn colours_a_program_sets_are_drawn_and_answered() -> Result<()> {
    let spaces = Spaces::start()?;
    let pane = spaces.first_pane()?;
    spaces.wait_for_prompt(pane)?;
    let before_background = spaces.pixels()?.count_near([0x00, 0x33, 0x00], 2);
    let before_entry = spaces.pixels()?.count_near([0xff, 0x00, 0xff], 2);
    ensure!(
        before_background == 0 && before_entry == 0,
        "the colours are new"
    );

    // Entry 1 becomes magenta, the background dark green; a row of cells in colour 1.
    spaces.run_command(
        pane,
        r"printf '\033]4;1;rgb:ff/00/ff\007\033]11;#003300\007\033[41m%40s\033[0m\n' ''",
    )?;
    let drawn = wait_until(
        "the new colours on screen",
        std::time::Duration::from_secs(20),
        || {
            let pixels = spaces.pixels()?;
            let background = pixels.count_near([0x00, 0x33, 0x00], 2);
            let entry = pixels.count_near([0xff, 0x00, 0xff], 2);
            Ok((background > 100_000 && entry > 2_000).then_some((background, entry)))
        },
    )?;
    spaces.screenshot("colours-set-by-a-program")?;
    println!("background pixels {}, colour-1 pixels {}", drawn.0, drawn.1);

    // The queries answer what the program set (read back raw, shown as hex).
    spaces.run_command(
        pane,
        r#"stty raw -echo; printf '\033]4;1;?\007\033]11;?\007'; a=$(dd bs=1 count=49 2>/dev/null | od -An -tx1 | tr -d ' \n'); stty sane; printf 'answer:%s\n' "$a""#,
    )?;
    // The echoed command holds "answer:" too; the output is the line that starts with it, and
    // it is whole once the prompt is back after it.
    let screen = spaces.wait_for_screen(pane, "the answer and a prompt after it", |screen| {
        let mut lines = screen.lines().map(str::trim_end);
        lines.any(|line| line.starts_with("answer:"))
            && lines.any(|line| line == spaces_e2e::PROMPT)
    })?;
    let expected: String = "\x1b]4;1;rgb:ffff/0000/ffff\x07\x1b]11;rgb:0000/3333/0000\x07"
        .bytes()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    ensure!(
        screen
            .replace('\n', "")
            .contains(&format!("answer:{expected}")),
        "the answers were not the new colours:\n{screen}"
    );
    Ok(())
}
