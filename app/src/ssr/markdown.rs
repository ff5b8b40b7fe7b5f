//! Guides are written in Markdown and shown as HTML: rendered by pulldown-cmark, then cleaned by
//! ammonia, so that nothing an author writes can run in a reader's browser.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Safe HTML for a guide: headings, lists, tables, code and links survive; scripts, event
/// handlers, frames, styles and `javascript:` links do not.
pub fn render(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .attribute_filter(same_site_images)
        .clean(&raw)
        .to_string()
}

/// Images load from this site only, as the pages' Content-Security-Policy demands: one from
/// elsewhere would be blocked anyway, and would tell another site who read the guide and when.
fn same_site_images<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
) -> Option<std::borrow::Cow<'u, str>> {
    let elsewhere = element == "img"
        && attribute == "src"
        && !(value.starts_with('/') && !value.starts_with("//") && !value.starts_with("/\\"));
    (!elsewhere).then_some(value.into())
}

/// Safe HTML for a registry field written in Markdown (descriptions, handbook links), with
/// relative links made absolute against `base`, the site the file came from.
pub fn render_with_base(markdown: &str, base: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    let mut b = ammonia::Builder::default();
    // The registry's text is about systems elsewhere: its images would all come from elsewhere.
    b.link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .rm_tags(["img"]);
    if let Ok(url) = ammonia::Url::parse(base) {
        b.url_relative(ammonia::UrlRelative::RewriteWithBase(url));
    }
    b.clean(&raw).to_string()
}

/// The words of a guide without Markdown syntax, for the search index and snippets.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock,
            ) => out.push('\n'),
            Event::Start(Tag::Item) => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_structure() {
        let html = render("# Title\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n\n[link](https://example.com)");
        for tag in [
            "<h1>",
            "<li>one</li>",
            "<table>",
            "<td>1</td>",
            "<pre><code>code",
            "href=\"https://example.com\"",
        ] {
            assert!(html.contains(tag), "{tag} missing from {html}");
        }
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
    }

    #[test]
    fn nothing_runs() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
            "[x](JaVaScRiPt:alert(1))",
            "<form action=\"https://evil.example\"><input></form>",
        ];
        for md in cases {
            let html = render(md).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "<iframe",
                "javascript:",
                "style=",
                "<form",
                "<svg",
            ] {
                assert!(!html.contains(bad), "{md:?} rendered as {html:?}");
            }
        }
    }

    #[test]
    fn images_come_from_this_site_only() {
        let html = render(
            "![a](/favicon.svg) ![b](https://tracker.example/p.gif) ![c](//tracker.example/p.gif) \
             <img src=\"x\"> <img src=\"/\\\\tracker.example/p.gif\">",
        );
        assert!(html.contains("src=\"/favicon.svg\""), "{html}");
        assert_eq!(html.matches("src=").count(), 1, "{html}");
        let html = render_with_base("![a](/logo.png) text", "https://handbook.gitlab.com/");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("text"));
    }

    #[test]
    fn relative_links_point_at_the_source_site() {
        let html = render_with_base(
            "[Guide](/handbook/security/#1password) and [x](javascript:alert(1))",
            "https://handbook.gitlab.com/",
        );
        assert!(
            html.contains("href=\"https://handbook.gitlab.com/handbook/security/#1password\""),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn plain_text_drops_syntax() {
        let t = plain_text("# Reset your **2FA**\n\n1. Open `Okta`\n2. Click [here](https://x)");
        assert!(t.contains("Reset your 2FA"));
        assert!(t.contains("Open Okta") && t.contains("Click here"));
        assert!(!t.contains('*') && !t.contains('#') && !t.contains("https://x"));
    }
}
