//! Where a kept page's script nonce stands, so that each answer carries its own.

/// Where a kept page's nonce stands in its body.
#[derive(Clone, Debug)]
pub struct Nonced {
    len: usize,
    at: Vec<usize>,
}

impl Nonced {
    /// Finds every place `nonce` stands in `body`; `None` for an empty nonce.
    pub fn find(body: &[u8], nonce: &str) -> Option<Nonced> {
        let needle = nonce.as_bytes();
        let first = *needle.first()?;
        let mut at = Vec::new();
        let mut i = 0;
        while let Some(step) = body.get(i..)?.iter().position(|b| *b == first) {
            i += step;
            if body[i..].starts_with(needle) {
                at.push(i);
                i += needle.len();
            } else {
                i += 1;
            }
        }
        Some(Nonced {
            len: needle.len(),
            at,
        })
    }

    /// Where the nonce starts, each time it stands in the body.
    pub fn places(&self) -> &[usize] {
        &self.at
    }

    /// How long the nonce is.
    pub fn nonce_len(&self) -> usize {
        self.len
    }

    /// `body` with the nonce found in it replaced by `now` (a nonce of the same length) at every
    /// place it stood.
    pub fn replaced(&self, body: &[u8], now: &str) -> Option<Vec<u8>> {
        if now.len() != self.len {
            return None;
        }
        let mut out = body.to_vec();
        for &i in &self.at {
            out.get_mut(i..i + self.len)?
                .copy_from_slice(now.as_bytes());
        }
        Some(out)
    }
}
