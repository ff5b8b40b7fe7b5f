//! A one-to-one session with the helpdesk: an analyst schedules it.

use super::{Audience, KindDef, Service, BASE};
use crate::domain::form::{field, FieldType as T, Values};

pub const KIND: KindDef = KindDef {
    slug: "training",
    label: "1:1 training",
    summary: "A one-to-one session with the helpdesk on a tool or a security practice.",
    service: Service::Devices,
    audience: Audience::Everyone,
    fields: &[
        field(
            "topic",
            "Topic",
            "What you would like to learn.",
            T::Line,
            true,
        ),
        field(
            "preferred_times",
            "Preferred times",
            "Days and hours that suit you, with your time zone.",
            T::Text,
            true,
        ),
    ],
    title,
    ..BASE
};

fn title(v: &Values, _: &[String], _: &[String]) -> String {
    format!("Training: {}", v.shown("topic"))
}
