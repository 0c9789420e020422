//! The widget build (`dist/`) in memory: content types, SRI hashes, a build id, and the URLs
//! it is served under.
//!
//! * `/widget/v1/checkout.js` — the stable entry: a small module re-exporting the current
//!   build's entry (and preloading its glue and wasm), cached for five minutes, so a release
//!   reaches shops quickly;
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
    /// When the page will mount a widget at once (a `<script data-token>` or an
    /// `<alikassa-checkout token>` is in it), it first preloads the build's JS glue and wasm, so
    /// they download beside the entry module rather than after it: one round trip less, as on
    /// the hosted page (whose `<head>` preloads the same files with the same attributes, which
    /// the entry's own `import()` and `fetch()` then match). A static `export * from` would run
    /// no code here before the entry had arrived, hence the dynamic import and top-level await
    /// (every browser that runs the widget has both); the re-exported names are the entry's
    /// (browser_wire checks they match).
    pub fn stable_entry(&self) -> String {
        let build = &self.build;
        // The same attributes as the hosted page's `<head>`: no integrity on the wasm (Chromium
        // reuses a preload only for a request with the same integrity, and `fetch()` has none).
        let mut links = String::new();
        if let Some(glue) = self.get("frontend.js") {
            links.push_str(&format!(
                "  {{ rel: \"modulepreload\", href: \"./{build}/frontend.js\", integrity: \"{}\" }},\n",
                glue.integrity
            ));
        }
        if self.get("frontend_bg.wasm").is_some() {
            links.push_str(&format!(
                "  {{ rel: \"preload\", href: \"./{build}/frontend_bg.wasm\", as: \"fetch\", type: \"application/wasm\", crossorigin: \"anonymous\" }},\n"
            ));
        }
        format!(
            r#"// alikassa-checkout widget {PREFIX}, build {build}. Stable entry: the code itself is immutable.
// A widget mounts now: its glue and wasm download beside the entry, not after it.
if (document.querySelector("script[data-token], alikassa-checkout[token]")) {{
  for (const attributes of [
{links}  ]) {{
    const link = document.createElement("link");
    for (const [name, value] of Object.entries(attributes)) link.setAttribute(name, value);
    link.href = new URL(attributes.href, import.meta.url).href;
    (document.head || document.documentElement).append(link);
  }}
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
