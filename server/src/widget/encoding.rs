//! `Accept-Encoding` negotiation for the widget's precompressed files (RFC 9110 §12.5.3):
//! q-values, `identity`, `*`. Brotli is preferred over gzip over identity when the client
//! weighs them equally (smallest first).

/// A content coding we can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `br` (brotli, quality 11, made at build time).
    Brotli,
    /// `gzip` (level 9, made at build time).
    Gzip,
    /// The bytes as built.
    Identity,
}

impl Coding {
    /// The token of `Content-Encoding` (`None` for identity, which is never sent).
    pub fn header(self) -> Option<&'static str> {
        match self {
            Coding::Brotli => Some("br"),
            Coding::Gzip => Some("gzip"),
            Coding::Identity => None,
        }
    }

    fn token(self) -> &'static str {
        self.header().unwrap_or("identity")
    }
}

/// The q-value the header gives `coding`: its own entry, else `*`'s, else 1 for identity
/// and 0 for the others. `None` header = identity only.
fn weight(accept: &str, coding: Coding) -> f32 {
    let mut star = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        if name.eq_ignore_ascii_case(coding.token())
            || (coding == Coding::Gzip && name.eq_ignore_ascii_case("x-gzip"))
        {
            return q;
        }
        if name == "*" {
            star = Some(q);
        }
    }
    match (star, coding) {
        (Some(q), _) => q,
        (None, Coding::Identity) => 1.0,
        (None, Coding::Brotli | Coding::Gzip) => 0.0,
    }
}

/// The best coding among `available` (always including identity) for `accept` (the request's
/// `Accept-Encoding`, if any). When the client refuses everything we have, identity is sent
/// anyway (allowed by RFC 9110, and better than a 406 for a script).
pub fn choose(accept: Option<&str>, available: &[Coding]) -> Coding {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Coding::Identity;
    };
    let mut best = (Coding::Identity, 0.0_f32);
    for &coding in [Coding::Brotli, Coding::Gzip, Coding::Identity]
        .iter()
        .filter(|c| **c == Coding::Identity || available.contains(c))
    {
        let q = weight(accept, coding);
        if q > best.1 {
            best = (coding, q);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::Coding::{Brotli, Gzip, Identity};
    use super::choose;

    #[test]
    fn negotiation_table() {
        let both = [Brotli, Gzip];
        let cases: &[(Option<&str>, &[super::Coding], super::Coding)] = &[
            (None, &both, Identity),
            (Some(""), &both, Identity),
            (Some("gzip, deflate, br, zstd"), &both, Brotli),
            (Some("br, gzip"), &[Gzip], Gzip),
            (Some("br"), &[], Identity),
            (Some("gzip;q=1.0, br;q=0.5"), &both, Gzip),
            // identity is implicitly acceptable at q=1 unless refused.
            (Some("br;q=0, gzip;q=0.1"), &both, Identity),
            (Some("br;q=0, gzip;q=0.1, identity;q=0"), &both, Gzip),
            (Some("identity"), &both, Identity),
            (Some("*"), &both, Brotli),
            (Some("*;q=0.5, br;q=0"), &both, Gzip),
            (Some("identity;q=0, *;q=0"), &both, Identity),
            (Some("identity;q=0.9, gzip"), &[Gzip], Gzip),
            (Some("x-gzip"), &both, Gzip),
            (Some("BR;Q=0.8, identity;q=0.5"), &both, Brotli),
            (Some("deflate"), &both, Identity),
        ];
        for (accept, available, want) in cases {
            assert_eq!(
                choose(*accept, available),
                *want,
                "{accept:?} {available:?}"
            );
        }
    }
}
