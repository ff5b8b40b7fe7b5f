//! Anything that fits no other form: an analyst triages it.

use super::{Audience, KindDef, Service, BASE};

pub const KIND: KindDef = KindDef {
    slug: "other",
    label: "Something else",
    summary: "Anything that fits no other form. An analyst triages it.",
    service: Service::Other,
    audience: Audience::Everyone,
    fields: &[],
    title_required: true,
    description_required: true,
    ..BASE
};
