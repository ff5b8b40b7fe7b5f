//! Server-only code: the store over SQLite and Postgres, passwords and sessions, the services that
//! server functions and the JSON API share, and access to the current request's context.

pub mod api_doc;
pub mod approvals;
pub mod attachments;
pub mod auth;
pub mod automation;
pub mod cache;
pub mod catalog;
pub mod clock;
pub mod ctx;
pub mod drafts;
pub mod guides;
pub mod home;
pub mod issue_templates;
pub mod jobs;
pub mod lockout;
pub mod macros;
pub mod markdown;
pub mod net;
pub mod people;
pub mod queue;
pub mod reading;
pub mod registry;
pub mod resolution;
pub mod rota;
pub mod service;
pub mod sign_in;
pub mod snippet;
pub mod spelling;
pub mod store;
pub mod systems;
pub mod tasks;
pub mod templates;
pub mod tracker;

pub use ctx::AppState;
