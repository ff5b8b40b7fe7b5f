use crate::components::LoadError;
use crate::model::systems::{ImportSummary, RegistryAdminView};
use crate::systems::get_registry_admin;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/admin/registry`: admins upload a tech-stack file (preview or import) and read past reports.
/// The upload is a plain multipart form posted to the server, which answers with a redirect
/// back here to the report: it works the same with or without JavaScript.
#[component]
pub fn RegistryAdminPage() -> impl IntoView {
    let query = use_query_map();
    let shown = move || query.read().get("import").unwrap_or_default();
    let data = crate::resource::load(shown, get_registry_admin);
    view! {
        <Title text="Registry import" />
        <p class="crumbs"><a href="/systems">"Systems"</a></p>
        <h1>"Import the tech-stack registry"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading\u{2026}"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <RegistryAdmin view /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RegistryAdmin(view: RegistryAdminView) -> impl IntoView {
    view! {
        <p class="lead">
            {format!("The registry holds {} systems. ", view.count)}
            "Upload a file in GitLab\u{2019}s "
            <code>"tech_stack.yml"</code>
            " format: systems are matched by title; edits made here are kept unless you choose otherwise."
        </p>
        {view.shown.map(|s| view! { <Report s /> })}
        <form class="card form-card" method="post" action="/admin/registry/import" enctype="multipart/form-data">
            <div class="field">
                <label for="registry-file">"Tech-stack file (YAML, at most 5 MB)"</label>
                <input id="registry-file" type="file" name="file" accept=".yml,.yaml,text/yaml,application/yaml" required />
            </div>
            <div class="check-row">
                <input id="registry-partial" type="checkbox" name="partial" value="on" />
                <label for="registry-partial">"Import the valid entries even if some have errors"</label>
            </div>
            <div class="check-row">
                <input id="registry-overwrite" type="checkbox" name="overwrite" value="on" />
                <label for="registry-overwrite">"Overwrite edits made here where the file differs"</label>
            </div>
            <p class="actions">
                <button type="submit" name="preview" value="on" class="btn btn-secondary">"Preview"</button>
                <button type="submit" name="import" value="on" class="btn btn-primary">"Import"</button>
            </p>
        </form>
        {(!view.imports.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="imports-heading">
                <h2 id="imports-heading">"Recent imports"</h2>
                <ul class="guide-list">
                    {view.imports.into_iter().map(|i| view! {
                        <li>
                            <a href=format!("/admin/registry?import={}", i.id)>
                                {format!("{} \u{b7} {}", i.at, if i.file_name.is_empty() { "(no file)".to_string() } else { i.file_name.clone() })}
                            </a>
                            " " <span class=format!("badge import-{}", i.status)>{i.status.clone()}</span>
                            <span class="muted small">{format!(" by {}", i.who)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn Report(s: ImportSummary) -> impl IntoView {
    let heading = match s.status.as_str() {
        "imported" => "Imported",
        "preview" => "Preview: nothing was saved",
        "refused" => "Nothing was imported",
        _ => "Import failed",
    };
    let ok = matches!(s.status.as_str(), "imported" | "preview");
    let list = |title: &'static str, items: Vec<String>| {
        (!items.is_empty()).then(|| {
            view! {
                <h3>{format!("{title} ({})", items.len())}</h3>
                <ul class="changes small">{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            }
        })
    };
    let fields = |v: Vec<(String, Vec<String>)>| {
        v.into_iter()
            .map(|(t, f)| format!("{t}: {}", f.join(", ")))
            .collect::<Vec<_>>()
    };
    let conflict_title = if s.overwrite {
        "Conflicts: the file's values were taken"
    } else {
        "Conflicts: the edits made here were kept"
    };
    view! {
        <section class=if ok { "card report report-ok" } else { "card report report-error" } aria-labelledby="report-heading" role="status">
            <h2 id="report-heading">{heading}</h2>
            <p class="muted small">{format!("{} \u{b7} {} \u{b7} {}", s.at, s.who, s.file_name)}</p>
            {s.message.clone().map(|m| view! { <p class="alert alert-error">{m}</p> })}
            {ok.then(|| view! {
                <p>{format!(
                    "{} added, {} changed, {} unchanged, {} conflicts, {} skipped.",
                    s.added.len(), s.changed.len(), s.unchanged, s.conflicts.len(), s.errors.len()
                )}</p>
            })}
            {list("Errors", s.errors.clone())}
            {list(conflict_title, fields(s.conflicts.clone()))}
            {list("Added", s.added.clone())}
            {list("Changed", fields(s.changed.clone()))}
            {list("Fields this portal does not know (kept as written)", s.unknown_fields.clone())}
            {list("Old field names read as today's", s.renamed_fields.clone())}
        </section>
    }
}
