//! Meetings of a cooperative's bodies and their resolutions.

use actix_web::{get, post, web, HttpResponse};

use crate::api::support::etag::created;
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::books::meetings;
use crate::state::AppState;
use crate::views::meetings::{MeetingIn, MeetingOut};
use crate::views::pagination::{ListResponse, PageParams};

/// Record a meeting.
#[utoipa::path(
    tag = "books",
    operation_id = "recordMeeting",
    summary = "Record a meeting and its resolutions",
    description = "Records a meeting of the member assembly, the representative assembly, the board or the supervisory board, with each resolution's count; each is decided by the law (Farmers' Specialized Cooperatives Law, 2017): one basic vote per member, additional votes cast at most 20% of the basic votes (422 on `resolutions.N.additional_votes_for` beyond), more than half of **all** votes (`members_total` plus the additional votes cast) to pass, two thirds for `charter_amendment`, `merger`, `division`, `dissolution` and `join_federation`. Counts larger than attendance are refused. A meeting is recorded once and never changed.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = MeetingIn,
    responses(
        (status = 201, description = "Recorded, each resolution `passed` or not", body = MeetingOut, headers(("Location" = String, description = "The meeting's URL"), ("ETag" = String, description = "The version (always 1)"))),
        (status = 403, description = "The role may not change a cooperative's books"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 422, description = "A field is invalid: attendance over the body, votes over attendance, additional votes over 20%, a resolution number twice")
    )
)]
#[post("/cooperatives/{id}/meetings")]
pub async fn record_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<MeetingIn>,
) -> ApiResult<HttpResponse> {
    let coop_id = path.into_inner();
    let out = state
        .db_write(move |conn| meetings::record(conn, &caller, coop_id, body.0))
        .await?;
    let location = format!("/api/v1/cooperatives/{coop_id}/meetings/{}", out.id);
    Ok(created(location, 1, &out))
}

/// List meetings.
#[utoipa::path(
    tag = "books",
    operation_id = "listMeetings",
    summary = "List a cooperative's meetings",
    description = "The meetings recorded, the most recently recorded first, each with its resolutions.",
    params(("id" = i64, Path, description = "Cooperative id"), PageParams),
    responses(
        (status = 200, description = "One page of meetings", body = ListResponse<MeetingOut>),
        (status = 403, description = "The role may not read a cooperative's books"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/cooperatives/{id}/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let coop_id = path.into_inner();
    let list = state
        .db(move |conn| meetings::list(conn, &caller, coop_id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get a meeting.
#[utoipa::path(
    tag = "books",
    operation_id = "getMeeting",
    summary = "Get a meeting and its resolutions",
    description = "One meeting of a cooperative in scope, with each resolution's count, the threshold that applied (`half` or `two_thirds`) and whether it passed.",
    params(("id" = i64, Path, description = "Cooperative id"), ("meeting_id" = i64, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting", body = MeetingOut),
        (status = 403, description = "The role may not read a cooperative's books"),
        (status = 404, description = "No such meeting or cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/meetings/{meeting_id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (coop_id, meeting_id) = path.into_inner();
    let out = state
        .db(move |conn| meetings::get(conn, &caller, coop_id, meeting_id))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
