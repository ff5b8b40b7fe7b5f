//! Reads the OpenAPI description the server generates into the API page's view: operations by
//! tag, their parameters, bodies and answers, and every schema with its fields. The server
//! hands the description over once, at start (`AppState::api_doc`).

use crate::model::api_doc::{
    ApiDocView, ApiField, ApiGroup, ApiOperation, ApiResponse, ApiSchema, ApiType,
};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
const SCHEMA_REF: &str = "#/components/schemas/";

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A schema as a short type: `string`, `integer`, `list of IssueCard`, `RequestState or null`.
pub fn type_of(s: &Value) -> ApiType {
    let plain = |text: String| ApiType { text, link: None };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches(SCHEMA_REF).to_string();
        return ApiType {
            text: name.clone(),
            link: Some(name),
        };
    }
    for (key, joint) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(parts) = s.get(key).and_then(Value::as_array) {
            let types: Vec<ApiType> = parts.iter().map(type_of).collect();
            let link = types.iter().find_map(|t| t.link.clone());
            let text = types
                .into_iter()
                .map(|t| t.text)
                .collect::<Vec<_>>()
                .join(joint);
            return ApiType { text, link };
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        return plain(
            values
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(|s| format!("\"{s}\""))
                        .unwrap_or_else(|| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(" | "),
        );
    }
    let kinds: Vec<String> = match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let mut link = None;
    let words: Vec<String> = kinds
        .iter()
        .map(|k| match k.as_str() {
            "array" => {
                let item = s
                    .get("items")
                    .map(type_of)
                    .unwrap_or_else(|| plain("any".into()));
                link = item.link.clone();
                format!("list of {}", item.text)
            }
            "object" if s.get("additionalProperties").is_some() => {
                let value = s
                    .get("additionalProperties")
                    .map(type_of)
                    .unwrap_or_else(|| plain("any".into()));
                link = value.link.clone();
                format!("map of {}", value.text)
            }
            "string" => match s.get("format").and_then(Value::as_str) {
                Some(f) => format!("string ({f})"),
                None => "string".into(),
            },
            other => other.to_string(),
        })
        .collect();
    if words.is_empty() {
        return plain("any JSON".into());
    }
    ApiType {
        text: words.join(" or "),
        link,
    }
}

/// An object's fields, flattened parts (`allOf`) included.
fn fields_of(s: &Value, schemas: &Value) -> Vec<ApiField> {
    let mut out = Vec::new();
    if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
        for part in parts {
            let resolved = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => schemas
                    .get(r.trim_start_matches(SCHEMA_REF))
                    .unwrap_or(part),
                None => part,
            };
            out.extend(fields_of(resolved, schemas));
        }
    }
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            out.push(ApiField {
                name: name.clone(),
                location: String::new(),
                kind: type_of(p),
                required: required.contains(&name.as_str()),
                description: text(p, "description"),
            });
        }
    }
    out
}

fn body_type(content: Option<&Value>) -> Option<ApiType> {
    let c = content?.as_object()?;
    let (_, media) = c.iter().next()?;
    Some(media.get("schema").map(type_of).unwrap_or_else(|| ApiType {
        text: "any JSON".into(),
        link: None,
    }))
}

fn operation(method: &str, path: &str, op: &Value) -> ApiOperation {
    let params = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| ApiField {
                    name: text(p, "name"),
                    location: text(p, "in"),
                    kind: p.get("schema").map(type_of).unwrap_or(ApiType {
                        text: "string".into(),
                        link: None,
                    }),
                    required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    description: text(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut responses: Vec<ApiResponse> = op
        .get("responses")
        .and_then(Value::as_object)
        .map(|rs| {
            rs.iter()
                .map(|(status, r)| ApiResponse {
                    status: status.clone(),
                    description: text(r, "description"),
                    body: body_type(r.get("content")),
                })
                .collect()
        })
        .unwrap_or_default();
    responses.sort_by(|a, b| a.status.cmp(&b.status));
    // Public when one of its security choices is "nothing".
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
        });
    ApiOperation {
        method: method.to_uppercase(),
        path: path.to_string(),
        description: text(op, "description"),
        public,
        params,
        body: op
            .get("requestBody")
            .and_then(|b| body_type(b.get("content"))),
        responses,
    }
}

/// The page's view of an OpenAPI document.
pub fn view_of(spec: &Value) -> ApiDocView {
    let info = spec.get("info").cloned().unwrap_or(Value::Null);
    let schemas = spec
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or(Value::Null);
    let mut groups: Vec<ApiGroup> = spec
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| ApiGroup {
                    name: text(t, "name"),
                    description: text(t, "description"),
                    operations: Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let tag = op
                    .pointer("/tags/0")
                    .and_then(Value::as_str)
                    .unwrap_or("other")
                    .to_string();
                let at = match groups.iter().position(|g| g.name == tag) {
                    Some(i) => i,
                    None => {
                        groups.push(ApiGroup {
                            name: tag,
                            description: String::new(),
                            operations: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                groups[at].operations.push(operation(m, path, op));
            }
        }
    }
    groups.retain(|g| !g.operations.is_empty());
    let schemas = schemas
        .as_object()
        .map(|all| {
            all.iter()
                .map(|(name, s)| {
                    let fields = fields_of(s, &schemas);
                    let values = if fields.is_empty() {
                        vec![type_of(s).text]
                    } else {
                        Vec::new()
                    };
                    ApiSchema {
                        name: name.clone(),
                        description: text(s, "description"),
                        fields,
                        values,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    ApiDocView {
        title: text(&info, "title"),
        description: text(&info, "description"),
        groups,
        schemas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_read_as_people_say_them() {
        assert_eq!(type_of(&json!({"type": "string"})).text, "string");
        assert_eq!(
            type_of(&json!({"type": "string", "format": "date-time"})).text,
            "string (date-time)"
        );
        let list =
            type_of(&json!({"type": "array", "items": {"$ref": "#/components/schemas/IssueCard"}}));
        assert_eq!(list.text, "list of IssueCard");
        assert_eq!(list.link.as_deref(), Some("IssueCard"));
        let optional = type_of(
            &json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/ClockView"}]}),
        );
        assert_eq!(optional.text, "null or ClockView");
        assert_eq!(optional.link.as_deref(), Some("ClockView"));
        assert_eq!(
            type_of(&json!({"type": ["string", "null"]})).text,
            "string or null"
        );
        assert_eq!(
            type_of(&json!({"enum": ["p0", "p1"]})).text,
            "\"p0\" | \"p1\""
        );
        assert_eq!(type_of(&json!({})).text, "any JSON");
    }

    #[test]
    fn operations_group_by_tag_with_params_bodies_and_answers() {
        let spec = json!({
            "info": {"title": "T", "description": "D"},
            "tags": [{"name": "tracker", "description": "Tier 3"}, {"name": "unused"}],
            "paths": {"/api/v1/issues/{key}": {
                "get": {"tags": ["tracker"], "description": "One issue.",
                        "parameters": [{"name": "key", "in": "path", "required": true, "schema": {"type": "string"}}],
                        "responses": {"404": {"description": "No."}, "200": {"description": "Yes.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssueDetail"}}}}}},
                "patch": {"tags": ["tracker"], "security": [{}, {"token": []}],
                          "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/EditBody"}}}},
                          "responses": {}}
            }},
            "components": {"schemas": {
                "EditBody": {"type": "object", "required": ["title"], "properties": {
                    "title": {"type": "string", "description": "New title."}, "due_on": {"type": ["string", "null"]}}},
                "Both": {"allOf": [{"$ref": "#/components/schemas/EditBody"}, {"type": "object", "properties": {"x": {"type": "integer"}}}]},
                "State": {"type": "string", "enum": ["inbox", "wip"]}
            }}
        });
        let v = view_of(&spec);
        assert_eq!((v.title.as_str(), v.description.as_str()), ("T", "D"));
        assert_eq!(v.groups.len(), 1, "a tag with no operation is left out");
        let ops = &v.groups[0].operations;
        assert_eq!(ops[0].method, "GET");
        assert_eq!(ops[0].params[0].name, "key");
        assert!(ops[0].params[0].required);
        assert_eq!(
            ops[0].responses[0].status, "200",
            "answers in order of status"
        );
        assert_eq!(
            ops[0].responses[0].body.as_ref().unwrap().text,
            "IssueDetail"
        );
        assert!(!ops[0].public);
        assert!(ops[1].public, "an empty security choice means anyone");
        assert_eq!(
            ops[1].body.as_ref().unwrap().link.as_deref(),
            Some("EditBody")
        );
        let edit = v.schemas.iter().find(|s| s.name == "EditBody").unwrap();
        let title = edit.fields.iter().find(|f| f.name == "title").unwrap();
        assert!(title.required);
        assert_eq!(title.description, "New title.");
        let both = v.schemas.iter().find(|s| s.name == "Both").unwrap();
        assert_eq!(
            both.fields.len(),
            3,
            "flattened parts' fields are listed too"
        );
        let state = v.schemas.iter().find(|s| s.name == "State").unwrap();
        assert_eq!(state.values, vec!["\"inbox\" | \"wip\"".to_string()]);
    }
}
