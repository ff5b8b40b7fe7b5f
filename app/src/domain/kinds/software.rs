//! An application that misbehaves, won't install or won't start: an analyst works it.

use super::{Audience, KindDef, Service, BASE};
use crate::domain::form::{field, FieldType as T};

pub const KIND: KindDef = KindDef {
    slug: "software",
    label: "Software or other problem",
    summary: "An application misbehaves, won't install or won't start on your laptop.",
    service: Service::Devices,
    audience: Audience::Everyone,
    fields: &[
        field(
            "device",
            "Device",
            "e.g. MacBook Pro 14\" 2023.",
            T::Line,
            true,
        ),
        field(
            "software",
            "Software",
            "The application and its version.",
            T::Line,
            true,
        ),
    ],
    title_required: true,
    description_required: true,
    description_label: "Problem",
    ..BASE
};
