//! The server's allocator, mimalloc, and its one setting.
//!
//! mimalloc 3 keeps a freed page a second before it hands it back to the system (its purge
//! delay). Under the queue's load a second's worth of freed pages is always waiting, and after
//! a burst of sign-ins (argon2 takes 7 MiB per check) so is the burst. Measured with
//! `bench/load sqlite` (resident MB: most under the mix / after it / 1 s and 5 s after 100
//! sign-ins at once), one run each on this noisy 2-core machine: a second, 106 / 102 / 128 / 105
//! and, in a slower run, 100 / 92 / 93 / 93; 100 ms, 97 / 94 / 98 / 94; 10 ms (mimalloc 2's
//! delay), 98 / 93 / 98 / 94. Throughput and latency stayed within the runs' noise. Tried and
//! left: mimalloc 2 (104 MB under the mix) and mimalloc's `override` of the C code's malloc,
//! SQLite's (91 / 83 / 87 / 85, but durable submits fell from 600-740 a second to 420-510).
//! Its arenas are committed as they are used, not eagerly: see `.cargo/config.toml`.
//!
//! Besides `app/src/routes/lazy.rs`, the one module that allows `unsafe_code`: mimalloc's
//! options are set through its C interface.
#![allow(unsafe_code)]

use libmimalloc_sys::{mi_option_get, mi_option_set, mi_option_t};
use std::os::raw::c_long;

/// `mi_option_purge_delay` in mimalloc 3's `mimalloc.h` (libmimalloc-sys names no constant for
/// it); a test checks that the number still names the purge delay.
const PURGE_DELAY: mi_option_t = 15;
/// Milliseconds a freed page waits before it is handed back.
const PURGE_DELAY_MS: c_long = 10;

/// Sets the allocator's options; called once, first thing in `main`. mimalloc's own variable
/// `MIMALLOC_PURGE_DELAY`, when set, stays in force (mimalloc read it as the process started).
pub fn configure() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: mi_option_set stores a number in mimalloc's option table; it takes no pointer,
    // and mimalloc reads the option afresh each time it purges, from any thread.
    unsafe { mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
}

/// The purge delay in force, in milliseconds (`/metrics` does not show it; the tests do).
pub fn purge_delay_ms() -> i64 {
    // SAFETY: reads a number from mimalloc's option table.
    i64::from(unsafe { mi_option_get(PURGE_DELAY) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mi_option_arena_eager_commit` in mimalloc 3's `mimalloc.h`.
    const ARENA_EAGER_COMMIT: mi_option_t = 4;

    #[test]
    fn the_options_set_are_the_ones_meant() {
        // Before: mimalloc 3's own default for the purge delay, a second (the number would
        // name another option, with another default, if the enumeration had moved).
        assert_eq!(
            purge_delay_ms(),
            1000,
            "option {PURGE_DELAY} is not mimalloc 3's purge delay"
        );
        configure();
        assert_eq!(purge_delay_ms(), i64::from(PURGE_DELAY_MS));
        // The build's define (.cargo/config.toml) reached the C build: arenas are committed
        // lazily (mimalloc's default is 2, eager where the kernel overcommits).
        // SAFETY: reads a number from mimalloc's option table.
        assert_eq!(unsafe { mi_option_get(ARENA_EAGER_COMMIT) }, 0);
    }
}
