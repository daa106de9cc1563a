//! The dashboard's completions-per-day chart, drawn on the server as SVG
//! geometry that the template writes out: no script, no inline style (the
//! CSP forbids both).

use chrono::NaiveDate;

pub const WIDTH: f64 = 1000.0;
pub const HEIGHT: f64 = 240.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;

pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub title: String,
}

pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub baseline: f64,
    pub max: i64,
    pub total: i64,
    pub bars: Vec<Bar>,
    pub x_labels: Vec<Label>,
    pub y_labels: Vec<Label>,
    pub summary: String,
}

/// One decimal is plenty for a 1000-unit drawing and keeps the SVG short.
fn r(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A bar per day, its height proportional to the day's count, the
/// tallest reaching the top; a day label every fifth day and on the
/// last. Without any completions the bars are flat and the summary says
/// so.
pub fn build(days: &[(NaiveDate, i64)]) -> Chart {
    let plot_height = HEIGHT - TOP - BOTTOM;
    let baseline = HEIGHT - BOTTOM;
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(0);
    let total: i64 = days.iter().map(|(_, n)| (*n).max(0)).sum();
    let slot = (WIDTH - LEFT - RIGHT) / days.len().max(1) as f64;
    let bar_width = r(slot * 0.7);
    let mut bars = Vec::with_capacity(days.len());
    let mut x_labels = Vec::new();
    for (i, (day, count)) in days.iter().enumerate() {
        let count = (*count).max(0);
        let mut height = if max == 0 {
            0.0
        } else {
            plot_height * count as f64 / max as f64
        };
        // A day with one completion among hundreds still shows.
        if count > 0 && height < 1.0 {
            height = 1.0;
        }
        let x = LEFT + slot * i as f64;
        bars.push(Bar {
            x: r(x + (slot - bar_width) / 2.0),
            y: r(baseline - height),
            width: bar_width,
            height: r(height),
            title: format!("{}: {count} selesai", crate::domain::time::day_label(*day)),
        });
        if i % 5 == 0 || i + 1 == days.len() {
            x_labels.push(Label {
                x: r(x + slot / 2.0),
                y: HEIGHT - 6.0,
                text: crate::domain::time::day_month(*day),
            });
        }
    }
    let mut y_labels = vec![Label {
        x: LEFT - 6.0,
        y: baseline + 4.0,
        text: "0".into(),
    }];
    if max > 0 {
        y_labels.push(Label {
            x: LEFT - 6.0,
            y: TOP + 4.0,
            text: max.to_string(),
        });
    }
    let summary = match days
        .iter()
        .filter(|(_, n)| *n == max)
        .map(|(d, _)| d)
        .next()
    {
        Some(top) if max > 0 => format!(
            "{total} permohonan selesai dalam {} hari; paling banyak {max} pada {}.",
            days.len(),
            crate::domain::time::day_label(*top)
        ),
        _ => format!(
            "Belum ada permohonan yang selesai dalam {} hari ini.",
            days.len()
        ),
    };
    Chart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right: WIDTH - RIGHT,
        top: TOP,
        baseline,
        max,
        total,
        bars,
        x_labels,
        y_labels,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        crate::domain::time::parse_day(s).unwrap_or_default()
    }

    #[test]
    fn chart_bars_are_proportional_to_the_counts_and_the_tallest_fills_the_plot() {
        let days: Vec<(NaiveDate, i64)> = vec![
            (day("2026-11-01"), 2),
            (day("2026-11-02"), 8),
            (day("2026-11-03"), 4),
        ];
        let c = build(&days);
        let heights: Vec<f64> = c.bars.iter().map(|b| b.height).collect();
        let plot = c.baseline - c.top;
        assert_eq!(heights, vec![plot / 4.0, plot, plot / 2.0]);
        assert!(
            c.bars
                .iter()
                .all(|b| (b.y + b.height - c.baseline).abs() < 0.05),
            "bars stand on the baseline"
        );
        assert!(
            c.bars.windows(2).all(|w| w[0].x + w[0].width < w[1].x),
            "bars do not overlap"
        );
        assert_eq!((c.max, c.total), (8, 14));
        assert!(
            c.summary.contains("14 permohonan") && c.summary.contains("02/11/2026"),
            "{}",
            c.summary
        );
        assert_eq!(c.bars[1].title, "02/11/2026: 8 selesai");
    }

    #[test]
    fn a_chart_without_completions_has_flat_bars_and_says_so() {
        let days: Vec<(NaiveDate, i64)> = (1..=30)
            .map(|d| (day(&format!("2026-11-{d:02}")), 0))
            .collect();
        let c = build(&days);
        assert_eq!(c.bars.len(), 30);
        assert!(c.bars.iter().all(|b| b.height == 0.0));
        assert!(c.summary.starts_with("Belum ada"), "{}", c.summary);
        assert_eq!(c.x_labels.len(), 7, "every fifth day and the last");
        let empty = build(&[]);
        assert!(empty.bars.is_empty() && empty.summary.starts_with("Belum ada"));
    }

    #[test]
    fn a_single_completion_among_many_still_shows_as_a_bar() {
        let c = build(&[(day("2026-11-01"), 1000), (day("2026-11-02"), 1)]);
        assert!(c.bars[1].height >= 1.0);
    }
}
