//! The widget build (`dist/`) in memory: content types, SRI hashes, a build id, and the URLs
//! it is served under.
//!
//! * `/widget/v1/checkout.js` — the stable entry: a two-line module re-exporting the current
//!   build's entry, cached for five minutes, so a release reaches shops quickly;
//! * `/widget/v1/{build}/{file}` — every file of one build, immutable (cached for a year);
//!   `{build}` is derived from the content, so a new build gets new URLs;
//! * `/widget/v1/{file}` — the current file under its stable name (revalidated with an ETag);
//! * `/widget/v1/manifest.json` — build id, entry URL, and `sha384-…` integrity per file.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

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

/// Whether `name` is a file we publish: a plain file name, not trunk's page or a dot file.
fn publishable(name: &str) -> bool {
    !name.starts_with('.') && name != "index.html"
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
            let bytes = std::fs::read(entry.path()).map_err(read_err)?;
            files.insert(name.clone(), Self::asset(&name, bytes));
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

    fn asset(name: &str, bytes: Vec<u8>) -> Asset {
        let digest = openssl::sha::sha384(&bytes);
        Asset {
            content_type: content_type(name),
            integrity: format!("sha384-{}", BASE64.encode(digest)),
            etag: format!("\"{}\"", hex(&digest[..16])),
            bytes: Bytes::from(bytes),
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

    /// The stable entry module: re-exports this build's entry (which also sets up the custom
    /// element and auto-mount).
    pub fn stable_entry(&self) -> String {
        format!(
            "// alikassa-checkout widget {PREFIX}, build {build}. Stable entry: the code itself is immutable.\n\
             export * from \"./{build}/{ENTRY}\";\n",
            build = self.build
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
