//! Server functions for Tier 1 guides: browse, search, read, vote, suggest. What they send is in
//! `crate::model::guides`.

use crate::domain::error::AppError;
use crate::model::guides::{GuideHistory, GuideHit, GuideSource, GuideView, GuidesView};
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "list_guides")]
pub async fn list_guides(q: String, category: String) -> Result<GuidesView, AppError> {
    use crate::ssr::{ctx, guides};
    guides::browse(&ctx::state()?, ctx::viewer()?.as_ref(), &q, &category).await
}

#[server(prefix = "/fn", endpoint = "get_guide")]
pub async fn get_guide(slug: String) -> Result<GuideView, AppError> {
    use crate::ssr::{ctx, guides};
    guides::read(&ctx::state()?, ctx::viewer()?.as_ref(), &slug).await
}

/// Up to five guides matching what someone is typing as a request title.
#[server(prefix = "/fn", endpoint = "suggest_guides")]
pub async fn suggest_guides(title: String) -> Result<Vec<GuideHit>, AppError> {
    use crate::ssr::{ctx, guides};
    guides::suggest(&ctx::state()?, ctx::viewer()?.as_ref(), &title).await
}

/// "Was this helpful?": one vote per person, or per browser for visitors; a new vote replaces it.
#[server(prefix = "/fn", endpoint = "vote_guide")]
pub async fn vote_guide(slug: String, helpful: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, guides};
    let helpful = match helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::invalid("helpful", "Answer yes or no.")),
    };
    guides::vote(&ctx::state()?, ctx::viewer()?.as_ref(), &slug, helpful).await?;
    // Back to the guide, saying thanks: the only way to say it without JavaScript.
    ctx::redirect_form(&format!("/guides/{slug}?voted=1"));
    Ok(())
}

/// "This solved it" on a suggestion: counts it and leaves the draft for the guide.
#[server(prefix = "/fn", endpoint = "guide_solved")]
pub async fn guide_solved(slug: String) -> Result<String, AppError> {
    use crate::ssr::{ctx, guides};
    guides::solved(&ctx::state()?, ctx::viewer()?.as_ref(), &slug).await?;
    let path = format!("/guides/{slug}?solved=1");
    ctx::redirect_form(&path);
    Ok(path)
}

#[server(prefix = "/fn", endpoint = "get_guide_source")]
pub async fn get_guide_source(slug: String) -> Result<GuideSource, AppError> {
    use crate::ssr::{ctx, guides};
    guides::source(&ctx::state()?, ctx::viewer()?.as_ref(), &slug).await
}

/// Creates (empty `original`) or edits (the guide's slug in `original`) a guide; every save is
/// a revision. `revision` is the one the editor started from, so nobody's newer save is lost.
#[server(prefix = "/fn", endpoint = "save_guide")]
#[allow(clippy::too_many_arguments)]
pub async fn save_guide(
    original: String,
    slug: String,
    title: String,
    category: String,
    visibility: String,
    owner: String,
    body: String,
    revision: String,
    note: String,
    #[server(default)] attachments: String,
    #[server(default)] attachment_problem: String,
) -> Result<String, AppError> {
    use crate::ssr::{attachments::Carried, ctx, guides};
    let v = ctx::require_viewer()?;
    let slug = guides::edit(
        &ctx::state()?,
        &v,
        guides::Edit {
            original: &original,
            slug: &slug,
            title: &title,
            category: &category,
            visibility: &visibility,
            owner: &owner,
            body: &body,
            revision: &revision,
            note: &note,
        },
        Carried {
            ids: &attachments,
            problem: &attachment_problem,
        },
    )
    .await?;
    let path = format!("/guides/{slug}");
    ctx::redirect_form(&path);
    Ok(path)
}

/// Markdown rendered and sanitized exactly as readers will see it.
#[server(prefix = "/fn", endpoint = "preview_markdown")]
pub async fn preview_markdown(body: String) -> Result<String, AppError> {
    use crate::ssr::{ctx, guides};
    guides::preview(ctx::viewer()?.as_ref(), &body)
}

#[server(prefix = "/fn", endpoint = "get_guide_history")]
pub async fn get_guide_history(
    slug: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<GuideHistory, AppError> {
    use crate::ssr::{ctx, guides};
    let revision = |field: &str, raw: &str| -> Result<Option<i32>, AppError> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        let n = crate::domain::request::parse_id(field, raw)?;
        i32::try_from(n)
            .map(Some)
            .map_err(|_| AppError::invalid(field, format!("There is no revision {n}.")))
    };
    guides::history(
        &ctx::state()?,
        ctx::viewer()?.as_ref(),
        &slug,
        revision("from", &from)?,
        revision("to", &to)?,
    )
    .await
}

/// Makes an old revision current again, as a new revision.
#[server(prefix = "/fn", endpoint = "restore_guide")]
pub async fn restore_guide(slug: String, number: String) -> Result<(), AppError> {
    use crate::ssr::{ctx, guides};
    let v = ctx::require_viewer()?;
    guides::restore(&ctx::state()?, &v, &slug, &number).await?;
    ctx::redirect_form(&format!("/guides/{slug}/history"));
    Ok(())
}
