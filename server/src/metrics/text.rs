//! The Prometheus text exposition format (version 0.0.4): one `# HELP` / `# TYPE` header per
//! family, then its samples, label values escaped.

use std::fmt::Write as _;

use super::histogram::Histogram;

/// `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What kind of family a metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (resets at restart).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in cumulative buckets, with a sum and a count.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Label pairs of one sample, in order.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

/// The exposition being written. Write each family in one go: [`Exposition::family`], then
/// its samples.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// An empty exposition.
    pub fn new() -> Exposition {
        Exposition::default()
    }

    /// Starts the family `name`.
    pub fn family(&mut self, name: &str, help: &str, kind: Kind) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample of a counter or gauge.
    pub fn sample(&mut self, name: &str, labels: Labels<'_>, value: f64) {
        self.text.push_str(name);
        write_labels(&mut self.text, labels, None);
        let _ = writeln!(self.text, " {}", number(value));
    }

    /// The `_bucket`, `_sum` and `_count` samples of one histogram series.
    pub fn histogram(&mut self, name: &str, labels: Labels<'_>, histogram: &Histogram) {
        for (bound, cumulative) in histogram.cumulative() {
            let le = if bound.is_finite() {
                number(bound)
            } else {
                "+Inf".to_owned()
            };
            let _ = write!(self.text, "{name}_bucket");
            write_labels(&mut self.text, labels, Some(&le));
            let _ = writeln!(self.text, " {cumulative}");
        }
        let _ = write!(self.text, "{name}_sum");
        write_labels(&mut self.text, labels, None);
        let _ = writeln!(self.text, " {}", number(histogram.sum()));
        let _ = write!(self.text, "{name}_count");
        write_labels(&mut self.text, labels, None);
        let _ = writeln!(self.text, " {}", histogram.count());
    }

    /// The text.
    pub fn finish(self) -> String {
        self.text
    }
}

fn write_labels(out: &mut String, labels: Labels<'_>, le: Option<&str>) {
    if labels.is_empty() && le.is_none() {
        return;
    }
    out.push('{');
    let mut first = true;
    for (name, value) in labels.iter().copied().chain(le.map(|le| ("le", le))) {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(name);
        out.push_str("=\"");
        escape_into(out, value);
        out.push('"');
    }
    out.push('}');
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A sample value: integers without a fraction, `NaN` / `±Inf` spelled as Prometheus does.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{value}")
    }
}

/// Whether `name` is a valid metric or label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}
