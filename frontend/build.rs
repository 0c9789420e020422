//! Minifies `style/widget.css` into `OUT_DIR` (comments and layout whitespace out): the
//! stylesheet is embedded in the wasm, and every byte counts against the widget's size budget.

use std::{env, fs, path::Path};

fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
                pending_space = true;
            }
            '"' | '\'' => {
                if pending_space
                    && !out.is_empty()
                    && !out.ends_with(['{', '}', ';', ',', '>', '('])
                {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                for s in chars.by_ref() {
                    out.push(s);
                    if s == c {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => pending_space = true,
            '{' | '}' | ';' | ',' | '>' => {
                if c == '}' && out.ends_with(';') {
                    out.pop();
                }
                out.push(c);
                pending_space = false;
            }
            c => {
                if pending_space && !out.is_empty() && !out.ends_with(['{', '}', ';', ',', '>']) {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            }
        }
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../style/widget.css");
    println!("cargo::rerun-if-changed={}", src.display());
    let css = fs::read_to_string(&src)?;
    let out = Path::new(&env::var("OUT_DIR")?).join("widget.min.css");
    fs::write(out, minify(&css))?;
    Ok(())
}
