//! The SberPay QR code, drawn as one SVG path (no image host, nothing inline to trip a CSP).

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR specification asks.
pub const QUIET_ZONE: usize = 4;

/// A QR code ready for `<svg viewBox="0 0 {size} {size}"><path d="{path}"/></svg>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSvg {
    /// Width and height in modules, quiet zone included.
    pub size: usize,
    /// The dark modules, one sub-path per horizontal run.
    pub path: String,
}

/// Why a QR code could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode this link as a QR code: {0}")]
pub struct QrError(String);

/// Encodes `data` (error correction M: survives a smudged screen, stays small).
pub fn qr_svg(data: &str) -> Result<QrSvg, QrError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| QrError(e.to_string()))?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!(
                    "M{} {}h{run}v1h-{run}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE
                ));
            } else {
                x += 1;
            }
        }
    }
    Ok(QrSvg {
        size: width + 2 * QUIET_ZONE,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_code_with_finder_patterns() {
        let qr =
            qr_svg("https://p2p.cloudpaypro.com/0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f").unwrap();
        // 66 bytes at level M need version 5: 37 modules, plus the quiet zone.
        assert_eq!(qr.size, 37 + 2 * QUIET_ZONE);
        // The top-left finder pattern starts with a run of seven dark modules.
        assert!(qr.path.starts_with("M4 4h7v1h-7z"), "{}", &qr.path[..40]);
        let dark: usize = QrCode::with_error_correction_level(
            "https://p2p.cloudpaypro.com/0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
            EcLevel::M,
        )
        .unwrap()
        .to_colors()
        .into_iter()
        .filter(|c| *c == Color::Dark)
        .count();
        // Every dark module is covered by exactly one run.
        let covered: usize = qr
            .path
            .split('M')
            .filter(|s| !s.is_empty())
            .map(|run| {
                let h = run.split('h').nth(1).unwrap();
                h.split('v').next().unwrap().parse::<usize>().unwrap()
            })
            .sum();
        assert_eq!(covered, dark);
    }

    #[test]
    fn different_links_give_different_codes() {
        assert_ne!(
            qr_svg("https://a.example/1").unwrap(),
            qr_svg("https://a.example/2").unwrap()
        );
    }
}
