//! The JSON API's reference as the portal's API page shows it: read from the OpenAPI
//! description the server generates (see `server::openapi`), shaped for reading.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiDocView {
    pub title: String,
    pub description: String,
    pub groups: Vec<ApiGroup>,
    /// Every type the operations take or give, by name.
    pub schemas: Vec<ApiSchema>,
}

/// The operations of one tag (requests, queue, tracker ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiGroup {
    pub name: String,
    pub description: String,
    pub operations: Vec<ApiOperation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    pub description: String,
    /// Callable without signing in.
    pub public: bool,
    pub params: Vec<ApiField>,
    /// The body's type, when it takes one.
    pub body: Option<ApiType>,
    pub responses: Vec<ApiResponse>,
}

/// A type as people read it: `string`, `list of IssueCard`; `link` names the schema to jump to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiType {
    pub text: String,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiField {
    pub name: String,
    /// `path`, `query` or empty for a field of a body.
    pub location: String,
    pub kind: ApiType,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiResponse {
    pub status: String,
    pub description: String,
    pub body: Option<ApiType>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiSchema {
    pub name: String,
    pub description: String,
    /// Its fields, for an object.
    pub fields: Vec<ApiField>,
    /// Its values, for an enumeration (or what it is, for anything else).
    pub values: Vec<String>,
}
