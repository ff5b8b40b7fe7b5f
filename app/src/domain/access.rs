//! Who may see and do what with a request. The server checks these on every call; the pages
//! use the same answers only to decide which buttons to show.

use super::error::AppError;
use super::kinds::{Audience, RequestKind};
use super::request::RequestState;
use super::user::{Role, Viewer};

/// The facts about a request that access depends on.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts {
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    pub state: RequestState,
}

impl RequestFacts {
    fn is_requester(&self, v: &Viewer) -> bool {
        self.requester_id == v.id
    }
}

/// Requesters see their own requests; staff see all. Anyone else gets "not found", so that
/// request numbers reveal nothing.
pub fn can_view(v: &Viewer, r: &RequestFacts) -> bool {
    r.is_requester(v) || v.is_staff()
}

pub fn can_claim(v: &Viewer, r: &RequestFacts) -> bool {
    v.works_queue() && r.state.is_open() && r.assignee_id != Some(v.id)
}

/// Public replies: everyone who may see the request (its requester, staff, and the people it
/// involves: its subjects, approvers and provisioners), while it is not finished for good.
/// `visible` is that check, made by the caller with what it knows of the request's people.
pub fn can_reply(visible: bool, r: &RequestFacts) -> bool {
    visible && accepts_comments(r.state)
}

/// Who copies colleagues on a request (CC): its requester and people who work the queue.
pub fn can_manage_participants(v: &Viewer, r: &RequestFacts) -> bool {
    r.is_requester(v) || v.works_queue()
}

/// Internal notes are staff-only, always.
pub fn can_note(v: &Viewer, r: &RequestFacts) -> bool {
    v.is_staff() && accepts_comments(r.state)
}

fn accepts_comments(s: RequestState) -> bool {
    !matches!(
        s,
        RequestState::Closed | RequestState::Denied | RequestState::Cancelled
    )
}

/// The moves this person may make now: staff who work the queue any legal move; a requester only
/// cancelling their own open request.
pub fn allowed_moves(v: &Viewer, r: &RequestFacts) -> Vec<RequestState> {
    if v.works_queue() {
        r.state.next_states().to_vec()
    } else if r.is_requester(v) && r.state.is_open() && r.state.can_move_to(RequestState::Cancelled)
    {
        vec![RequestState::Cancelled]
    } else {
        Vec::new()
    }
}

/// Admin pages and their server functions: registry, role templates, holidays and shifts.
pub fn require_admin(v: &Viewer) -> Result<(), AppError> {
    if v.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// What only people who work the queue may do.
pub fn require_queue(v: &Viewer) -> Result<(), AppError> {
    if v.works_queue() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The engineering tracker (Tier 3) is for staff: analysts escalate to it and follow what they
/// escalated, engineers and admins work it.
pub fn require_tracker(v: &Viewer) -> Result<(), AppError> {
    if v.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Who works issues (state, labels, assignees, details): engineers and admins. Analysts comment.
pub fn can_work_issues(v: &Viewer) -> bool {
    v.has(Role::Engineer) || v.has(Role::Admin)
}

pub fn require_issue_work(v: &Viewer) -> Result<(), AppError> {
    if can_work_issues(v) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Who escalates a request to engineering: those who work the queue, while the request is open.
pub fn can_escalate(v: &Viewer, r: &RequestFacts) -> bool {
    v.works_queue() && r.state.is_open()
}

/// Who may submit a kind. Joiners, movers and leavers are asked for by managers and staff;
/// contractors ask only for themselves, and never for cloud accounts or service accounts.
pub fn can_submit(v: &Viewer, kind: RequestKind) -> bool {
    let staff_or_manager = v.has(Role::Manager) || v.works_queue() || v.has(Role::Engineer);
    let employee = v.roles.iter().any(|r| *r != Role::Contractor);
    match kind.def().audience {
        Audience::ManagersAndStaff => staff_or_manager,
        Audience::Employees => employee,
        Audience::Everyone => true,
    }
}

/// Contractors act for themselves only: every person a contractor's request names (whose
/// access, whose account) must be the contractor. `named` pairs each person with the field that
/// named them.
pub fn contractor_names_only_self(v: &Viewer, named: &[(&str, i64)]) -> Result<(), AppError> {
    match named.iter().find(|(_, id)| *id != v.id) {
        Some((field, _)) => Err(AppError::invalid(
            field,
            "Contractors can only ask for themselves; your sponsor can ask for others.",
        )),
        None => Ok(()),
    }
}

/// A contractor asks only for the systems their sponsor (their manager) allows them.
pub fn contractor_may_ask_for(
    field: &str,
    system: &str,
    allowed: bool,
    sponsor: Option<&str>,
) -> Result<(), AppError> {
    if allowed {
        return Ok(());
    }
    let who = sponsor.unwrap_or("your sponsor");
    Err(AppError::invalid(
        field,
        format!("{who} has not allowed you to ask for {system}; ask them to add it to the systems you may request."),
    ))
}

/// Nobody is the second pair of eyes on their own request or their own access: not the
/// requester, and not a person the request is for (`subjects`, e.g. whose access it grants).
pub fn is_own(v: &Viewer, requester_id: i64, subjects: &[i64]) -> bool {
    v.id == requester_id || subjects.contains(&v.id)
}

/// The contractors whose allow-list a person keeps: their sponsor (manager), and admins.
pub fn can_keep_allow_list(v: &Viewer, contractor_manager: Option<i64>) -> bool {
    contractor_manager == Some(v.id) || v.has(Role::Admin)
}

/// A person's page (what they hold): themselves, their manager, and staff.
pub fn can_view_person(v: &Viewer, person_id: i64, manager_id: Option<i64>) -> bool {
    v.id == person_id || manager_id == Some(v.id) || v.is_staff()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::Role;

    fn person(id: i64, roles: &[Role]) -> Viewer {
        Viewer {
            id,
            name: format!("p{id}"),
            email: format!("p{id}@example.com"),
            handle: format!("p{id}"),
            roles: roles.to_vec(),
        }
    }

    fn req(state: RequestState, assignee: Option<i64>) -> RequestFacts {
        RequestFacts {
            requester_id: 1,
            assignee_id: assignee,
            state,
        }
    }

    #[test]
    fn members_see_only_their_own() {
        let owner = person(1, &[Role::Member]);
        let other = person(2, &[Role::Member]);
        let manager = person(3, &[Role::Manager]);
        let analyst = person(4, &[Role::Analyst]);
        let r = req(RequestState::New, None);
        assert!(can_view(&owner, &r));
        assert!(!can_view(&other, &r));
        assert!(!can_view(&manager, &r));
        assert!(can_view(&analyst, &r));
    }

    #[test]
    fn the_requester_and_queue_staff_copy_colleagues_on() {
        let r = req(RequestState::InProgress, None);
        assert!(can_manage_participants(&person(1, &[Role::Member]), &r));
        assert!(can_manage_participants(&person(4, &[Role::Analyst]), &r));
        assert!(can_manage_participants(&person(5, &[Role::Admin]), &r));
        assert!(!can_manage_participants(&person(2, &[Role::Member]), &r));
        assert!(!can_manage_participants(&person(3, &[Role::Manager]), &r));
        assert!(!can_manage_participants(&person(6, &[Role::Engineer]), &r));
    }

    #[test]
    fn only_staff_write_internal_notes() {
        let r = req(RequestState::InProgress, None);
        assert!(!can_note(&person(1, &[Role::Member]), &r));
        assert!(!can_note(&person(5, &[Role::Contractor]), &r));
        assert!(can_note(&person(4, &[Role::Analyst]), &r));
        assert!(can_note(&person(6, &[Role::Engineer]), &r));
    }

    #[test]
    fn claiming_needs_the_queue_role_and_an_open_request() {
        let analyst = person(4, &[Role::Analyst]);
        assert!(can_claim(&analyst, &req(RequestState::New, None)));
        assert!(
            !can_claim(&analyst, &req(RequestState::New, Some(4))),
            "already mine"
        );
        assert!(!can_claim(&analyst, &req(RequestState::Resolved, None)));
        assert!(!can_claim(
            &person(1, &[Role::Member]),
            &req(RequestState::New, None)
        ));
        assert!(!can_claim(
            &person(6, &[Role::Engineer]),
            &req(RequestState::New, None)
        ));
    }

    #[test]
    fn requesters_may_only_cancel_their_own_open_request() {
        let owner = person(1, &[Role::Member]);
        assert_eq!(
            allowed_moves(&owner, &req(RequestState::InProgress, None)),
            vec![RequestState::Cancelled]
        );
        assert!(allowed_moves(&owner, &req(RequestState::Resolved, None)).is_empty());
        assert!(
            allowed_moves(&person(2, &[Role::Member]), &req(RequestState::New, None)).is_empty()
        );
        let analyst = person(4, &[Role::Analyst]);
        assert_eq!(
            allowed_moves(&analyst, &req(RequestState::InProgress, None)),
            RequestState::InProgress.next_states()
        );
    }

    #[test]
    fn finished_requests_take_no_more_comments() {
        let owner = person(1, &[Role::Member]);
        assert!(
            can_reply(
                can_view(&owner, &req(RequestState::Resolved, None)),
                &req(RequestState::Resolved, None)
            ),
            "a reply may reopen"
        );
        for s in [
            RequestState::Closed,
            RequestState::Cancelled,
            RequestState::Denied,
        ] {
            assert!(!can_reply(can_view(&owner, &req(s, None)), &req(s, None)));
        }
    }
}

/// Runbooks (internal guides) are for staff only: never requesters, contractors or visitors.
pub fn can_read_internal_guides(v: Option<&Viewer>) -> bool {
    v.is_some_and(|v| v.is_staff())
}

/// Analysts and engineers (and admins) write guides.
pub fn can_edit_guides(v: Option<&Viewer>) -> bool {
    v.is_some_and(|v| v.is_staff())
}

/// The registry (owners, provisioners, channels) is company information: anyone signed in.
pub fn can_read_systems(v: Option<&Viewer>) -> bool {
    v.is_some()
}

/// Admins import the registry and edit systems.
pub fn can_edit_systems(v: Option<&Viewer>) -> bool {
    v.is_some_and(|v| v.has(crate::domain::user::Role::Admin))
}

#[cfg(test)]
mod guide_tests {
    use super::*;
    use crate::domain::user::Role;

    fn person(roles: &[Role]) -> Viewer {
        Viewer {
            id: 1,
            name: "p".into(),
            email: "p@example.com".into(),
            handle: "p".into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn runbooks_are_for_staff_only() {
        assert!(!can_read_internal_guides(None));
        assert!(!can_read_internal_guides(Some(&person(&[
            Role::Contractor
        ]))));
        assert!(!can_read_internal_guides(Some(&person(&[
            Role::Member,
            Role::Manager
        ]))));
        assert!(can_read_internal_guides(Some(&person(&[Role::Analyst]))));
        assert!(can_read_internal_guides(Some(&person(&[Role::Engineer]))));
        assert!(!can_edit_guides(Some(&person(&[Role::Member]))));
        assert!(can_edit_guides(Some(&person(&[Role::Engineer]))));
    }

    #[test]
    fn registry_is_for_people_signed_in_and_edited_by_admins() {
        assert!(!can_read_systems(None));
        assert!(can_read_systems(Some(&person(&[Role::Contractor]))));
        assert!(!can_edit_systems(Some(&person(&[
            Role::Analyst,
            Role::Engineer
        ]))));
        assert!(can_edit_systems(Some(&person(&[Role::Admin]))));
    }
}

#[cfg(test)]
mod catalog_tests {
    use super::*;

    fn person(id: i64, roles: &[Role]) -> Viewer {
        Viewer {
            id,
            name: format!("p{id}"),
            email: format!("p{id}@example.com"),
            handle: format!("p{id}"),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn who_may_submit_what() {
        let member = person(1, &[Role::Member]);
        let contractor = person(2, &[Role::Contractor]);
        let manager = person(3, &[Role::Member, Role::Manager]);
        let analyst = person(4, &[Role::Analyst]);
        assert!(can_submit(&member, RequestKind::Access));
        assert!(!can_submit(&member, RequestKind::Offboarding));
        assert!(can_submit(&manager, RequestKind::Offboarding));
        assert!(can_submit(&analyst, RequestKind::Onboarding));
        assert!(can_submit(&member, RequestKind::ServiceAccount));
        assert!(!can_submit(&contractor, RequestKind::Infrastructure));
        assert!(can_submit(&contractor, RequestKind::Lockout));
    }

    #[test]
    fn contractors_act_for_themselves_within_what_their_sponsor_allows() {
        let c = person(7, &[Role::Contractor]);
        assert!(contractor_names_only_self(&c, &[("person", 7), ("people", 7)]).is_ok());
        assert_eq!(
            contractor_names_only_self(&c, &[("people", 7), ("person", 1)])
                .unwrap_err()
                .field(),
            Some("person")
        );
        assert!(contractor_may_ask_for("system_0", "Slack", true, Some("Max")).is_ok());
        let e = contractor_may_ask_for("system_1", "Okta", false, Some("Max")).unwrap_err();
        assert_eq!(e.field(), Some("system_1"));
        assert!(e.to_string().starts_with("Max has not allowed you"), "{e}");
    }

    #[test]
    fn nobody_checks_their_own() {
        let a = person(4, &[Role::Analyst]);
        assert!(is_own(&a, 4, &[]));
        assert!(is_own(&a, 1, &[2, 4]));
        assert!(!is_own(&a, 1, &[2]));
        assert!(can_keep_allow_list(&person(3, &[Role::Manager]), Some(3)));
        assert!(!can_keep_allow_list(&person(3, &[Role::Manager]), Some(9)));
        assert!(can_keep_allow_list(&person(5, &[Role::Admin]), Some(9)));
    }

    #[test]
    fn person_pages() {
        let member = person(1, &[Role::Member]);
        let analyst = person(4, &[Role::Analyst]);
        assert!(can_view_person(&member, 1, None));
        assert!(!can_view_person(&member, 2, Some(3)));
        assert!(can_view_person(&member, 2, Some(1)));
        assert!(can_view_person(&analyst, 2, None));
    }
}
