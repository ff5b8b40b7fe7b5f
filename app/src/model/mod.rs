//! Every type that crosses the wire has its home here: what pages, server functions and the JSON
//! API send, built on the server from the store and the access rules, shaped for display. This
//! file holds requests'; guides and the registry have their own.

pub mod api_doc;
pub mod automation;
pub mod guides;
pub mod systems;
pub mod tracker;

use crate::domain::kinds::RequestKind;
use crate::domain::request::{Priority, Rating, RequestState};
use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestSummary {
    pub key: String,
    pub kind: RequestKind,
    pub title: String,
    pub priority: Priority,
    pub state: RequestState,
    pub requester: String,
    pub assignee: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The next service-level deadline; `None` once the request is finished.
    pub clock: Option<ClockView>,
    /// The requester's rating of the help, once given.
    #[serde(default)]
    pub rating: Option<Rating>,
    /// Every task is closed, yet nobody wrote the resolution reply: it waits for one.
    #[serde(default)]
    pub tasks_done: bool,
    /// In a list of one person's requests: they are copied on it, not its requester.
    #[serde(default)]
    pub copied: bool,
}

/// How a service-level clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ClockStanding {
    OnTrack,
    AtRisk,
    Breached,
    /// Waiting on the requester: the clock stands still.
    Paused,
    /// A first response that came in time.
    Met,
    /// A first response that came late.
    Missed,
}

impl ClockStanding {
    pub fn label(self) -> &'static str {
        match self {
            ClockStanding::OnTrack => "On track",
            ClockStanding::AtRisk => "At risk",
            ClockStanding::Breached => "Breached",
            ClockStanding::Paused => "Paused",
            ClockStanding::Met => "Met",
            ClockStanding::Missed => "Missed",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            ClockStanding::OnTrack | ClockStanding::Met => "clock clock-ok",
            ClockStanding::AtRisk => "clock clock-risk",
            ClockStanding::Breached | ClockStanding::Missed => "clock clock-breached",
            ClockStanding::Paused => "clock clock-paused",
        }
    }
}

/// One service-level deadline as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClockView {
    /// "First response" or "Resolution".
    pub target: String,
    pub due: Timestamp,
    pub standing: ClockStanding,
    /// "2 h 05 min left", "1 d 3 h over", "paused while waiting on the requester".
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestDetail {
    #[serde(flatten)]
    pub summary: RequestSummary,
    pub description: String,
    /// The kind's own fields, as label and value, in form order.
    pub details: Vec<DetailItem>,
    /// Files sent with the request itself.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    pub labels: Vec<String>,
    /// The people the request is for.
    pub people: Vec<PersonLink>,
    pub lines: Vec<LineView>,
    pub approvals: Vec<ApprovalView>,
    pub tasks: Vec<TaskView>,
    pub identity_checks: Vec<IdentityCheckView>,
    pub comments: Vec<CommentView>,
    pub history: Vec<HistoryEntry>,
    /// Both service-level clocks (first response, resolution) while they matter.
    pub clocks: Vec<ClockView>,
    /// "An analyst on shift will pick this up" or who is on shift, for the requester.
    pub on_shift: Vec<String>,
    /// Macros the viewer may apply (staff who work the queue).
    pub macros: Vec<MacroView>,
    /// Who the request can be assigned to (staff who work the queue only).
    pub assignees: Vec<PersonLink>,
    /// Colleagues copied on the request (CC).
    #[serde(default)]
    pub participants: Vec<ParticipantView>,
    /// The requester's rating and comment, for the requester and staff.
    #[serde(default)]
    pub feedback: Option<FeedbackView>,
    /// Until when the requester may reopen it (a resolved request).
    #[serde(default)]
    pub reopen_until: Option<Timestamp>,
    /// The engineering issues it was escalated to (Tier 3).
    #[serde(default)]
    pub escalations: Vec<tracker::EscalationView>,
    /// The escalation form's choices, when the viewer may escalate it.
    #[serde(default)]
    pub escalate: Option<tracker::EscalateOptions>,
    /// What the person asking may do now; the server checks again on every action.
    pub actions: RequestActions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ParticipantView {
    #[serde(flatten)]
    pub person: PersonLink,
    /// Whether the viewer may take them off (the requester, queue staff, or themselves).
    pub can_remove: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeedbackView {
    pub rating: Rating,
    pub comment: String,
    pub at: Timestamp,
}

/// A rating as the queue's feedback panel lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RatedRequest {
    pub key: String,
    pub title: String,
    pub requester: String,
    pub assignee: Option<String>,
    pub rating: Rating,
    pub comment: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestActions {
    pub claim: bool,
    pub reply: bool,
    pub note: bool,
    pub moves: Vec<RequestState>,
    /// Record an identity check (reset and lockout requests, staff).
    pub identity_check: bool,
    /// The viewer asked for it (it is one of "My requests").
    #[serde(default)]
    pub mine: bool,
    /// The viewer works the queue.
    #[serde(default)]
    pub queue: bool,
    /// The viewer is copied on it (a participant).
    #[serde(default)]
    pub participant: bool,
    /// Rate the help (the requester, once it is resolved or closed).
    #[serde(default)]
    pub rate: bool,
    /// Reopen with a reason (the requester, within a week of its resolution).
    #[serde(default)]
    pub reopen: bool,
    /// Copy a colleague on it (the requester and queue staff, while it is not finished for good).
    #[serde(default)]
    pub add_participant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub internal: bool,
    pub at: Timestamp,
    /// Files sent with this reply or note.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// What `POST /files` answers: the files kept for the form, and a sentence for each one refused.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadAnswer {
    pub files: Vec<Attachment>,
    pub problems: Vec<String>,
}

/// A file on a request, a reply, a note or a guide, as a page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: String,
    pub name: String,
    /// "34 KB".
    pub size: String,
    /// A raster image, shown in the page; every other file is only downloaded.
    pub image: bool,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub id: i64,
    pub actor: String,
    pub at: Timestamp,
    /// A sentence such as "changed the state from New to In progress".
    pub change: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DetailItem {
    pub name: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonLink {
    pub handle: String,
    pub name: String,
    /// Whether the viewer may open the person's page; when not, the name is shown without a link.
    #[serde(default)]
    pub link: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LineView {
    pub id: i64,
    pub system_slug: String,
    pub system: String,
    pub role: String,
    pub justification: String,
    pub grant: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApprovalView {
    pub id: i64,
    pub step: String,
    pub step_label: String,
    pub reason: String,
    /// Who decides: a person's name, a team or "owners of X".
    pub approver: String,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub note: Option<String>,
    /// The person asking may decide it now.
    pub can_decide: bool,
    pub can_narrow: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskView {
    pub id: i64,
    pub action: String,
    pub title: String,
    pub system_slug: Option<String>,
    pub system: Option<String>,
    pub person: Option<String>,
    pub role: Option<String>,
    pub due_at: Option<Timestamp>,
    pub urgent: bool,
    pub state: String,
    pub state_label: String,
    pub note: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub can_close: bool,
    /// A reset that still waits for the identity check.
    pub needs_identity_check: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityCheckView {
    pub method: String,
    pub note: String,
    pub checked_by: String,
    pub at: Timestamp,
}

/// "Waiting for me": approval steps and tasks, each with its request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WaitingItem {
    pub key: String,
    pub request_title: String,
    pub what: String,
    pub detail: String,
    pub due_at: Option<Timestamp>,
    pub urgent: bool,
    /// The approval step to decide from the list (approvals only).
    #[serde(default)]
    pub approval_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WaitingView {
    pub approvals: Vec<WaitingItem>,
    pub tasks: Vec<WaitingItem>,
    /// Requests the person works whose engineering issues have all closed.
    #[serde(default)]
    pub escalations: Vec<WaitingItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub system_slug: String,
    pub system: String,
    pub role: String,
    pub granted_by: String,
    pub granted_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub request_key: Option<String>,
    /// Whether the viewer may open that request; when not, its key is shown without a link.
    #[serde(default)]
    pub request_open: bool,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonView {
    pub name: String,
    pub handle: String,
    pub email: String,
    pub manager: Option<String>,
    pub holds: Vec<GrantView>,
    pub held: Vec<GrantView>,
    /// For a contractor: the systems their sponsor allows them to ask for.
    pub allowed: Option<Vec<AllowedSystem>>,
    /// The viewer keeps that list (the contractor's sponsor, or an admin).
    pub can_edit_allowed: bool,
}

/// A system a contractor may ask for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AllowedSystem {
    pub id: i64,
    pub title: String,
}

/// What the request form needs to know about a system once it is chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemChoice {
    pub title: String,
    pub slug: String,
    pub managed: bool,
    pub owner: String,
    pub channel: String,
    pub classification: Option<String>,
    pub baseline: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleTemplateView {
    pub id: i64,
    pub department: String,
    pub job_role: String,
    /// (system, role)
    pub systems: Vec<(String, String)>,
}

/// A canned reply, as listed for analysts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MacroView {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub set_state: Option<RequestState>,
    pub add_labels: Vec<String>,
}

/// Who is on shift now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OnShift {
    pub name: String,
    pub region: String,
    pub duty: String,
}

/// The queue dashboard: every view's count, one page of the chosen view, and what the
/// filters hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueuePageView {
    pub views: Vec<ViewCount>,
    pub saved: Vec<SavedViewCount>,
    pub kinds: Vec<(RequestKind, i64)>,
    /// How many rows the list shows.
    pub row_count: usize,
    /// The rows as HTML, drawn once on the server for everyone shown them
    /// (`routes::queue_rows`); not handed over again inside the page that shows them.
    #[serde(default, skip_serializing_if = "crate::resource::drawn_in_page")]
    pub rows_html: String,
    /// The query string of the next page, if there is one.
    pub next: Option<String>,
    /// The filter as read, echoed back for the form.
    pub filter: crate::domain::queue::Filter,
    /// The query string of the current filter (no cursor), for saving as a view.
    pub query: String,
    pub on_shift: Vec<OnShift>,
    /// People requests can be assigned to.
    pub assignees: Vec<PersonLink>,
    pub round_robin: bool,
    /// Whether the viewer may edit coverage (shifts, holidays, round-robin).
    pub can_admin: bool,
    /// Changes to any request: the page refreshes itself when this moves.
    pub version: i64,
    /// The latest ratings requesters gave.
    #[serde(default)]
    pub ratings: Vec<RatedRequest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ViewCount {
    pub view: crate::domain::queue::View,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedViewCount {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub count: i64,
}

/// The macros page: every macro and the placeholders they may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MacrosPage {
    pub macros: Vec<MacroView>,
    pub placeholders: Vec<String>,
}

/// The admin page for coverage: holidays, shifts, round-robin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CoveragePage {
    pub holidays: Vec<(String, String)>,
    pub shifts: Vec<ShiftView>,
    pub on_shift: Vec<OnShift>,
    pub analysts: Vec<PersonLink>,
    pub round_robin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShiftView {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub duty: String,
    pub weekday: String,
    pub hours: String,
}

/// What a form held when the server refused it without JavaScript, for the page it goes back to:
/// the server function it was posted to, and its fields as sent (`fields[title]`, `email` ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormDraft {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

impl FormDraft {
    /// The value the form sent for `name`, if this draft is from `action`.
    pub fn value(&self, action: &str, name: &str) -> Option<&str> {
        (self.action == action)
            .then(|| self.fields.iter().find(|(n, _)| n == name))
            .flatten()
            .map(|(_, v)| v.as_str())
    }
}

/// The front page: the notice admins set, the most used guides, and the person's open requests.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HomeView {
    pub notice: Option<String>,
    pub popular: Vec<crate::model::guides::GuideSummary>,
    pub open: Vec<RequestSummary>,
    pub can_set_notice: bool,
}
