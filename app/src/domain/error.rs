//! The one error type that is safe to show to a person or an API client.

use serde::{Deserialize, Serialize};

/// Errors that cross the wire (server functions, the JSON API). Database text never ends up here:
/// the store logs it and returns [`AppError::Internal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    /// Bad input in a named field; `more` holds the other fields found wrong in the same
    /// attempt, so that a form shows every message at once.
    #[error("{message}")]
    Invalid {
        field: String,
        message: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        more: Vec<FieldProblem>,
    },
    #[error("Please sign in first.")]
    Unauthenticated,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("{what} was not found.")]
    NotFound { what: String },
    /// A legal request that clashes with the current state (an illegal transition, a taken e-mail).
    #[error("{message}")]
    Conflict { message: String },
    #[error("{message}")]
    TooManyRequests { message: String },
    /// The request could not be read at all (malformed body, missing arguments).
    #[error("{message}")]
    BadRequest { message: String },
    /// The server is saturated (every slot for password checks is taken): try again shortly.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_secs: u32,
    },
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

/// One field's message, beside the first in [`AppError::Invalid`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Collects the mistakes of one attempt instead of stopping at the first, so that every field's
/// message comes back together.
#[derive(Default)]
pub struct Problems(Vec<AppError>);

impl Problems {
    /// The value, or `None` with the error kept for [`Problems::finish`].
    pub fn check<T>(&mut self, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One error naming every field found wrong (in the order they were checked); an error that
    /// is not about a field wins over field messages, as it would have alone.
    pub fn finish(self) -> Result<(), AppError> {
        if let Some(other) = self.0.iter().find(|e| e.field().is_none()) {
            return Err(other.clone());
        }
        let mut problems = self.0.iter().flat_map(AppError::problems);
        let Some(first) = problems.next() else {
            return Ok(());
        };
        let mut more: Vec<FieldProblem> = Vec::new();
        for p in problems {
            if p.field != first.field && !more.iter().any(|m| m.field == p.field) {
                more.push(p);
            }
        }
        Err(AppError::Invalid {
            field: first.field,
            message: first.message,
            more,
        })
    }
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            message: message.into(),
            more: Vec::new(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        AppError::NotFound {
            what: what.to_string(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
        }
    }

    /// The HTTP status for this error; never 500 for anything a client sent.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound { .. } => 404,
            AppError::Conflict { .. } => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::BadRequest { .. } => 400,
            AppError::Busy { .. } => 503,
            AppError::Internal => 500,
        }
    }

    /// The stable machine-readable code used in JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound { .. } => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Busy { .. } => "busy",
            AppError::Internal => "internal",
        }
    }

    /// The field this error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Seconds to wait before trying again, for a `Retry-After` header.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            AppError::Busy {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// Every field this error names, with its message, in the order they were found.
    pub fn problems(&self) -> Vec<FieldProblem> {
        match self {
            AppError::Invalid {
                field,
                message,
                more,
            } => std::iter::once(FieldProblem {
                field: field.clone(),
                message: message.clone(),
            })
            .chain(more.iter().cloned())
            .collect(),
            _ => Vec::new(),
        }
    }

    /// The message for `field`, when this error is about that field.
    pub fn message_for(&self, field: &str) -> Option<String> {
        self.problems()
            .into_iter()
            .find(|p| p.field == field)
            .map(|p| p.message)
    }
}

/// The field serde says is missing (``missing field `key` ``).
fn missing_field(message: &str) -> Option<&str> {
    message
        .split("missing field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .filter(|f| !f.is_empty())
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // A form without a field it needs: name it.
            E::Args(m) | E::MissingArg(m) if missing_field(&m).is_some() => {
                let field = missing_field(&m).unwrap_or_default();
                AppError::invalid(field, "This is missing from the form.")
            }
            // What the client sent could not be read: a client error, not ours.
            E::Args(m) | E::MissingArg(m) => AppError::BadRequest {
                message: format!("The request could not be read: {m}"),
            },
            E::Request(_) | E::Response(_) => AppError::BadRequest {
                message: "The server could not be reached. Check your connection and try again."
                    .to_string(),
            },
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

    #[test]
    fn a_missing_argument_is_named() {
        let e =
            AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `key`".into()));
        assert_eq!(e.field(), Some("key"));
        assert_eq!(e.status(), 422);
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("invalid type".into()));
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn problems_come_back_together_first_field_first() {
        let mut p = Problems::default();
        assert_eq!(p.check(Ok::<_, AppError>(1)), Some(1));
        assert!(p.is_empty());
        p.check::<()>(Err(AppError::invalid("title", "Give a title.")));
        p.check::<()>(Err(AppError::invalid("system", "Name the system.")));
        p.check::<()>(Err(AppError::invalid("title", "Said twice.")));
        let e = p.finish().unwrap_err();
        assert_eq!(e.field(), Some("title"));
        assert_eq!(e.message_for("system").as_deref(), Some("Name the system."));
        assert_eq!(e.message_for("title").as_deref(), Some("Give a title."));
        assert_eq!(e.problems().len(), 2);
        // On the wire the first field keeps its place; the others follow in `more`.
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["field"], "title");
        assert_eq!(json["more"][0]["field"], "system");
        assert_eq!(serde_json::from_value::<AppError>(json).unwrap(), e);
        // A single error travels as before, without `more`.
        let one = serde_json::to_value(AppError::invalid("title", "x")).unwrap();
        assert!(one.get("more").is_none());
    }

    #[test]
    fn an_error_about_no_field_wins_over_field_messages() {
        let mut p = Problems::default();
        p.check::<()>(Err(AppError::invalid("title", "Give a title.")));
        p.check::<()>(Err(AppError::Forbidden));
        assert_eq!(p.finish().unwrap_err(), AppError::Forbidden);
        assert_eq!(Problems::default().finish(), Ok(()));
    }
}
