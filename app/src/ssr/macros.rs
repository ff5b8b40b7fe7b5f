//! Macros: canned replies that also move a request and label it, written by those who work the
//! queue and applied to one request in one transaction. Every function checks who is asking.

use super::ctx::AppState;
use super::reading::{check_flow_gates, load_visible};
use super::store::{Change, MacroRow};
use crate::domain::access::require_queue;
use crate::domain::error::AppError;
use crate::domain::macros::{render_macro, MacroContext, PLACEHOLDERS};
use crate::domain::request::{parse_text, RequestState, COMMENT_MAX};
use crate::domain::user::Viewer;
use crate::model::{MacroView, MacrosPage};

/// Most labels one macro adds.
pub const MACRO_LABELS_MAX: usize = 10;

fn macro_view(m: MacroRow) -> MacroView {
    MacroView {
        id: m.id,
        name: m.name,
        body: m.body,
        set_state: m.set_state.and_then(|s| s.parse().ok()),
        add_labels: labels_of(&m.add_labels),
    }
}

fn labels_of(s: &str) -> Vec<String> {
    s.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The macros page: every macro and the placeholders they may use.
pub async fn macros_page(st: &AppState, v: &Viewer) -> Result<MacrosPage, AppError> {
    require_queue(v)?;
    Ok(MacrosPage {
        macros: macro_views(st).await?,
        placeholders: placeholders(),
    })
}

pub async fn macro_views(st: &AppState) -> Result<Vec<MacroView>, AppError> {
    Ok(st.db.macros().await?.into_iter().map(macro_view).collect())
}

/// A label: lower-case letters, digits and dashes, as the catalog's own labels.
pub(crate) fn parse_label(field: &str, raw: &str) -> Result<String, AppError> {
    let l = raw.trim().to_lowercase();
    if l.is_empty() {
        return Err(AppError::invalid(field, "Enter a label."));
    }
    if l.len() > 50
        || !l
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(AppError::invalid(
            field,
            "A label is up to 50 letters, digits and dashes, e.g. access-review.",
        ));
    }
    Ok(l)
}

/// Applies a macro to a request: its reply with placeholders filled, its state and labels, in
/// one transaction.
pub async fn apply_macro(
    st: &AppState,
    v: &Viewer,
    key: &str,
    macro_id: i64,
) -> Result<(), AppError> {
    require_queue(v)?;
    let r = load_visible(st, v, key).await?;
    let m = st
        .db
        .macro_by_id(macro_id)
        .await?
        .ok_or_else(|| AppError::invalid("macro", "That macro no longer exists."))?;
    if !r.state().is_open() && r.state() != RequestState::Resolved {
        return Err(AppError::conflict(
            "This request is finished and takes no more replies.",
        ));
    }
    let key_text = r.key().to_string();
    let body = render_macro(
        &m.body,
        &MacroContext {
            request_key: &key_text,
            request_title: &r.title,
            requester_name: &r.requester_name,
            analyst_name: &v.name,
        },
    )?;
    // A request nobody started yet is started on the way: answering it is working on it.
    let mut moves = Vec::new();
    if let Some(to) = m
        .set_state
        .as_deref()
        .and_then(|s| s.parse::<RequestState>().ok())
    {
        let from = r.state();
        if to != from {
            let via = RequestState::InProgress;
            if !from.can_move_to(to) && from.can_move_to(via) && via.can_move_to(to) {
                check_flow_gates(st, &r, via).await?;
                moves.push((from, via));
                moves.push((via, to));
            } else {
                from.check_move(to)?;
                moves.push((from, to));
            }
            check_flow_gates(st, &r, to).await?;
        }
    }
    let mut changes = vec![Change {
        id: r.id,
        comment: Some((body, false)),
        state: moves.first().copied(),
        labels: labels_of(&m.add_labels),
        ..Change::default()
    }];
    if let Some(second) = moves.get(1) {
        changes.push(Change {
            id: r.id,
            state: Some(*second),
            ..Change::default()
        });
    }
    st.db.apply_changes(v.id, &changes).await?;
    Ok(())
}

/// Saves a macro; its placeholders are checked now so a typo never reaches a requester.
pub async fn save_macro(
    st: &AppState,
    v: &Viewer,
    name: &str,
    body: &str,
    set_state: &str,
    add_labels: &str,
) -> Result<i64, AppError> {
    require_queue(v)?;
    let name = parse_text("name", "a name", name, 80)?;
    let body = parse_text("body", "the reply", body, COMMENT_MAX)?;
    render_macro(
        &body,
        &MacroContext {
            request_key: "",
            request_title: "",
            requester_name: "",
            analyst_name: "",
        },
    )?;
    let set_state = match set_state.trim() {
        "" => None,
        s => Some(
            s.parse::<RequestState>()
                .map_err(|m| AppError::invalid("set_state", m))?,
        ),
    };
    let mut labels = Vec::new();
    for l in labels_of(add_labels) {
        let l = parse_label("add_labels", &l)?;
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    if labels.len() > MACRO_LABELS_MAX {
        return Err(AppError::invalid(
            "add_labels",
            format!("A macro adds at most {MACRO_LABELS_MAX} labels."),
        ));
    }
    Ok(st
        .db
        .save_macro(
            &name,
            &body,
            set_state.map(|s| s.as_str()),
            &labels.join(" "),
            v.id,
        )
        .await?)
}

pub async fn delete_macro(st: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    require_queue(v)?;
    if st.db.delete_macro(id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("That macro"))
    }
}

/// The placeholders, for the macro editor's hint.
pub fn placeholders() -> Vec<String> {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{{{p}}}}}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked() {
        assert_eq!(
            parse_label("label", " Access-Review ").unwrap(),
            "access-review"
        );
        assert!(parse_label("label", "two words").is_err());
        assert!(parse_label("label", "").is_err());
        assert_eq!(labels_of("a, b\nc  d"), ["a", "b", "c", "d"]);
    }
}
