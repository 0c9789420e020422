//! The widget build (`dist/`) in memory: content types, SRI hashes, a build id, and the URLs
//! it is served under.
//!
//! * `/widget/v1/checkout.js` — the stable entry: a small module re-exporting the current
//!   build's entry (and starting its glue, its wasm and the widgets' views), cached for five
//!   minutes, so a release reaches shops quickly;
//! * `/widget/v1/{build}/{file}` — every file of one build, immutable (cached for a year);
//!   `{build}` is derived from the content, so a new build gets new URLs;
//! * `/widget/v1/{file}` — the current file under its stable name (revalidated with an ETag);
//! * `/widget/v1/manifest.json` — build id, entry URL, and `sha384-…` integrity per file.
//!
//! Beside each file the build may leave `{file}.br` and `{file}.gz` (scripts/build-widget.sh
//! makes them once, brotli q11 and gzip -9: too slow to redo at every server start, and the
//! test suites start many servers). They are served to clients that accept them; SRI and the
//! manifest describe the decoded bytes, which are the same whichever coding travels. A
//! compressed file older than its source (a rebuild without the compression step) is ignored.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

use super::encoding::Coding;

/// URL prefix of the widget's files.
pub const PREFIX: &str = "/widget/v1";

/// The entry module's file name.
pub const ENTRY: &str = "checkout.js";

/// One file of the build.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The bytes.
    pub bytes: Bytes,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Subresource Integrity value, `sha384-<base64>`.
    pub integrity: String,
    /// Strong ETag (quoted), derived from the hash.
    pub etag: String,
    /// The same bytes, brotli-compressed at build time.
    pub br: Option<Bytes>,
    /// The same bytes, gzip-compressed at build time.
    pub gz: Option<Bytes>,
}

impl Asset {
    /// The codings this file is available in besides identity.
    pub fn codings(&self) -> Vec<Coding> {
        let mut codings = Vec::with_capacity(2);
        if self.br.is_some() {
            codings.push(Coding::Brotli);
        }
        if self.gz.is_some() {
            codings.push(Coding::Gzip);
        }
        codings
    }

    /// The body and ETag of one representation.
    pub fn representation(&self, coding: Coding) -> (Bytes, String) {
        let tagged = |suffix: &str| format!("{}-{suffix}\"", self.etag.trim_end_matches('"'));
        match (coding, &self.br, &self.gz) {
            (Coding::Brotli, Some(br), _) => (br.clone(), tagged("br")),
            (Coding::Gzip, _, Some(gz)) => (gz.clone(), tagged("gz")),
            _ => (self.bytes.clone(), self.etag.clone()),
        }
    }
}

/// Why the build could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    /// The directory could not be read.
    #[error(
        "cannot read the widget build at {dir}: {source} (build it with scripts/build-widget.sh)"
    )]
    Read {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The entry module is missing.
    #[error("the widget build at {0} has no {ENTRY} (build it with scripts/build-widget.sh)")]
    NoEntry(PathBuf),
}

/// The loaded build.
#[derive(Debug, Clone)]
pub struct WidgetAssets {
    build: String,
    files: BTreeMap<String, Asset>,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// API generation (`v1`).
    pub version: &'static str,
    /// Content-derived build id.
    pub build: String,
    /// Immutable URL of the entry module.
    pub entry: String,
    /// Per file: immutable URL, integrity, size.
    pub files: BTreeMap<String, ManifestFile>,
}

/// One file in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFile {
    /// Immutable URL (path on this server).
    pub url: String,
    /// `sha384-…` for `integrity="…"`.
    pub integrity: String,
    /// Size in bytes.
    pub bytes: usize,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether `name` is a file we publish: a plain file name, not trunk's page, a dot file or a
/// compressed copy.
fn publishable(name: &str) -> bool {
    !name.starts_with('.')
        && name != "index.html"
        && !name.ends_with(".br")
        && !name.ends_with(".gz")
}

/// `{path}.{ext}` when it exists and is not older than `path` (else `None`: a stale copy
/// would not decode to the bytes SRI describes).
fn compressed_copy(path: &Path, ext: &str) -> Option<Bytes> {
    let mut name = path.file_name()?.to_owned();
    name.push(".");
    name.push(ext);
    let copy = path.with_file_name(name);
    let source_time = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let meta = std::fs::metadata(&copy).ok()?;
    if meta.modified().ok()? < source_time {
        tracing::warn!(file = %copy.display(), "compressed copy older than its file; not served");
        return None;
    }
    std::fs::read(&copy).ok().map(Bytes::from)
}

impl WidgetAssets {
    /// Reads every publishable file directly in `dir`.
    pub fn load(dir: &Path) -> Result<Self, AssetsError> {
        let read_err = |source| AssetsError::Read {
            dir: dir.to_owned(),
            source,
        };
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !publishable(&name) || !entry.file_type().map_err(read_err)?.is_file() {
                continue;
            }
            let path = entry.path();
            let bytes = std::fs::read(&path).map_err(read_err)?;
            let mut asset = Self::asset(&name, bytes);
            asset.br = compressed_copy(&path, "br");
            asset.gz = compressed_copy(&path, "gz");
            files.insert(name.clone(), asset);
        }
        if !files.contains_key(ENTRY) {
            return Err(AssetsError::NoEntry(dir.to_owned()));
        }
        Ok(Self::from_files(files))
    }

    /// A build from in-memory files (tests).
    pub fn from_memory(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        Self::from_files(
            files
                .into_iter()
                .map(|(name, bytes)| {
                    let asset = Self::asset(&name, bytes);
                    (name, asset)
                })
                .collect(),
        )
    }

    /// Gives `name` compressed copies (tests: any bytes stand for them).
    #[cfg(test)]
    pub fn with_copies(mut self, name: &str, br: Option<&[u8]>, gz: Option<&[u8]>) -> Self {
        if let Some(asset) = self.files.get_mut(name) {
            asset.br = br.map(Bytes::copy_from_slice);
            asset.gz = gz.map(Bytes::copy_from_slice);
        }
        self
    }

    fn asset(name: &str, bytes: Vec<u8>) -> Asset {
        let digest = openssl::sha::sha384(&bytes);
        Asset {
            content_type: content_type(name),
            integrity: format!("sha384-{}", BASE64.encode(digest)),
            etag: format!("\"{}\"", hex(&digest[..16])),
            bytes: Bytes::from(bytes),
            br: None,
            gz: None,
        }
    }

    fn from_files(files: BTreeMap<String, Asset>) -> Self {
        // The build id covers every name and hash, so any change gives new immutable URLs.
        let mut all = Vec::new();
        for (name, asset) in &files {
            all.extend_from_slice(name.as_bytes());
            all.push(0);
            all.extend_from_slice(asset.integrity.as_bytes());
            all.push(0);
        }
        let build = hex(&openssl::sha::sha256(&all)[..6]);
        Self { build, files }
    }

    /// The content-derived build id (12 hex digits).
    pub fn build(&self) -> &str {
        &self.build
    }

    /// A file by name.
    pub fn get(&self, name: &str) -> Option<&Asset> {
        self.files.get(name)
    }

    /// Immutable URL of `name` (whether or not it exists).
    pub fn url(&self, name: &str) -> String {
        format!("{PREFIX}/{}/{name}", self.build)
    }

    /// The stable entry module: loads this build's entry (which sets up the custom element and
    /// auto-mount) and re-exports it.
    ///
    /// When the page will mount a widget at once (a `<script data-token>` of ours or an
    /// `<alikassa-checkout token>` is in it), it first starts what the widget needs beside the
    /// entry module rather than after it (one round trip less): the build's JS glue (a
    /// `modulepreload` with its integrity, which the entry's `import()` then matches), the wasm
    /// and each widget's session view. The wasm and the views are `fetch()`es of exactly the
    /// requests the entry would make (same URLs and options; the wasm without integrity, as the
    /// entry and the hosted page ask for it), left in `globalThis.__alikassaCheckout` for the
    /// entry to take over, with the page's Content-Security-Policy violations that concern
    /// them (they fire before the entry could listen). Handing the view over saves a reload the
    /// entry's round trip before asking (README, "The widget on the wire"). A static
    /// `export * from` would run no code here before the entry had arrived, hence the dynamic
    /// import and top-level await (every browser that runs the widget has both); the
    /// re-exported names are the entry's (browser_wire checks they match).
    pub fn stable_entry(&self) -> String {
        let build = &self.build;
        let glue = match self.get("frontend.js") {
            Some(glue) => format!(
                r#"  const glue = document.createElement("link");
  glue.rel = "modulepreload";
  glue.integrity = "{}";
  glue.href = new URL("./{build}/frontend.js", import.meta.url).href;
  (document.head || document.documentElement).append(glue);
"#,
                glue.integrity
            ),
            None => String::new(),
        };
        let wasm = if self.get("frontend_bg.wasm").is_some() {
            format!(
                r#"  const wasm = new URL("./{build}/frontend_bg.wasm", import.meta.url).href;
  if (!started.wasm.has(wasm)) started.wasm.set(wasm, fetch(wasm));
"#
            )
        } else {
            String::new()
        };
        format!(
            r#"// alikassa-checkout widget {PREFIX}, build {build}. Stable entry: the code itself is immutable.
// A widget mounts now: its glue, wasm and session view download beside the entry, not after it;
// the entry takes the wasm and view requests over from `globalThis.__alikassaCheckout`.
const ours = (script) => new URL(script.src, document.baseURI).pathname.endsWith("/{ENTRY}");
const widgets = [
  ...[...document.querySelectorAll("script[data-token][src]")].filter((s) => ours(s) && !s.dataset.view).map((s) => s.dataset.token),
  ...[...document.querySelectorAll("alikassa-checkout[token]")].map((e) => e.getAttribute("token")),
].filter(Boolean);
if (widgets.length) {{
  const started = (globalThis.__alikassaCheckout ??= {{ wasm: new Map(), views: new Map(), violations: [] }});
  // The page's policy may block these requests before the entry listens: it reads them here.
  const origin = new URL(import.meta.url).origin;
  document.addEventListener("securitypolicyviolation", (e) => {{
    if ((e.blockedURI || "").startsWith(origin)) started.violations.push(e);
  }});
{glue}{wasm}  for (const token of widgets) {{
    if (started.views.has(token)) continue;
    const url = `${{origin}}/api/v1/checkout/${{encodeURIComponent(token)}}`;
    started.views.set(token, fetch(url, {{ mode: "cors", credentials: "omit", cache: "no-store" }}));
  }}
  for (const request of [...started.wasm.values(), ...started.views.values()]) request.catch(() => {{}});
}}
export const {{ mount }} = await import("./{build}/{ENTRY}");
"#
        )
    }

    /// The published manifest.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            version: "v1",
            build: self.build.clone(),
            entry: self.url(ENTRY),
            files: self
                .files
                .iter()
                .map(|(name, asset)| {
                    let file = ManifestFile {
                        url: self.url(name),
                        integrity: asset.integrity.clone(),
                        bytes: asset.bytes.len(),
                    };
                    (name.clone(), file)
                })
                .collect(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
