//! The analytics view (Ctrl+Shift+U): tokens and dollars per day, model, agent and project,
//! as charts (egui_plot) and a sortable table, for a range and filters the user picks. The
//! figures come from the store's usage report, asked through `model::sessions` (no SQL here),
//! and are asked again whenever the index changes, so the view follows the agents live.

use chrono::{Duration as Days, Local, NaiveDate};
use egui::RichText;
use egui_plot::{Bar, BarChart, GridMark, Legend, Plot};
use spaces_store::sessions::Agent;
use spaces_store::usage::{SessionsOnDay, UsageFigures, UsageQuery, UsageRow};

use crate::model::sessions::{SessionAnswer, SessionQuery, Sessions, UsageAnswer};
use crate::ui::theme;

mod patterns;
use patterns::patterns;

/// The ranges offered, in days back from today (`None`: everything).
const RANGES: &[(&str, Option<i64>)] = &[
    ("7 days", Some(7)),
    ("30 days", Some(30)),
    ("90 days", Some(90)),
    ("All", None),
];

/// Pane activity does not touch the agents' index: the view asks again this often while open.
const ACTIVITY_REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

/// The table's columns, and what it is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Day,
    Input,
    Output,
    CacheWrite,
    CacheRead,
    Cost,
}

pub struct UsageView {
    pub open: bool,
    range: Option<i64>,
    /// A custom first day (YYYY-MM-DD), used when set.
    custom_since: String,
    /// A custom last day (YYYY-MM-DD), used when set.
    custom_until: String,
    agent: Option<Agent>,
    model: Option<String>,
    project: String,
    workspace: Option<String>,
    asked: Option<UsageQuery>,
    /// When the figures were last asked for (pane activity is asked again every minute).
    asked_at: Option<std::time::Instant>,
    serial: u64,
    seen_version: u64,
    /// Shared, so a frame borrows it without copying a year of rows.
    answer: Option<std::rc::Rc<UsageAnswer>>,
    error: Option<String>,
    sort: (Column, bool),
}

impl Default for UsageView {
    fn default() -> Self {
        Self {
            open: false,
            range: Some(30),
            custom_since: String::new(),
            custom_until: String::new(),
            agent: None,
            model: None,
            project: String::new(),
            workspace: None,
            asked: None,
            asked_at: None,
            serial: 0,
            seen_version: 0,
            answer: None,
            error: None,
            sort: (Column::Day, false),
        }
    }
}

/// "$1.23", "$1.23+" when some models have no price, "unpriced" when none has.
pub fn cost_text(figures: &UsageFigures) -> String {
    if figures.responses == 0 {
        return "$0.00".to_owned();
    }
    match figures.cost_usd {
        Some(cost) if figures.unpriced => format!("${cost:.2}+"),
        Some(cost) => format!("${cost:.2}"),
        None => "unpriced".to_owned(),
    }
}

impl UsageView {
    pub fn toggle(&mut self) {
        self.open = !self.open;
    }

    fn query(&self) -> UsageQuery {
        let custom = NaiveDate::parse_from_str(self.custom_since.trim(), "%Y-%m-%d").ok();
        let since = custom.or_else(|| {
            self.range
                .map(|days| Local::now().date_naive() - Days::days(days - 1))
        });
        let until = NaiveDate::parse_from_str(self.custom_until.trim(), "%Y-%m-%d").ok();
        UsageQuery {
            since,
            until,
            agent: self.agent,
            model: self.model.clone(),
            project: (!self.project.trim().is_empty()).then(|| self.project.trim().to_owned()),
            workspace: self.workspace.clone(),
            ..UsageQuery::default()
        }
    }

    /// Asks again when the fields or the index changed; takes the answer when it came.
    fn sync(&mut self, sessions: &mut Sessions) {
        match sessions.take(self.serial) {
            Some(SessionAnswer::Usage(answer)) => {
                self.answer = Some(std::rc::Rc::from(answer));
                self.error = None;
            }
            Some(SessionAnswer::Failed(error)) => self.error = Some(error),
            _ => {}
        }
        let query = self.query();
        let version = sessions.status().version;
        let stale = self
            .asked_at
            .is_none_or(|at| at.elapsed() >= ACTIVITY_REFRESH);
        if self.asked.as_ref() != Some(&query) || version != self.seen_version || stale {
            self.seen_version = version;
            self.asked_at = Some(std::time::Instant::now());
            self.serial = sessions.ask(SessionQuery::Usage(query.clone()));
            self.asked = Some(query);
        }
    }

    /// The view's window, when open.
    pub fn window(&mut self, ctx: &egui::Context, sessions: &mut Sessions) {
        if !self.open {
            return;
        }
        self.sync(sessions);
        self.draw(ctx);
        ctx.request_repaint_after(ACTIVITY_REFRESH);
    }

    /// Shows `answer` without asking the index (the benchmark's door).
    pub fn show_answer(&mut self, answer: UsageAnswer) {
        self.open = true;
        self.answer = Some(std::rc::Rc::new(answer));
    }

    /// Draws the window with the answer it has.
    pub fn draw(&mut self, ctx: &egui::Context) {
        let mut open = true;
        egui::Window::new("Usage and cost")
            .open(&mut open)
            .default_size([900.0, 700.0])
            .show(ctx, |ui| self.ui(ui));
        if !open {
            self.open = false;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        self.filters(ui);
        if let Some(error) = &self.error {
            ui.colored_label(theme::ERROR, error);
        }
        let Some(answer) = self.answer.clone() else {
            ui.label(RichText::new("Loading…").weak());
            return;
        };
        if let Some(problem) = &answer.pricing_problem {
            ui.colored_label(theme::WARNING, problem);
        }
        summary(ui, &answer);
        if answer.by_day.rows.is_empty() {
            ui.label(RichText::new("No agent usage in this range.").weak());
        }
        egui::ScrollArea::vertical().auto_shrink(false).show(ui, |ui| {
            if answer.by_day.rows.is_empty() {
                patterns(ui, &answer.activity);
                return;
            }
            ui.heading("Cost per day, by model");
            cost_per_day(ui, &answer.by_day.rows);
            ui.heading("Tokens per day, by kind");
            tokens_per_day(ui, &answer.by_day.rows);
            ui.columns(3, |columns| {
                columns[0].heading("Cost by agent");
                cost_by_agent(&mut columns[0], &answer);
                columns[1].heading("Cost by workspace");
                cost_by_key(
                    &mut columns[1],
                    "usage-cost-by-workspace",
                    &answer.by_workspace.rows,
                    str::to_owned,
                );
                columns[2].heading("Cost by project");
                cost_by_key(
                    &mut columns[2],
                    "usage-cost-by-project",
                    &answer.by_project.rows,
                    short_project,
                );
            });
            ui.heading("Sessions per day");
            sessions_per_day(ui, &answer.sessions_per_day);
            patterns(ui, &answer.activity);
            ui.heading("Per day");
            self.table(ui, &answer.by_day.rows);
            if !answer.by_day.unpriced_models.is_empty() {
                ui.colored_label(
                    theme::WARNING,
                    format!(
                        "Unpriced (tokens counted, no cost; add them to pricing.toml in the data directory): {}",
                        answer.by_day.unpriced_models.join(", ")
                    ),
                );
            }
        });
    }

    fn filters(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for (label, days) in RANGES {
                if ui
                    .selectable_label(
                        self.range == *days
                            && self.custom_since.is_empty()
                            && self.custom_until.is_empty(),
                        *label,
                    )
                    .clicked()
                {
                    self.range = *days;
                    self.custom_since.clear();
                    self.custom_until.clear();
                }
            }
            ui.add(
                egui::TextEdit::singleline(&mut self.custom_since)
                    .hint_text("since YYYY-MM-DD")
                    .desired_width(120.0),
            );
            ui.add(
                egui::TextEdit::singleline(&mut self.custom_until)
                    .hint_text("until YYYY-MM-DD")
                    .desired_width(120.0),
            );
        });
        let models: Vec<String> = self
            .answer
            .as_ref()
            .map(|answer| {
                answer
                    .by_day
                    .by_model
                    .iter()
                    .map(|m| m.model.clone())
                    .collect()
            })
            .unwrap_or_default();
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("usage-agent")
                .selected_text(self.agent.map_or("All agents", Agent::as_str))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.agent, None, "All agents");
                    for agent in Agent::ALL {
                        ui.selectable_value(&mut self.agent, Some(agent), agent.as_str());
                    }
                });
            egui::ComboBox::from_id_salt("usage-model")
                .selected_text(self.model.as_deref().unwrap_or("All models"))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.model, None, "All models");
                    for model in models {
                        ui.selectable_value(&mut self.model, Some(model.clone()), model);
                    }
                });
            let workspaces: Vec<String> = self
                .answer
                .as_ref()
                .map(|answer| {
                    answer
                        .by_workspace
                        .rows
                        .iter()
                        .map(|row| row.key.clone())
                        .collect()
                })
                .unwrap_or_default();
            egui::ComboBox::from_id_salt("usage-workspace")
                .selected_text(self.workspace.as_deref().unwrap_or("All workspaces"))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.workspace, None, "All workspaces");
                    for workspace in workspaces {
                        ui.selectable_value(
                            &mut self.workspace,
                            Some(workspace.clone()),
                            workspace,
                        );
                    }
                });
            ui.add(
                egui::TextEdit::singleline(&mut self.project)
                    .hint_text("Project folder")
                    .desired_width(260.0),
            );
        });
    }

    /// The per-day table; a click on a heading sorts by it (again: the other way).
    fn table(&mut self, ui: &mut egui::Ui, rows: &[UsageRow]) {
        let mut sorted: Vec<&UsageRow> = rows.iter().collect();
        let (column, ascending) = self.sort;
        sorted.sort_by(|a, b| {
            let order = match column {
                Column::Day => a.key.cmp(&b.key),
                Column::Input => a.figures.input_tokens.cmp(&b.figures.input_tokens),
                Column::Output => a.figures.output_tokens.cmp(&b.figures.output_tokens),
                Column::CacheWrite => a
                    .figures
                    .cache_creation_tokens
                    .cmp(&b.figures.cache_creation_tokens),
                Column::CacheRead => a
                    .figures
                    .cache_read_tokens
                    .cmp(&b.figures.cache_read_tokens),
                Column::Cost => a
                    .figures
                    .cost_usd
                    .unwrap_or(0.0)
                    .total_cmp(&b.figures.cost_usd.unwrap_or(0.0)),
            };
            if ascending { order } else { order.reverse() }
        });
        egui::Grid::new("usage-table")
            .striped(true)
            .num_columns(6)
            .show(ui, |ui| {
                for (label, heading) in [
                    ("Day", Column::Day),
                    ("Input", Column::Input),
                    ("Output", Column::Output),
                    ("Cache write", Column::CacheWrite),
                    ("Cache read", Column::CacheRead),
                    ("Cost", Column::Cost),
                ] {
                    let marker = if self.sort.0 == heading {
                        if self.sort.1 { " ^" } else { " v" }
                    } else {
                        ""
                    };
                    if ui.button(format!("{label}{marker}")).clicked() {
                        self.sort = (heading, self.sort.0 == heading && !self.sort.1);
                    }
                }
                ui.end_row();
                for row in sorted {
                    ui.label(&row.key);
                    ui.label(row.figures.input_tokens.to_string());
                    ui.label(row.figures.output_tokens.to_string());
                    ui.label(row.figures.cache_creation_tokens.to_string());
                    ui.label(row.figures.cache_read_tokens.to_string());
                    ui.label(cost_text(&row.figures));
                    ui.end_row();
                }
            });
    }
}

/// Totals, sessions and the average per session.
fn summary(ui: &mut egui::Ui, answer: &UsageAnswer) {
    let totals = &answer.by_day.totals;
    let sessions: u64 = answer.sessions_per_day.iter().map(|day| day.started).sum();
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("Total {}", cost_text(totals))).strong());
        ui.label(format!(
            "{} tokens ({} input, {} output, {} cache write, {} cache read)",
            totals.total_tokens(),
            totals.input_tokens,
            totals.output_tokens,
            totals.cache_creation_tokens,
            totals.cache_read_tokens
        ));
        if let Some(average_tokens) = totals.total_tokens().checked_div(sessions) {
            let average_cost = totals.cost_usd.map_or_else(
                || "unpriced".to_owned(),
                |cost| format!("${:.2}", cost / sessions as f64),
            );
            ui.label(format!(
                "{sessions} sessions started; per session {average_tokens} tokens, {average_cost}"
            ));
        }
    });
}

/// Day index (x) of a `YYYY-MM-DD` key, counted from the first row.
fn day_positions(rows: &[UsageRow]) -> Vec<f64> {
    let first = rows
        .first()
        .and_then(|row| NaiveDate::parse_from_str(&row.key, "%Y-%m-%d").ok());
    rows.iter()
        .enumerate()
        .map(
            |(index, row)| match (first, NaiveDate::parse_from_str(&row.key, "%Y-%m-%d").ok()) {
                (Some(first), Some(day)) => (day - first).num_days() as f64,
                _ => index as f64,
            },
        )
        .collect()
}

/// The x axis of a per-day chart: the date of each whole day from the first row.
fn date_axis(
    rows: &[UsageRow],
) -> impl Fn(GridMark, &std::ops::RangeInclusive<f64>) -> String + use<> {
    let first = rows
        .first()
        .and_then(|row| NaiveDate::parse_from_str(&row.key, "%Y-%m-%d").ok());
    move |mark, _| match first {
        Some(first) if mark.value.fract() == 0.0 && mark.value >= 0.0 => (first
            + Days::days(mark.value as i64))
        .format("%m-%d")
        .to_string(),
        _ => String::new(),
    }
}

/// Cost per day, one stacked bar series per model.
fn cost_per_day(ui: &mut egui::Ui, rows: &[UsageRow]) {
    let positions = day_positions(rows);
    let mut models: Vec<String> = rows
        .iter()
        .flat_map(|row| row.by_model.iter().map(|model| model.model.clone()))
        .collect();
    models.sort();
    models.dedup();
    let mut charts: Vec<BarChart> = Vec::new();
    for model in &models {
        let bars: Vec<Bar> = rows
            .iter()
            .zip(&positions)
            .filter_map(|(row, x)| {
                let usage = row.by_model.iter().find(|usage| &usage.model == model)?;
                Some(
                    Bar::new(*x, usage.figures.cost_usd.unwrap_or(0.0)).name(format!(
                        "{} {model}: {}",
                        row.key,
                        cost_text(&usage.figures)
                    )),
                )
            })
            .collect();
        let chart = BarChart::new(model.clone(), bars).width(0.7);
        let chart = match charts.iter().collect::<Vec<_>>().as_slice() {
            [] => chart,
            below => chart.stack_on(below),
        };
        charts.push(chart);
    }
    Plot::new("usage-cost-per-day")
        .legend(Legend::default())
        .x_axis_formatter(date_axis(rows))
        .height(220.0)
        .y_axis_label("USD")
        .allow_scroll(false)
        .show(ui, |plot| {
            for chart in charts {
                plot.bar_chart(chart);
            }
        });
}

/// A token kind: its legend name and how to read it from the figures.
type TokenKind = (&'static str, fn(&UsageFigures) -> u64);

/// Tokens per day, one stacked series per kind.
fn tokens_per_day(ui: &mut egui::Ui, rows: &[UsageRow]) {
    let positions = day_positions(rows);
    let kinds: [TokenKind; 4] = [
        ("input", |f| f.input_tokens),
        ("output", |f| f.output_tokens),
        ("cache write", |f| f.cache_creation_tokens),
        ("cache read", |f| f.cache_read_tokens),
    ];
    let mut charts: Vec<BarChart> = Vec::new();
    for (name, value) in kinds {
        let bars: Vec<Bar> = rows
            .iter()
            .zip(&positions)
            .map(|(row, x)| {
                let tokens = value(&row.figures);
                Bar::new(*x, tokens as f64).name(format!("{} {name}: {tokens}", row.key))
            })
            .collect();
        let chart = BarChart::new(name, bars).width(0.7);
        let chart = match charts.iter().collect::<Vec<_>>().as_slice() {
            [] => chart,
            below => chart.stack_on(below),
        };
        charts.push(chart);
    }
    Plot::new("usage-tokens-per-day")
        .legend(Legend::default())
        .x_axis_formatter(date_axis(rows))
        .height(220.0)
        .y_axis_label("tokens")
        .allow_scroll(false)
        .show(ui, |plot| {
            for chart in charts {
                plot.bar_chart(chart);
            }
        });
}

/// A bar chart of one bar per named category, the names under the bars.
fn category_chart(ui: &mut egui::Ui, id: &str, names: Vec<String>, bars: Vec<Bar>) {
    Plot::new(id)
        .height(160.0)
        .allow_scroll(false)
        .x_axis_formatter(move |mark: GridMark, _range| {
            let index = mark.value.round();
            if (mark.value - index).abs() > 1e-6 || index < 0.0 {
                return String::new();
            }
            names.get(index as usize).cloned().unwrap_or_default()
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new(id, bars).width(0.6))
        });
}

/// The last folder of a project path, for a label under a bar.
fn short_project(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or(path)
        .to_owned()
}

fn cost_by_agent(ui: &mut egui::Ui, answer: &UsageAnswer) {
    let bars: Vec<Bar> = answer
        .by_day
        .by_agent
        .iter()
        .enumerate()
        .map(|(index, usage)| {
            Bar::new(index as f64, usage.figures.cost_usd.unwrap_or(0.0)).name(format!(
                "{}: {}",
                usage.agent.as_str(),
                cost_text(&usage.figures)
            ))
        })
        .collect();
    let names = answer
        .by_day
        .by_agent
        .iter()
        .map(|usage| usage.agent.as_str().to_owned())
        .collect();
    category_chart(ui, "usage-cost-by-agent", names, bars);
    for usage in &answer.by_day.by_agent {
        ui.label(format!(
            "{}: {}",
            usage.agent.as_str(),
            cost_text(&usage.figures)
        ));
    }
}

/// The ten costliest rows of a report keyed by workspace or project, as bars and lines.
fn cost_by_key(ui: &mut egui::Ui, id: &str, rows: &[UsageRow], short: impl Fn(&str) -> String) {
    let mut rows: Vec<&UsageRow> = rows.iter().collect();
    rows.sort_by(|a, b| {
        b.figures
            .cost_usd
            .unwrap_or(0.0)
            .total_cmp(&a.figures.cost_usd.unwrap_or(0.0))
    });
    rows.truncate(10);
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            Bar::new(index as f64, row.figures.cost_usd.unwrap_or(0.0)).name(format!(
                "{}: {}",
                row.key,
                cost_text(&row.figures)
            ))
        })
        .collect();
    let names = rows.iter().map(|row| short(&row.key)).collect();
    category_chart(ui, id, names, bars);
    for row in rows {
        ui.label(format!(
            "{}: {} ({} responses)",
            row.key,
            cost_text(&row.figures),
            row.figures.responses
        ));
    }
}

/// Sessions started per day, and sessions active that day (lighter, behind).
fn sessions_per_day(ui: &mut egui::Ui, days: &[SessionsOnDay]) {
    let Some(first) = days.first().map(|day| day.day) else {
        ui.label(RichText::new("No sessions in this range.").weak());
        return;
    };
    let position = |day: &SessionsOnDay| (day.day - first).num_days() as f64;
    let started: Vec<Bar> = days
        .iter()
        .map(|day| {
            Bar::new(position(day), day.started as f64)
                .name(format!("{}: {} started", day.day, day.started))
        })
        .collect();
    let active: Vec<Bar> = days
        .iter()
        .map(|day| {
            Bar::new(position(day), day.active as f64)
                .name(format!("{}: {} active", day.day, day.active))
        })
        .collect();
    Plot::new("usage-sessions-per-day")
        .height(140.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .x_axis_formatter(move |mark: GridMark, _range| {
            (first + Days::days(mark.value as i64))
                .format("%m-%d")
                .to_string()
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("active", active).width(0.8));
            plot.bar_chart(BarChart::new("started", started).width(0.5));
        });
}
