//! One file per page.

pub mod admin_coverage;
pub mod admin_registry;
pub mod admin_templates;
pub mod approvals;
pub mod catalog;
pub mod files;
pub mod guide;
pub mod guide_edit;
pub mod guide_history;
pub mod guides;
pub mod home;
pub mod locked_out;
pub mod macros;
pub mod my_requests;
pub mod not_found;
pub mod person;
pub mod queue;
pub mod request;
pub mod request_fields;
pub mod request_flow;
pub mod request_form;
pub mod request_resolution;
pub mod sign_in;
pub mod system;
pub mod systems;
