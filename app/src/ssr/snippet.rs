//! Search-result snippets, made in Rust for both databases.
//!
//! The engines can make them (FTS5 `snippet()`, Postgres `ts_headline`), but only in a second
//! pass over the matches: SQLite re-runs the whole query for each shown row, which for a prefix
//! that expands to many words cost 250 ms, and `ts_headline` re-parses each body. Here the shown
//! bodies are scanned once, with the same Snowball English stemmer Postgres uses (SQLite's porter
//! tokenizer differs only in rare endings), so "resetting" highlights "resets".

use rust_stemmers::{Algorithm, Stemmer};

/// One search word as the engine was asked for it: exactly (stemmed), or as the beginning of a
/// word while the person is still typing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub word: String,
    pub prefix: bool,
}

pub struct Highlighter {
    stemmer: Stemmer,
    stems: Vec<String>,
    prefixes: Vec<String>,
}

impl Highlighter {
    pub fn new(terms: &[Term]) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let stems = terms
            .iter()
            .map(|t| stemmer.stem(&t.word).into_owned())
            .collect();
        let prefixes = terms
            .iter()
            .filter(|t| t.prefix)
            .map(|t| t.word.clone())
            .collect();
        Highlighter {
            stemmer,
            stems,
            prefixes,
        }
    }

    /// Whether `word` is a match. Stemming is most of a search's work, so a word is lowered
    /// and stemmed only when a term begins with its letter (the English stemmer changes
    /// endings only, never a word's first letter).
    fn matches(&self, word: &str) -> bool {
        let Some(first) = word.chars().next().and_then(|c| c.to_lowercase().next()) else {
            return false;
        };
        let begins = |t: &String| t.starts_with(first);
        if !self.stems.iter().any(begins) && !self.prefixes.iter().any(begins) {
            return false;
        }
        let word = word.to_lowercase();
        self.prefixes.iter().any(|p| word.starts_with(p.as_str()))
            || self.stems.iter().any(|s| *s == self.stemmer.stem(&word))
    }

    /// The stretch of `text` of at most `window` words with the most matches (the first such),
    /// matches wrapped in `\u{2}`…`\u{3}`, and `…` where text was cut. Marker characters already
    /// in the text are dropped so they cannot fake a highlight.
    pub fn snippet(&self, text: &str, window: usize) -> String {
        let words: Vec<(usize, usize)> = word_spans(text);
        if words.is_empty() || window == 0 {
            return String::new();
        }
        let hit: Vec<bool> = words
            .iter()
            .map(|&(a, b)| self.matches(&text[a..b]))
            .collect();
        let window = window.min(words.len());
        let mut count = hit[..window].iter().filter(|h| **h).count();
        let (mut best, mut best_count) = (0, count);
        for start in 1..=words.len() - window {
            count += usize::from(hit[start + window - 1]);
            count -= usize::from(hit[start - 1]);
            if count > best_count {
                (best, best_count) = (start, count);
            }
        }
        let end = best + window;
        let mut out = String::new();
        if best > 0 {
            out.push('\u{2026}');
        }
        let mut at = words[best].0;
        for (i, &(a, b)) in words.iter().enumerate().take(end).skip(best) {
            push_clean(&mut out, &text[at..a]);
            if hit[i] {
                out.push('\u{2}');
                push_clean(&mut out, &text[a..b]);
                out.push('\u{3}');
            } else {
                push_clean(&mut out, &text[a..b]);
            }
            at = b;
        }
        if end < words.len() {
            out.push('\u{2026}');
        } else {
            push_clean(&mut out, &text[at..]);
        }
        out
    }
}

/// Byte ranges of the runs of letters and digits, which is how both engines split words.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

fn push_clean(out: &mut String, s: &str) {
    out.extend(s.chars().filter(|c| *c != '\u{2}' && *c != '\u{3}'));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(w: &str) -> Term {
        Term {
            word: w.into(),
            prefix: false,
        }
    }

    #[test]
    fn stems_both_sides_and_marks_whole_words() {
        let h = Highlighter::new(&[exact("resetting")]);
        assert_eq!(
            h.snippet("Resets of 2FA: a reset needs a video call.", 20),
            "\u{2}Resets\u{3} of 2FA: a \u{2}reset\u{3} needs a video call."
        );
    }

    #[test]
    fn irregular_forms_still_match_their_stem() {
        // Forms the stemmer changes most, the first letter included in none.
        for (asked, text) in [
            ("die", "dying"),
            ("sky", "skies"),
            ("early", "Early on"),
            ("happy", "happiness"),
            ("yes", "Yesterday yes"),
        ] {
            let h = Highlighter::new(&[exact(asked)]);
            assert!(h.snippet(text, 5).contains('\u{2}'), "{asked} in {text}");
        }
        let stemmer = Stemmer::create(Algorithm::English);
        for w in [
            "dying",
            "lying",
            "tying",
            "skies",
            "idly",
            "ugly",
            "only",
            "yelling",
            "ytterbium",
        ] {
            assert_eq!(stemmer.stem(w).chars().next(), w.chars().next(), "{w}");
        }
    }

    #[test]
    fn picks_the_window_with_most_matches_and_marks_cuts() {
        let h = Highlighter::new(&[exact("laptop")]);
        let text = "one two three four five laptop six laptop seven eight nine ten";
        assert_eq!(
            h.snippet(text, 4),
            "\u{2026}five \u{2}laptop\u{3} six \u{2}laptop\u{3}\u{2026}"
        );
    }

    #[test]
    fn a_prefix_matches_the_beginning_of_words_only() {
        let h = Highlighter::new(&[Term {
            word: "acc".into(),
            prefix: true,
        }]);
        assert_eq!(
            h.snippet("Access to a bacchus account", 10),
            "\u{2}Access\u{3} to a bacchus \u{2}account\u{3}"
        );
    }

    #[test]
    fn without_a_match_the_beginning_is_shown_and_markers_in_text_are_dropped() {
        let h = Highlighter::new(&[exact("vpn")]);
        assert_eq!(h.snippet("a \u{2}b\u{3} c d", 3), "a b c\u{2026}");
        assert_eq!(h.snippet("", 3), "");
        assert_eq!(h.snippet("…!?", 3), "");
        assert_eq!(h.snippet("vpn!", 3), "\u{2}vpn\u{3}!");
    }

    #[test]
    fn non_ascii_text_is_cut_on_character_boundaries() {
        let h = Highlighter::new(&[exact("zugang")]);
        assert_eq!(
            h.snippet("Über den Zugang für Geräte", 2),
            "\u{2026}den \u{2}Zugang\u{3}\u{2026}"
        );
    }
}
