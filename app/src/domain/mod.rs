//! The helpdesk's own rules, as plain Rust with no I/O: what a request is, how it may move,
//! who may do what. Pages, server functions and the JSON API call this; they never re-implement it.

pub mod access;
pub mod approval;
pub mod attachment;
pub mod catalog;
pub mod entitlement;
pub mod error;
pub mod form;
pub mod guide;
pub mod kinds;
pub mod macros;
pub mod queue;
pub mod registry;
pub mod request;
pub mod role_template;
pub mod rule;
pub mod sla;
pub mod spelling;
pub mod task;
pub mod text;
pub mod time;
pub mod tracker;
pub mod user;

#[cfg(test)]
mod policy_tests;
#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod tracker_tests;
