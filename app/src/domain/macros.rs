//! Macros' placeholders: the few values a canned reply may name, filled in when it is applied,
//! and refused by name when misspelt so that a typo never reaches a requester.

use super::error::AppError;

/// The values a macro's placeholders stand for.
pub struct MacroContext<'a> {
    pub request_key: &'a str,
    pub request_title: &'a str,
    pub requester_name: &'a str,
    pub analyst_name: &'a str,
}

/// The placeholders a macro may use.
pub const PLACEHOLDERS: [&str; 5] = [
    "request.key",
    "request.title",
    "requester.name",
    "requester.first_name",
    "analyst.name",
];

/// Fills `{{ placeholder }}`s. An unknown placeholder is an error naming it, so a typo is
/// caught when the macro is saved rather than sent to a requester.
pub fn render_macro(body: &str, ctx: &MacroContext) -> Result<String, AppError> {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(AppError::invalid(
                "body",
                "A placeholder starts with {{ but never ends with }}.",
            ));
        };
        let name = after[..end].trim();
        let value = match name {
            "request.key" => ctx.request_key,
            "request.title" => ctx.request_title,
            "requester.name" => ctx.requester_name,
            "requester.first_name" => ctx.requester_name.split_whitespace().next().unwrap_or(""),
            "analyst.name" => ctx.analyst_name,
            other => {
                return Err(AppError::invalid(
                    "body",
                    format!(
                        "Unknown placeholder {{{{{other}}}}}; use one of {}.",
                        PLACEHOLDERS.map(|p| format!("{{{{{p}}}}}")).join(", ")
                    ),
                ))
            }
        };
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_fill_placeholders_and_refuse_unknown_ones() {
        let ctx = MacroContext {
            request_key: "REQ-9",
            request_title: "VPN drops",
            requester_name: "Mia Member",
            analyst_name: "Ana Analyst",
        };
        assert_eq!(
            render_macro("Hi {{requester.first_name}}, {{ request.key }} ({{request.title}}) is done. {{analyst.name}}", &ctx).unwrap(),
            "Hi Mia, REQ-9 (VPN drops) is done. Ana Analyst"
        );
        assert_eq!(
            render_macro("No placeholders.", &ctx).unwrap(),
            "No placeholders."
        );
        let e = render_macro("Hi {{requester.nam}}", &ctx).unwrap_err();
        assert!(e.message_for("body").unwrap().contains("requester.nam"));
        assert!(render_macro("Hi {{requester.name", &ctx).is_err());
    }
}
