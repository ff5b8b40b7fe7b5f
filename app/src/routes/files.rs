//! Files on pages (issue 15): the list under a request, a reply or a note, and the picker in the
//! forms that take files. Without JavaScript the picker is a plain file input posted with its
//! form; with it, files picked, dropped on the picker or pasted into the text go to `POST /files`
//! at once and the form carries their ids.

use crate::components::FieldError;
use crate::domain::attachment::{ACCEPT, HINT, IDS_FIELD, MAX_FILES};
use crate::model::{Attachment, UploadAnswer};
use crate::requests::pending_attachments;
use leptos::prelude::*;

/// The files of a request, a reply or a note: images shown small (each opens whole), other files
/// as links that download.
#[component]
pub fn AttachmentList(files: Vec<Attachment>) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="attachments" aria-label="Attached files">
                {files
                    .into_iter()
                    .map(|f| {
                        let label = format!("{} ({})", f.name, f.size);
                        if f.image {
                            view! {
                                <li class="attachment attachment-image">
                                    <a href=f.url.clone() title=label.clone()>
                                        // The link is named by the file name beside it.
                                        <img src=f.url.clone() alt="" loading="lazy" />
                                        <span class="attachment-name">{f.name}</span>
                                    </a>
                                </li>
                            }
                                .into_any()
                        } else {
                            view! {
                                <li class="attachment">
                                    <a href=f.url.clone() download=f.name.clone()>
                                        <span class="attachment-name">{f.name.clone()}</span>
                                    </a>
                                    <span class="muted small">{f.size}</span>
                                </li>
                            }
                                .into_any()
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

/// What a form's file picker holds with JavaScript: the uploads made on this page, what the
/// last upload refused, and how many uploads are under way.
#[derive(Clone, Copy)]
pub struct Picker {
    files: RwSignal<Vec<Attachment>>,
    /// Ids of files kept from a refused attempt that the person removed.
    removed: RwSignal<Vec<String>>,
    problems: RwSignal<Vec<String>>,
    busy: RwSignal<u32>,
}

impl Default for Picker {
    fn default() -> Self {
        Self::new()
    }
}

impl Picker {
    pub fn new() -> Self {
        Picker {
            files: RwSignal::new(Vec::new()),
            removed: RwSignal::new(Vec::new()),
            problems: RwSignal::new(Vec::new()),
            busy: RwSignal::new(0),
        }
    }

    /// After the form was sent: nothing attached any more.
    pub fn clear(&self) {
        self.files.set(Vec::new());
        self.problems.set(Vec::new());
    }

    /// A screenshot pasted into the form's text is uploaded instead of being lost.
    pub fn paste(&self, ev: web_sys::ClipboardEvent) {
        let files = ev.clipboard_data().and_then(|d| d.files());
        if files.as_ref().is_some_and(|f| f.length() > 0) {
            ev.prevent_default();
            self.send(files);
        }
    }

    fn send(&self, list: Option<web_sys::FileList>) {
        let Some(list) = list else { return };
        let mut files: Vec<web_sys::File> =
            (0..list.length()).filter_map(|i| list.get(i)).collect();
        if files.is_empty() {
            return;
        }
        let room = MAX_FILES.saturating_sub(self.files.with_untracked(Vec::len));
        let mut problems = Vec::new();
        if files.len() > room {
            problems.push(format!(
                "Attach at most {MAX_FILES} files at a time; {} were left out.",
                files.len() - room
            ));
            files.truncate(room);
        }
        self.problems.set(problems);
        if files.is_empty() {
            return;
        }
        let me = *self;
        me.busy.update(|n| *n += 1);
        leptos::task::spawn_local(async move {
            match upload(files).await {
                Ok(answer) => {
                    me.files.update(|f| f.extend(answer.files));
                    me.problems.update(|p| p.extend(answer.problems));
                }
                Err(message) => me.problems.update(|p| p.push(message)),
            }
            me.busy.update(|n| *n = n.saturating_sub(1));
        });
    }
}

/// Sends files to `POST /files` (the browser only).
async fn upload(files: Vec<web_sys::File>) -> Result<UploadAnswer, String> {
    use leptos::wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let failed = |_| "The files could not be sent. Check the connection and try again.".to_string();
    let form = web_sys::FormData::new().map_err(failed)?;
    for f in &files {
        form.append_with_blob_and_filename("files", f, &f.name())
            .map_err(failed)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&form);
    let window = web_sys::window().ok_or_else(|| failed(leptos::wasm_bindgen::JsValue::NULL))?;
    let res: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init("/files", &init))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let text = JsFuture::from(res.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();
    if let Ok(answer) = serde_json::from_str::<UploadAnswer>(&text) {
        return Ok(answer);
    }
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string));
    Err(message.unwrap_or_else(|| format!("The files could not be sent (HTTP {}).", res.status())))
}

/// The file input of a form, with what it already carries. `kept` is the `attachments` value of
/// a refused attempt (files already uploaded, shown again and sent again).
#[component]
pub fn FilePicker(
    picker: Picker,
    /// The input's id; its hint and error hang off it.
    id: &'static str,
    #[prop(default = "Attach files")] label: &'static str,
    kept: String,
    /// The server's message for the `attachments` field.
    error: Signal<Option<String>>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let dragging = RwSignal::new(false);
    // Set once the app runs: what needs JavaScript (removing, dropping) shows only then.
    let live = RwSignal::new(false);
    // With JavaScript the files go ahead of the form, which then must not post them again.
    Effect::new(move |_| {
        live.set(true);
        if let Some(i) = input.get() {
            let _ = i.remove_attribute("name");
        }
    });
    let kept_ids: Vec<String> = kept.split_whitespace().map(str::to_string).collect();
    let kept_files = crate::resource::load(
        move || kept.clone(),
        |ids| async move {
            if ids.trim().is_empty() {
                Vec::new()
            } else {
                pending_attachments(ids).await.unwrap_or_default()
            }
        },
    );
    let ids = move || {
        let removed = picker.removed.get();
        kept_ids
            .iter()
            .filter(|i| !removed.contains(i))
            .cloned()
            .chain(picker.files.get().into_iter().map(|f| f.id))
            .collect::<Vec<String>>()
            .join(" ")
    };
    let message = Signal::derive(move || {
        let local = picker.problems.get();
        if local.is_empty() {
            error.get()
        } else {
            Some(local.join(" "))
        }
    });
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = format!("{hint_id} {error_id}");
    let chip = move |f: Attachment, kept: bool| {
        let fid = f.id.clone();
        let name = f.name.clone();
        view! {
            <li class="attached-file">
                <span class="attachment-name">{f.name.clone()}</span>
                <span class="muted small">{f.size}</span>
                <Show when=move || live.get()>
                <button
                    type="button"
                    class="btn btn-link btn-small"
                    aria-label=format!("Remove {name}")
                    on:click={
                    let fid = fid.clone();
                    move |_| {
                        if kept {
                            picker.removed.update(|r| r.push(fid.clone()));
                        } else {
                            picker.files.update(|fs| fs.retain(|x| x.id != fid));
                        }
                    }}
                >
                    "Remove"
                </button>
                </Show>
            </li>
        }
    };
    view! {
        <div
            class="field file-picker"
            class:dragging=move || dragging.get()
            on:dragover=move |ev| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                dragging.set(false);
                picker.send(ev.data_transfer().and_then(|d| d.files()));
            }
        >
            <label for=id>{label} <span class="muted small">" (optional)"</span></label>
            <p class="hint" id=hint_id>
                {HINT}
                {move || live.get().then_some(" You can also drop files here or paste a screenshot into the text.")}
            </p>
            <input
                type="file"
                id=id
                name="files"
                multiple
                accept=ACCEPT
                node_ref=input
                aria-describedby=described
                aria-invalid=move || message.get().is_some().to_string()
                on:change=move |_| {
                    if let Some(i) = input.get() {
                        picker.send(i.files());
                        i.set_value("");
                    }
                }
            />
            <input type="hidden" name=IDS_FIELD value=ids />
            <ul class="attached-files" aria-live="polite" aria-label="Files attached to this form">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let files = kept_files.await;
                        view! {
                            <For
                                each=move || {
                                    let removed = picker.removed.get();
                                    files
                                        .clone()
                                        .into_iter()
                                        .filter(move |f| !removed.contains(&f.id))
                                        .collect::<Vec<_>>()
                                }
                                key=|f| f.id.clone()
                                children=move |f| chip(f, true)
                            />
                        }
                    })}
                </Suspense>
                <For each=move || picker.files.get() key=|f| f.id.clone() children=move |f| chip(f, false) />
            </ul>
            {move || (picker.busy.get() > 0).then(|| view! { <p class="hint" role="status">"Uploading…"</p> })}
            <FieldError id=error_id message=message />
        </div>
    }
}
