//! One small chart component: vertical bars as plain SVG (no script, no inline style; colours
//! come from the stylesheet), with a title and description for screen readers and the same
//! numbers as a table beside it.

use crate::html::escape as esc;

/// One bar: its label (under the axis) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Label under the bar (a day).
    pub label: String,
    /// Value (e.g. kopecks).
    pub value: u64,
}

const WIDTH: u64 = 720;
const HEIGHT: u64 = 240;
const LEFT: u64 = 8;
const BOTTOM: u64 = 28;
const TOP: u64 = 24;

/// The SVG of `bars`, `title` and `desc` announced, values written by `format` (the top of
/// the scale and each bar's tooltip). At most about 12 labels are written under the axis.
pub fn bars(
    id: &str,
    title: &str,
    desc: &str,
    bars: &[Bar],
    format: impl Fn(u64) -> String,
) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let n = u64::try_from(bars.len()).unwrap_or(1).max(1);
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
    for (i, bar) in (0_u64..).zip(bars) {
        let h = bar.value * plot_h / max;
        let x = LEFT + i * slot + (slot - bar_w) / 2;
        if bar.value > 0 {
            out.push_str(&format!(
                r#"<rect class="bar" x="{x}" y="{y}" width="{bar_w}" height="{h}"><title>{label}: {value}</title></rect>"#,
                y = base - h.max(1),
                h = h.max(1),
                label = esc(&bar.label),
                value = esc(&format(bar.value)),
            ));
        }
        if i % label_every == 0 {
            out.push_str(&format!(
                r#"<text class="label" x="{cx}" y="{ty}" text-anchor="middle">{label}</text>"#,
                cx = x + bar_w / 2,
                ty = HEIGHT - 8,
                label = esc(&bar.label),
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_labelled_and_escaped() {
        let svg = bars(
            "c",
            "Paid <volume>",
            "per day",
            &[
                Bar {
                    label: "12-01".into(),
                    value: 50,
                },
                Bar {
                    label: "12-02".into(),
                    value: 0,
                },
                Bar {
                    label: "12-03".into(),
                    value: 100,
                },
            ],
            |v| format!("{v} ₽"),
        );
        assert!(
            svg.contains("<title id=\"c-title\">Paid &lt;volume&gt;</title>"),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect").count(), 2, "no bar for zero");
        // The highest bar fills the plot; half the value is half the height.
        assert!(
            svg.contains(r#"height="188""#) && svg.contains(r#"height="94""#),
            "{svg}"
        );
        assert!(svg.contains("100 ₽") && svg.contains(">12-02<"));
        assert!(!svg.contains("style"), "no inline style under the CSP");
    }
}
