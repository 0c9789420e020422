//! One small chart component: stacked vertical bars as plain SVG (no script, no inline style;
//! colours come from the stylesheet's `--series-N`), with a title and description for screen
//! readers, a legend beside it, and the same numbers as a table (written by the page).

use crate::html::escape as esc;

/// One column: its label (under the axis) and one value per series (e.g. kopecks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Label under the column (a day).
    pub label: String,
    /// Values, in the order of the chart's series.
    pub values: Vec<u64>,
}

const WIDTH: u64 = 720;
const HEIGHT: u64 = 240;
const LEFT: u64 = 8;
const BOTTOM: u64 = 28;
const TOP: u64 = 24;
/// Series drawn in distinct colours; more share the last one.
const COLOURS: usize = 6;

fn class(series: usize) -> String {
    format!("s{}", series.min(COLOURS - 1))
}

/// The SVG of `columns` stacked by `series` (named in that order, first at the bottom),
/// `title` and `desc` announced, values written by `format` (the top of the scale and each
/// segment's tooltip), then the legend. At most about 12 labels are written under the axis.
pub fn stacked(
    id: &str,
    title: &str,
    desc: &str,
    series: &[String],
    columns: &[Column],
    format: impl Fn(u64) -> String,
) -> String {
    let total = |c: &Column| c.values.iter().sum::<u64>();
    let max = columns.iter().map(total).max().unwrap_or(0).max(1);
    let n = u64::try_from(columns.len()).unwrap_or(1).max(1);
    let plot_w = WIDTH - 2 * LEFT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / n;
    // Thin bars even for a single day: a bar is a day, not the whole width.
    let bar_w = (slot * 7 / 10).clamp(2, 48);
    let label_every = n.div_ceil(12).max(1);
    let mut out = format!(
        r#"<svg class="chart" data-testid="{id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMidYMid meet"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
        id = esc(id),
        title = esc(title),
        desc = esc(desc),
    );
    // The axis and the top of the scale.
    let base = HEIGHT - BOTTOM;
    out.push_str(&format!(
        r#"<line class="axis" x1="{LEFT}" y1="{base}" x2="{x2}" y2="{base}"/><line class="grid" x1="{LEFT}" y1="{TOP}" x2="{x2}" y2="{TOP}"/><text class="scale" x="{LEFT}" y="{ty}">{max}</text>"#,
        x2 = WIDTH - LEFT,
        ty = TOP - 6,
        max = esc(&format(max)),
    ));
    for (i, column) in (0_u64..).zip(columns) {
        let x = LEFT + i * slot + (slot - bar_w) / 2;
        // Segments are cut from the running total, so the stack is exactly as tall as the
        // total whatever the rounding.
        let mut below = 0;
        let mut y_below = base;
        for (s, value) in column.values.iter().enumerate() {
            if *value == 0 {
                continue;
            }
            below += value;
            let y = (base - below * plot_h / max).min(y_below - 1);
            out.push_str(&format!(
                r#"<rect class="bar {class}" x="{x}" y="{y}" width="{bar_w}" height="{h}"><title>{label}, {name}: {value}</title></rect>"#,
                class = class(s),
                h = y_below - y,
                label = esc(&column.label),
                name = esc(series.get(s).map_or("", String::as_str)),
                value = esc(&format(*value)),
            ));
            y_below = y;
        }
        if i % label_every == 0 {
            out.push_str(&format!(
                r#"<text class="label" x="{cx}" y="{ty}" text-anchor="middle">{label}</text>"#,
                cx = x + bar_w / 2,
                ty = HEIGHT - 8,
                label = esc(&column.label),
            ));
        }
    }
    out.push_str("</svg>");
    // The legend: a swatch drawn by the stylesheet and the name (colour is never the only cue:
    // each segment's tooltip and the table name the method too).
    if !series.is_empty() {
        out.push_str(&format!(
            r#"<ul class="legend" data-testid="{}-legend">"#,
            esc(id)
        ));
        for (s, name) in series.iter().enumerate() {
            out.push_str(&format!(
                r#"<li><span class="swatch {class}" aria-hidden="true"></span>{name}</li>"#,
                class = class(s),
                name = esc(name),
            ));
        }
        out.push_str("</ul>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(label: &str, values: &[u64]) -> Column {
        Column {
            label: label.into(),
            values: values.to_vec(),
        }
    }

    #[test]
    fn stacks_are_scaled_labelled_and_escaped() {
        let svg = stacked(
            "c",
            "Paid <volume>",
            "per day",
            &["sbp".to_owned(), "card & co".to_owned()],
            &[
                column("12-01", &[25, 25]),
                column("12-02", &[0, 0]),
                column("12-03", &[100, 0]),
            ],
            |v| format!("{v} ₽"),
        );
        assert!(
            svg.contains("<title id=\"c-title\">Paid &lt;volume&gt;</title>"),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect").count(), 3, "no segment for zero");
        // The highest stack fills the plot; the two halves of half the value are a quarter
        // of it each, one on the other.
        assert!(svg.contains(r#"y="24" width="48" height="188""#), "{svg}");
        assert!(svg.contains(r#"y="165" width="48" height="47""#), "{svg}");
        assert!(svg.contains(r#"y="118" width="48" height="47""#), "{svg}");
        assert!(svg.contains("12-01, card &amp; co: 25 ₽"), "{svg}");
        assert!(svg.contains(r#"class="bar s0""#) && svg.contains(r#"class="bar s1""#));
        assert!(svg.contains("100 ₽") && svg.contains(">12-02<"));
        assert!(
            svg.contains(r#"<span class="swatch s1" aria-hidden="true"></span>card &amp; co</li>"#)
        );
        assert!(!svg.contains("style"), "no inline style under the CSP");
    }

    #[test]
    fn a_stack_is_as_tall_as_its_total() {
        let svg = stacked(
            "c",
            "t",
            "d",
            &["a".into(), "b".into(), "c".into()],
            &[column("d1", &[1, 1, 1]), column("d2", &[3, 0, 0])],
            |v| v.to_string(),
        );
        // Both columns total 3 (the maximum): each reaches the top of the plot (y = 24).
        assert_eq!(svg.matches(r#" y="24" "#).count(), 2, "{svg}");
    }
}
