//! A kept page's gzip, made once: the page is compressed in parts, cut where its script nonce
//! stands, each part ending byte-aligned (deflate's sync flush), and kept with each part's
//! checksum instead of the page. Each answer then joins the parts with its own nonce between
//! them, as stored (uncompressed) deflate blocks, and ends the stream with the checksum combined
//! from the parts' and the nonce's: one valid gzip member that inflates to the page as sent,
//! costing a copy instead of compressing 90 KB again for every answer. The rare client that does
//! not take gzip is sent that member inflated.

use app::ssr::cache::KeptGzip;
use axum::body::Bytes;
use crc32fast::Hasher;
use flate2::{Compress, Compression, FlushCompress};
use std::io::Read;

/// `body` compressed in parts between the places (`at`, each `len` bytes long) where its nonce
/// stands; `None` if compressing failed.
pub fn parts(body: &[u8], at: &[usize], len: usize) -> Option<KeptGzip> {
    let mut kept = KeptGzip {
        parts: Vec::with_capacity(at.len() + 1),
        raw: Vec::with_capacity(at.len() + 1),
    };
    let mut start = 0;
    for end in at.iter().copied().chain([body.len()]) {
        let part = body.get(start..end)?;
        kept.parts.push(deflate_aligned(part)?);
        kept.raw
            .push((crc32fast::hash(part), u64::try_from(part.len()).ok()?));
        start = end + len;
    }
    Some(kept)
}

thread_local! {
    /// Each thread's compressor, reset for every part: making one allocates and clears a
    /// few hundred kilobytes, which cost more than compressing a page's part.
    static COMPRESSOR: std::cell::RefCell<Compress> =
        std::cell::RefCell::new(Compress::new(Compression::fast(), false));
}

/// Raw deflate of `data`, ending byte-aligned and not final, so that more blocks may follow.
/// Each part on its own, with no reference into another: the nonce between them differs.
fn deflate_aligned(data: &[u8]) -> Option<Bytes> {
    COMPRESSOR.with(|c| {
        let mut c = c.try_borrow_mut().ok()?;
        c.reset();
        deflate_with(&mut c, data)
    })
}

fn deflate_with(c: &mut Compress, data: &[u8]) -> Option<Bytes> {
    let mut out: Vec<u8> = Vec::with_capacity(data.len() / 3 + 64);
    loop {
        out.reserve(data.len() / 8 + 256);
        let done = usize::try_from(c.total_in()).ok()?;
        c.compress_vec(data.get(done..)?, &mut out, FlushCompress::Sync)
            .ok()?;
        // The flush is complete once all input is taken and the output was not filled up.
        if usize::try_from(c.total_in()).ok()? == data.len() && out.len() < out.capacity() {
            return Some(out.into());
        }
    }
}

/// The gzip of the kept page with `nonce` in every place its own stood.
pub fn joined(kept: &KeptGzip, nonce: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(nonce.len()).ok()?;
    let mut out = Vec::with_capacity(kept.parts.iter().map(Bytes::len).sum::<usize>() + 64);
    // Header: deflate, no flags, no time, no extra flags, unknown system.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let nonce_crc = Hasher::new_with_initial_len(crc32fast::hash(nonce), u64::from(len));
    let mut crc = Hasher::new();
    for (i, (part, &(part_crc, part_len))) in kept.parts.iter().zip(&kept.raw).enumerate() {
        out.extend_from_slice(part);
        crc.combine(&Hasher::new_with_initial_len(part_crc, part_len));
        if i + 1 < kept.parts.len() {
            // A stored block, not final: its header byte, then LEN and its complement.
            out.push(0);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(nonce);
            crc.combine(&nonce_crc);
        }
    }
    // The last block: stored, final and empty.
    out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    let size = kept.raw.iter().map(|r| r.1).sum::<u64>()
        + u64::from(len) * u64::try_from(kept.parts.len().saturating_sub(1)).ok()?;
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE: the length modulo 2^32.
    out.extend_from_slice(&u32::try_from(size & 0xffff_ffff).ok()?.to_le_bytes());
    Some(out)
}

/// The page a joined gzip holds, for a client that does not take gzip.
pub fn inflated(gzip: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(gzip.len() * 5);
    flate2::read::GzDecoder::new(gzip)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// Whether a request's `Accept-Encoding` takes gzip (and not at quality 0).
pub fn accepted(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut bits = item.split(';').map(str::trim);
        let name = bits.next().unwrap_or_default();
        let refused = bits.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .expect("a valid gzip stream");
        out
    }

    fn places(body: &str, nonce: &str) -> Vec<usize> {
        body.match_indices(nonce).map(|(i, _)| i).collect()
    }

    #[test]
    fn the_joined_parts_are_the_page_with_each_answers_nonce() {
        let then = "0123456789abcdef0123456789abcdef";
        let now = "fedcba9876543210fedcba9876543210";
        let rows: String = (0..2000)
            .map(|i| format!("<tr><td>REQ-{i}</td></tr>"))
            .collect();
        for body in [
            format!("<script nonce=\"{then}\">x</script>{rows}<script nonce=\"{then}\"></script>"),
            format!("{then}{rows}{then}"),
            format!("{then}{then}"),
            rows.clone(),
        ] {
            let at = places(&body, then);
            let kept = parts(body.as_bytes(), &at, then.len()).unwrap();
            assert_eq!(kept.parts.len(), at.len() + 1);
            let sent = body.replace(then, now);
            let gz = joined(&kept, now.as_bytes()).unwrap();
            assert_eq!(gunzip(&gz), sent.as_bytes());
            assert_eq!(inflated(&gz).unwrap(), sent.as_bytes());
            assert!(gz.len() < sent.len() / 2 || sent.len() < 100, "compressed");
        }
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepted("gzip, deflate, br"));
        assert!(accepted("br;q=1.0, gzip;q=0.8"));
        assert!(accepted("*"));
        assert!(!accepted("gzip;q=0"));
        assert!(!accepted("br, deflate"));
        assert!(!accepted(""));
    }
}
