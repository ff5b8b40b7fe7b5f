//! What text may hold at all, wherever it comes from (a form, the JSON API, an import): no control
//! characters but tab and line breaks. Postgres cannot store NUL, terminals and logs misread the
//! rest, and no person types them. Right-to-left marks, zero-width joiners and every other
//! printable character stay: people's names and languages need them.

use super::error::AppError;

/// The first character `s` may not hold, if any.
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| is_forbidden(c))
}

/// C0 and C1 control characters (but tab, line feed and carriage return), DEL, and the two
/// noncharacters U+FFFE and U+FFFF.
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// The message for a value of `field` that holds `c`.
pub fn forbidden_error(field: &str, c: char) -> AppError {
    AppError::invalid(
        field,
        format!(
            "This holds an invisible control character (U+{:04X}) that cannot be saved; remove it and try again.",
            c as u32
        ),
    )
}

/// Refuses a value of `field` that holds a forbidden character.
pub fn check(field: &str, s: &str) -> Result<(), AppError> {
    match forbidden_char(s) {
        Some(c) => Err(forbidden_error(field, c)),
        None => Ok(()),
    }
}

/// At most `max` characters of `s`, with an ellipsis when cut: for echoing what someone typed
/// back in a message without echoing all of it.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}\u{2026}", &s[..at]),
        None => s.to_string(),
    }
}

/// `s` escaped for HTML text (element content). Used where text reaches the page without going
/// through the view macros, which escape on their own: the document `<title>`, written into
/// `<head>` by leptos_meta as it is.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_by_name() {
        for bad in [
            "a\0b",
            "\u{7}",
            "x\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
            "\u{9b}",
            "\u{ffff}",
        ] {
            let e = check("title", bad).unwrap_err();
            assert_eq!(e.field(), Some("title"), "{bad:?}");
            assert!(e.to_string().contains("U+"), "{e}");
        }
        assert_eq!(
            check("title", "nul\0").unwrap_err().to_string(),
            "This holds an invisible control character (U+0000) that cannot be saved; remove it and try again."
        );
    }

    #[test]
    fn what_people_type_passes() {
        for good in [
            "plain",
            "line\nbreaks\r\nand\ttabs",
            "\u{202e}right to left\u{202c}",
            "zero\u{200b}width\u{200d}joiner",
            "emoji 👩‍💻 and accents é",
            "{{request.key}} </title><script>",
        ] {
            assert!(check("x", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn html_escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"</title><script>alert("x")</script> & 'y'"#),
            "&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape_html("REQ-1 Zoom"), "REQ-1 Zoom");
    }
}
