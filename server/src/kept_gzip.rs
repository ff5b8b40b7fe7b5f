//! A kept page's gzip, made once: the page is compressed in parts, cut where its script nonce
//! stands, each part ending byte-aligned (deflate's sync flush), and kept with the page's
//! checksum instead of the page. Each answer then joins the parts with its own nonce between
//! them, as stored (uncompressed) deflate blocks, and ends the stream with the page's checksum
//! corrected for its nonce: one valid gzip member that inflates to the page as sent, costing a
//! copy instead of compressing 90 KB again for every answer. The rare client that does not take
//! gzip is sent that member inflated.
//!
//! The correction costs one product of two 32-bit polynomials, whatever the page's length and
//! however often the nonce stands in it. CRC-32 is linear over GF(2): two pages of one length
//! differ in checksum by the checksum register (from zero) of their difference, which is zero
//! but where the nonces stand. The register of a nonce followed by `r` zero bytes is the
//! nonce's own register times x^(8r) modulo the CRC polynomial; summing those powers over every
//! place at keep time leaves one polynomial that takes the difference of two nonces' registers
//! to the difference of the pages' checksums (zlib's `crc32_combine` arithmetic, done once per
//! kept page instead of for every part of every answer).

use app::ssr::cache::KeptGzip;
use axum::body::Bytes;
use crc32fast::Hasher;
use flate2::{Compress, Compression, FlushCompress};
use std::io::Read;

/// `body` compressed in parts between the places (`at`, each `len` bytes long) where its nonce
/// stands; `None` if compressing failed.
pub fn parts(body: &[u8], at: &[usize], len: usize) -> Option<KeptGzip> {
    let mut parts = Vec::with_capacity(at.len() + 1);
    let mut shift = 0u32;
    let mut start = 0;
    for end in at.iter().copied().chain([body.len()]) {
        let part = body.get(start..end)?;
        parts.push(if part.len() < STORED_BELOW {
            stored(part)?
        } else {
            deflate_aligned(part)?
        });
        start = end + len;
        if end < body.len() {
            shift ^= zero_bytes(u64::try_from(body.len().checked_sub(start)?).ok()?);
        }
    }
    let nonce = match at.first() {
        Some(&i) => body.get(i..i + len)?,
        None => &[],
    };
    Some(KeptGzip {
        parts,
        nonce_len: u16::try_from(len).ok()?,
        crc: crc32fast::hash(body),
        nonce_register: register(nonce),
        shift,
        size: u32::try_from(u64::try_from(body.len()).ok()? & 0xffff_ffff).ok()?,
    })
}

/// The CRC-32 register after `data`, started from zero: linear in `data`.
fn register(data: &[u8]) -> u32 {
    // crc32fast keeps its state complemented: an initial 0xffffffff is a register of zero.
    let mut h = Hasher::new_with_initial(u32::MAX);
    h.update(data);
    !h.finalize()
}

/// The CRC-32 polynomial, bit-reflected: bit 31 is x^0.
const POLY: u32 = 0xedb8_8320;

/// `a` times `b` modulo the CRC-32 polynomial (both bit-reflected, as the register is).
fn times(a: u32, mut b: u32) -> u32 {
    let mut m = 1u32 << 31;
    let mut p = 0;
    while m != 0 {
        if a & m != 0 {
            p ^= b;
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    p
}

/// x^(8n) modulo the CRC-32 polynomial: what `n` zero bytes do to a register (multiplied by it).
fn zero_bytes(mut n: u64) -> u32 {
    // x^8 = x^(2^3), squared for every further bit of n.
    let mut power = 1u32 << (31 - 8);
    let mut out = 1u32 << 31;
    while n != 0 {
        if n & 1 != 0 {
            out = times(power, out);
        }
        power = times(power, power);
        n >>= 1;
    }
    out
}

/// Parts shorter than this (the page's head and its last lines, between its scripts) are kept
/// as they are, in a stored block: compressing them saved a few hundred bytes and cost a reset
/// of the compressor's tables each (more than compressing the page's rows).
const STORED_BELOW: usize = 2048;

/// `data` as a stored deflate block, not final; nothing for no data.
fn stored(data: &[u8]) -> Option<Bytes> {
    if data.is_empty() {
        return Some(Bytes::new());
    }
    let mut out = Vec::with_capacity(data.len() + 5);
    push_stored(&mut out, data)?;
    Some(out.into())
}

/// Appends `data` (at most 65,535 bytes) as a stored deflate block, not final: its header
/// byte, then LEN and its complement, then the bytes. `None` if `data` is longer.
fn push_stored(out: &mut Vec<u8>, data: &[u8]) -> Option<()> {
    let len = u16::try_from(data.len()).ok()?;
    out.push(0);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    Some(())
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
            // Kept in memory for as long as the page is: as long as it is, not as long as
            // the buffer grew (a third again).
            return Some(Bytes::copy_from_slice(&out));
        }
    }
}

/// The gzip of the kept page with `nonce` in every place its own stood; `None` if `nonce` is
/// not as long as that one.
pub fn joined(kept: &KeptGzip, nonce: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(nonce.len()).ok()?;
    if len != kept.nonce_len {
        return None;
    }
    let mut out = Vec::with_capacity(
        kept.parts.iter().map(Bytes::len).sum::<usize>()
            + kept.parts.len() * (5 + nonce.len())
            + 28,
    );
    // Header: deflate, no flags, no time, no extra flags, unknown system.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    for (i, part) in kept.parts.iter().enumerate() {
        out.extend_from_slice(part);
        if i + 1 < kept.parts.len() {
            push_stored(&mut out, nonce)?;
        }
    }
    // The last block: stored, final and empty.
    out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    let crc = kept.crc ^ times(kept.shift, register(nonce) ^ kept.nonce_register);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&kept.size.to_le_bytes());
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
    fn a_shift_is_what_zero_bytes_do_to_the_register() {
        let data = b"<script nonce=\"abc\">";
        for n in [0u64, 1, 2, 3, 7, 8, 255, 1000, 65_537] {
            let mut padded = data.to_vec();
            padded.resize(data.len() + usize::try_from(n).unwrap(), 0);
            assert_eq!(
                times(zero_bytes(n), register(data)),
                register(&padded),
                "{n} zeros"
            );
        }
        // The register is linear: the checksum is not (it starts from all ones).
        assert_eq!(
            register(b"ab") ^ register(b"cd"),
            register(&[b'a' ^ b'c', b'b' ^ b'd'])
        );
    }

    #[test]
    fn every_answers_nonce_makes_a_valid_stream_and_another_length_none() {
        let then = "n0n0n0n0n0n0n0n0n0n0n0";
        let body = format!("a{then}b{}{then}{then}c", "x".repeat(70_000));
        let kept = parts(body.as_bytes(), &places(&body, then), then.len()).unwrap();
        for i in 0..50u32 {
            let now = format!("{:022x}", u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let gz = joined(&kept, now.as_bytes()).unwrap();
            assert_eq!(gunzip(&gz), body.replace(then, &now).as_bytes());
        }
        assert!(joined(&kept, b"short").is_none());
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
