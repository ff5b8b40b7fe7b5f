#![recursion_limit = "256"]
//! Store and HTTP tests, each written once and run on SQLite and on Postgres.
//!
//! Postgres tests create and drop their own databases on the server named by
//! `TIERDESK_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`). They fail, not
//! skip, when it is unreachable.

mod api;
mod attachments;
mod automation;
mod catalog;
mod client;
mod common;
mod durability;
mod forms;
mod fuzz;
mod guides;
mod home;
mod http;
mod matrix;
mod queue;
mod resolution;
mod store;
mod systems;
mod tracker;
mod trust;
