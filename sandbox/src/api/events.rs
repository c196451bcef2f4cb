//! Classes (`/events`) and appointment slots (`/slots`).

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::auth::{Ctx, Reader};
use super::pagination::{paginate, Page, MAX_EVENT_PAGE_SIZE, MAX_PAGE_SIZE};
use super::{ApiError, NamedRef, Req};
use crate::data::{Event, EventStatus, Slot, StudioData};
use crate::state::{Sandbox, State as SandboxState};
use crate::times::format_utc;

/// A class as events/endpoints_events-list.md gives it (that page's copy is cut short after
/// `offering_type`; the later fields come from its example body). `venue`, `offering_type` and
/// `instructors` are Expandable: an id, an id and a related-collection URL until expanded.
#[derive(Serialize)]
pub struct EventOut {
    pub id: u64,
    pub object: &'static str,
    pub name: String,
    pub starts_at: String,
    pub ends_at: String,
    pub status: &'static str,
    pub max_occupancy: Option<u32>,
    pub waitlist_max_override: Option<u32>,
    pub attending_count: u32,
    pub waiting_count: u32,
    /// Typed `string` on the page (sic): "true" or "false".
    pub is_appointment: &'static str,
    pub small_session_attendances: Vec<u64>,
    pub venue: VenueField,
    pub venue_room: Option<u64>,
    pub registrations_open_at: String,
    pub registrations_close_at: String,
    pub late_cancel_deadline: String,
    /// Related collection: `<base>/api/v2/instructors?event=<id>`.
    pub instructors: String,
    pub offering_type: u64,
    pub customer_url: String,
    pub provider_url: String,
    pub description: String,
}

/// `venue`: an id, or with `expand=venue` the venue (venues/endpoints_venues-retrieve.md).
#[derive(Serialize)]
#[serde(untagged)]
pub enum VenueField {
    Id(u64),
    Expanded(VenueOut),
}

#[derive(Serialize)]
pub struct VenueOut {
    pub id: u64,
    pub object: &'static str,
    pub name: String,
    pub description: Option<String>,
    pub address: String,
    pub physical_address: Option<()>,
    pub timezone: String,
    pub video_url: Option<String>,
    /// A required integer on the page; 0: no Zoom user.
    pub zoom_user: u64,
    pub venue_type: &'static str,
    pub venue_rooms: String,
    pub lat: f64,
    pub lng: f64,
    pub archived: bool,
    pub is_online: bool,
}

pub fn venue_out(id: u64, data: &StudioData, base: &str, zone: &str) -> VenueField {
    let Some(v) = data.venue(id) else { return VenueField::Id(id) };
    VenueField::Expanded(VenueOut {
        id,
        object: "venue",
        name: v.name.clone(),
        description: None,
        address: v.address.clone(),
        physical_address: None,
        timezone: zone.to_string(),
        video_url: None,
        zoom_user: 0,
        venue_type: "physical",
        venue_rooms: format!("{base}/api/v2/venue_rooms?venue={id}"),
        lat: 0.0,
        lng: 0.0,
        archived: false,
        is_online: false,
    })
}

pub fn named(id: u64, name: Option<&str>) -> NamedRef {
    NamedRef {
        id,
        name: name.unwrap_or_default().to_string(),
    }
}

/// Registrations open a week before a class and close at its start; cancelling late means
/// within 12 hours of it (the sandbox's studio settings).
pub fn event_out(e: &Event, data: &StudioData, base: &str, expand_venue: bool) -> EventOut {
    let zone = data.provider(e.provider).map(|p| p.timezone.as_str()).unwrap_or("UTC");
    EventOut {
        id: e.id,
        object: "event",
        name: e.name.clone(),
        starts_at: format_utc(e.starts_at),
        ends_at: format_utc(e.ends_at),
        status: e.status.as_str(),
        max_occupancy: e.max_occupancy,
        waitlist_max_override: None,
        attending_count: e.attending_count,
        waiting_count: e.waiting_count,
        is_appointment: if e.is_appointment { "true" } else { "false" },
        small_session_attendances: if e.is_appointment {
            data.attendances.iter().filter(|a| a.event == e.id).map(|a| a.id).collect()
        } else {
            Vec::new()
        },
        venue: if expand_venue { venue_out(e.venue, data, base, zone) } else { VenueField::Id(e.venue) },
        venue_room: e.venue_room,
        registrations_open_at: format_utc(e.starts_at - Duration::days(7)),
        registrations_close_at: format_utc(e.starts_at),
        late_cancel_deadline: format_utc(e.starts_at - Duration::hours(12)),
        instructors: format!("{base}/api/v2/instructors?event={}", e.id),
        offering_type: e.offering_type,
        customer_url: format!("{base}/p/{}/events/{}", e.provider, e.id),
        provider_url: format!("{base}/p/{}/events/{}", e.provider, e.id),
        description: e.description.clone(),
    }
}

pub async fn list(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    req: Req,
) -> Result<Json<Page<EventOut>>, ApiError> {
    let zone = ctx.provider.zone();
    let starts_gte = req.datetime_param("starts_at_gte", zone)?;
    let starts_lte = req.datetime_param("starts_at_lte", zone)?;
    let ends_gte = req.datetime_param("ends_at_gte", zone)?;
    let ends_lte = req.datetime_param("ends_at_lte", zone)?;
    let status = match req.get("status").map(str::trim) {
        None => None,
        Some("active") => Some(EventStatus::Active),
        Some("cancelled") => Some(EventStatus::Cancelled),
        Some(other) => {
            return Err(ApiError::invalid_field(
                "status",
                format!("Select a valid choice. {other} is not one of the available choices."),
            ))
        }
    };
    let offering_types = req.int_list("offering_types")?;
    let venues = req.int_list("venues")?;
    let ids = req.int_list("ids")?;
    let sort = req
        .get("sort")
        .map(str::trim)
        .unwrap_or("start")
        .to_string();
    if !["start", "-start", "end", "-end"].contains(&sort.as_str()) {
        return Err(ApiError::invalid_field(
            "sort",
            format!("Select a valid choice. {sort} is not one of the available choices."),
        ));
    }

    let state = sb.lock();
    let mut events: Vec<&Event> = state
        .data
        .events
        .iter()
        .filter(|e| e.provider == ctx.provider.id)
        .filter(|e| starts_gte.is_none_or(|t| e.starts_at >= t))
        .filter(|e| starts_lte.is_none_or(|t| e.starts_at <= t))
        .filter(|e| ends_gte.is_none_or(|t| e.ends_at >= t))
        .filter(|e| ends_lte.is_none_or(|t| e.ends_at <= t))
        .filter(|e| status.is_none_or(|s| e.status == s))
        .filter(|e| {
            offering_types
                .as_ref()
                .is_none_or(|o| o.contains(&e.offering_type))
        })
        .filter(|e| venues.as_ref().is_none_or(|v| v.contains(&e.venue)))
        .filter(|e| ids.as_ref().is_none_or(|i| i.contains(&e.id)))
        .collect();
    // Stable sort by time, ties by id, so pages never shuffle.
    match sort.as_str() {
        "start" => events.sort_by_key(|e| (e.starts_at, e.id)),
        "-start" => events.sort_by_key(|e| std::cmp::Reverse((e.starts_at, e.id))),
        "end" => events.sort_by_key(|e| (e.ends_at, e.id)),
        _ => events.sort_by_key(|e| std::cmp::Reverse((e.ends_at, e.id))),
    }
    let items = events
        .into_iter()
        .map(|e| event_out(e, &state.data, &req.base, req.expands("venue")))
        .collect();
    Ok(Json(paginate(&req, items, MAX_EVENT_PAGE_SIZE)?))
}

pub async fn retrieve(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    req: Req,
    Path(id): Path<String>,
) -> Result<Json<EventOut>, ApiError> {
    let state = sb.lock();
    let e = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.data.event(id))
        .filter(|e| e.provider == ctx.provider.id)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(event_out(e, &state.data, &req.base, req.expands("venue"))))
}

/// ASSUMPTION (TeamUp's slots page is missing from the docs): see README.
#[derive(Serialize)]
pub struct SlotOut {
    pub id: String,
    pub object: &'static str,
    pub starts_at: String,
    pub ends_at: String,
    pub offering_type: NamedRef,
    pub instructor: NamedRef,
    pub venue: NamedRef,
    pub venue_room: Option<NamedRef>,
    pub available: bool,
}

fn slot_out(s: &Slot, state: &SandboxState, customer: Option<u64>, now: OffsetDateTime) -> SlotOut {
    let data = &state.data;
    SlotOut {
        id: s.id.clone(),
        object: "slot",
        starts_at: format_utc(s.starts_at),
        ends_at: format_utc(s.ends_at),
        offering_type: named(
            s.offering_type,
            data.offering_type(s.offering_type).map(|o| o.name.as_str()),
        ),
        instructor: named(
            s.instructor,
            data.instructor(s.instructor).map(|i| i.name.as_str()),
        ),
        venue: named(s.venue, data.venue(s.venue).map(|v| v.name.as_str())),
        venue_room: s
            .venue_room
            .map(|r| named(r, data.room(s.venue, r).map(|r| r.name.as_str()))),
        // Held by another customer's live offer, booked, or already started: not available.
        available: state.slot_open_for(&s.id, customer, now),
    }
}

fn viewer(ctx: &Ctx) -> Option<u64> {
    ctx.profile_id().filter(|_| ctx.is_customer())
}

pub async fn list_slots(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    req: Req,
) -> Result<Json<Page<SlotOut>>, ApiError> {
    let zone = ctx.provider.zone();
    let starts_gte = req.datetime_param("starts_at_gte", zone)?;
    let starts_lte = req.datetime_param("starts_at_lte", zone)?;
    let mut offering_types = req.int_list("offering_type")?;
    if let Some(more) = req.int_list("offering_types")? {
        offering_types.get_or_insert_with(Vec::new).extend(more);
    }
    let instructor = req.int_param("instructor")?;
    let venue = req.int_param("venue")?;
    let available = req.bool_param("available")?;
    let now = OffsetDateTime::now_utc();
    let customer = viewer(&ctx);

    let state = sb.lock();
    let mut slots: Vec<&Slot> = state
        .data
        .slots
        .iter()
        .filter(|s| s.provider == ctx.provider.id)
        .filter(|s| starts_gte.is_none_or(|t| s.starts_at >= t))
        .filter(|s| starts_lte.is_none_or(|t| s.starts_at <= t))
        .filter(|s| {
            offering_types
                .as_ref()
                .is_none_or(|o| o.contains(&s.offering_type))
        })
        .filter(|s| instructor.is_none_or(|i| s.instructor == i))
        .filter(|s| venue.is_none_or(|v| s.venue == v))
        .filter(|s| available.is_none_or(|a| state.slot_open_for(&s.id, customer, now) == a))
        .collect();
    slots.sort_by(|a, b| (a.starts_at, &a.id).cmp(&(b.starts_at, &b.id)));
    let items = slots
        .into_iter()
        .map(|s| slot_out(s, &state, customer, now))
        .collect();
    Ok(Json(paginate(&req, items, MAX_PAGE_SIZE)?))
}

pub async fn retrieve_slot(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    Path(id): Path<String>,
) -> Result<Json<SlotOut>, ApiError> {
    let state = sb.lock();
    let s = state
        .data
        .slot(&id)
        .filter(|s| s.provider == ctx.provider.id)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(slot_out(
        s,
        &state,
        viewer(&ctx),
        OffsetDateTime::now_utc(),
    )))
}
