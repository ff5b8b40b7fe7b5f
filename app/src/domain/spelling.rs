//! Forgiving search: the words the guides use, a misspelt word put right when one edit (a letter
//! added, dropped, changed, or two swapped) makes it one of them, and the closest words to offer
//! when a search finds nothing.

use std::collections::{BTreeMap, BTreeSet};

/// Words shorter than this are never corrected: one edit turns "vpn" into too many words.
pub const CORRECT_MIN_CHARS: usize = 4;

/// The words of some texts, each with the number of texts it occurs in.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: BTreeMap<String, u32>,
    /// Words that are right although no text here uses them (the registry's system names):
    /// never corrected, never offered.
    kept: BTreeSet<String>,
}

/// The words of `text` as search sees them: runs of letters and digits, lower-cased.
pub fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| (2..=40).contains(&w.chars().count()))
        .map(str::to_lowercase)
}

impl Vocabulary {
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut words: BTreeMap<String, u32> = BTreeMap::new();
        for text in texts {
            let mut seen: Vec<String> = words_of(text).collect();
            seen.sort();
            seen.dedup();
            for w in seen {
                *words.entry(w).or_default() += 1;
            }
        }
        Vocabulary {
            words,
            kept: BTreeSet::new(),
        }
    }

    /// The same words, with the words of `names` never corrected ("slack" is not "stack").
    pub fn keeping<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        for name in names {
            self.kept.extend(words_of(name));
        }
        self
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn contains(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// Whether some word begins with `prefix` (a word still being typed).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.words
            .range(prefix.to_string()..)
            .next()
            .is_some_and(|(w, _)| w.starts_with(prefix))
    }

    /// The known words within `max` edits of `word`, closest first, then the most used, then
    /// alphabetical.
    fn near(&self, word: &str, max: usize) -> Vec<(usize, &str)> {
        let target: Vec<char> = word.chars().collect();
        let mut found: Vec<(usize, u32, &str)> = self
            .words
            .iter()
            .filter(|(w, _)| w.as_str() != word)
            .filter_map(|(w, n)| {
                let cand: Vec<char> = w.chars().collect();
                if cand.len().abs_diff(target.len()) > max {
                    return None;
                }
                edits(&target, &cand, max).map(|d| (d, *n, w.as_str()))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        found.into_iter().map(|(d, _, w)| (d, w)).collect()
    }

    /// The word `word` most likely meant, if it is unknown and one edit from a known word.
    pub fn correct(&self, word: &str) -> Option<String> {
        if word.chars().count() < CORRECT_MIN_CHARS
            || self.contains(word)
            || self.kept.contains(word)
            || word.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        self.near(word, 1).first().map(|(_, w)| w.to_string())
    }

    /// Up to `n` known words within two edits of `word`, closest first.
    pub fn closest(&self, word: &str, n: usize) -> Vec<String> {
        if word.chars().count() < 3 || self.kept.contains(word) {
            return Vec::new();
        }
        self.near(word, 2)
            .into_iter()
            .take(n)
            .map(|(_, w)| w.to_string())
            .collect()
    }

    /// `terms` with each unknown word put right where one edit makes it known; the last word
    /// counts as known while it begins a known word (search as you type). `None` when nothing
    /// changed.
    pub fn correct_terms(&self, terms: &[String]) -> Option<Vec<String>> {
        let last = terms.len().saturating_sub(1);
        let mut changed = false;
        let out = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let typing = i == last && t.chars().count() >= 3 && self.has_prefix(t);
                match (typing, self.correct(t)) {
                    (false, Some(c)) => {
                        changed = true;
                        c
                    }
                    _ => t.clone(),
                }
            })
            .collect();
        changed.then_some(out)
    }
}

/// The edit distance between `a` and `b` counting a swap of neighbours as one edit (optimal
/// string alignment), or `None` once it exceeds `max`.
fn edits(a: &[char], b: &[char], max: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    let mut prev2: Vec<usize> = vec![0; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur: Vec<usize> = vec![0; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[m]).filter(|d| *d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::from_texts([
            "Reset your password in Okta",
            "Password managers: 1Password for everyone",
            "Set up the VPN on a new laptop",
            "Report a lost laptop",
        ])
    }

    fn w(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn distance_counts_one_edit_of_each_kind() {
        let d = |a: &str, b: &str| {
            edits(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
                3,
            )
        };
        assert_eq!(d("password", "password"), Some(0));
        assert_eq!(d("pasword", "password"), Some(1)); // dropped
        assert_eq!(d("passsword", "password"), Some(1)); // added
        assert_eq!(d("passwird", "password"), Some(1)); // changed
        assert_eq!(d("passwrod", "password"), Some(1)); // swapped
        assert_eq!(d("laptpo", "laptop"), Some(1));
        assert_eq!(d("lpatpo", "laptop"), Some(2));
        assert_eq!(d("okta", "password"), None);
    }

    #[test]
    fn one_typo_per_word_is_put_right() {
        let v = vocab();
        assert_eq!(v.correct("pasword").as_deref(), Some("password"));
        assert_eq!(v.correct("laptpo").as_deref(), Some("laptop"));
        // Known words, short words, numbers and words two edits away stay as they are.
        assert_eq!(v.correct("password"), None);
        assert_eq!(v.correct("vpm"), None);
        assert_eq!(v.correct("12345"), None);
        assert_eq!(v.correct("pswrd"), None);
        assert_eq!(
            v.correct_terms(&w(&["pasword", "resett"])),
            Some(w(&["password", "reset"]))
        );
        assert_eq!(v.correct_terms(&w(&["password", "reset"])), None);
        // A last word that begins a known word is still being typed.
        assert_eq!(v.correct_terms(&w(&["lapto"])), None);
        assert_eq!(
            v.correct_terms(&w(&["lapto", "vpn"])),
            Some(w(&["laptop", "vpn"]))
        );
    }

    #[test]
    fn closest_words_are_offered_nearest_first() {
        let v = vocab();
        assert_eq!(v.closest("pswrd", 3), Vec::<String>::new());
        assert_eq!(v.closest("lptop", 3), w(&["laptop"]));
        assert_eq!(v.closest("okat", 3), w(&["okta"]));
        assert!(v.closest("zz", 3).is_empty());
    }

    #[test]
    fn names_kept_are_never_corrected_nor_offered() {
        let v = vocab().keeping(["Slack", "Google Workspace"]);
        assert_eq!(
            Vocabulary::from_texts(["the tech stack"])
                .correct("slack")
                .as_deref(),
            Some("stack")
        );
        let v2 = Vocabulary::from_texts(["the tech stack"]).keeping(["Slack"]);
        assert_eq!(v2.correct("slack"), None);
        assert!(v2.closest("slack", 3).is_empty());
        assert!(!v.closest("slak", 3).contains(&"slack".to_string()));
        assert_eq!(v.correct("workspace"), None);
    }

    #[test]
    fn the_more_used_word_wins_a_tie() {
        let v = Vocabulary::from_texts(["cart", "card", "card game"]);
        assert_eq!(v.correct("carx").as_deref(), Some("card"));
    }
}
