//! User accounts, for the district admin: create, list, read, re-scope or disable, reset a
//! password. Every change revokes the user's earlier tokens at once.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::etag::{created, if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::password;
use crate::auth::revocation::SubjectKey;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::users;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::users::{PasswordReset, UserCreate, UserFilterParams, UserOut, UserPatch};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_user)
        .service(list_users)
        .service(get_user)
        .service(update_user)
        .service(reset_password);
}

/// Argon2 on the blocking pool, with no connection held.
async fn hash(pw: String) -> ApiResult<String> {
    web::block(move || password::hash(&pw))
        .await
        .map_err(ApiError::from)?
        .map_err(ApiError::internal)
}

/// Create a user.
#[utoipa::path(
    tag = "users",
    operation_id = "createUser",
    summary = "Create a user with a role and its scope",
    description = "A new account: `town_officer` needs `town_code`, `cooperative` needs `cooperative_id`, `bank_partner` needs `bank_code`, `counselor` needs `counselor_id` (one login per counselor: 409 for a second); a scope field the role does not use is refused (422). The password: at least 12 characters, not containing the username, not one of the 10,000 most common passwords. Every problem of the body is named in one 422. District admin only.",
    request_body = UserCreate,
    responses(
        (status = 201, description = "Created", body = UserOut, headers(("Location" = String, description = "The new user"), ("ETag" = String, description = "The user's version"))),
        (status = 403, description = "Only the district admin manages users"),
        (status = 409, description = "The username is taken, or the counselor has a login already"),
        (status = 422, description = "A field is missing, unknown, not for this role, or the password fails the policy")
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<UserCreate>,
) -> ApiResult<HttpResponse> {
    users::may_manage(&caller)?;
    let body = body.0;
    let pw = match password::policy_refusal(&body.username, &body.password) {
        Some(refusal) => Err(refusal),
        None => Ok(hash(body.password.clone()).await?),
    };
    let u = state
        .db_write(move |conn| users::create(conn, &caller, body, pw))
        .await?;
    Ok(created(
        format!("/api/v1/users/{}", u.id),
        u.version,
        &UserOut::from(&u),
    ))
}

/// List users.
#[utoipa::path(
    tag = "users",
    operation_id = "listUsers",
    summary = "List users",
    description = "All accounts by id, filtered by `role`, `town_code` (town officers of that town) and `disabled`. District admin only.",
    params(UserFilterParams, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<UserOut>),
        (status = 403, description = "Only the district admin manages users"),
        (status = 422, description = "A bad filter, limit or cursor")
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    filter: ValidQuery<UserFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| users::list(conn, &caller, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get a user.
#[utoipa::path(
    tag = "users",
    operation_id = "getUser",
    summary = "Get a user",
    description = "One account (never its password or hash), with its version as the `ETag`. District admin only.",
    params(("id" = i64, Path, description = "User id", minimum = 1)),
    responses(
        (status = 200, description = "The user", body = UserOut, headers(("ETag" = String, description = "The user's version"))),
        (status = 403, description = "Only the district admin manages users"),
        (status = 404, description = "No such user")
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let u = state.db(move |conn| users::get(conn, &caller, id)).await?;
    Ok(with_etag(HttpResponse::Ok(), u.version, &UserOut::from(&u)))
}

/// Change a user's role, scope or disabled flag.
#[utoipa::path(
    tag = "users",
    operation_id = "updateUser",
    summary = "Re-scope, disable or enable a user",
    description = "Absent fields keep their value; scope fields the (new) role does not use are cleared; a given one must fit the role (422). Any change revokes every token the user holds — access and refresh — at once on this instance and within the revocation cache's lifetime (5 s by default) on any other: a town officer moved to another town sees only the new town from their next login. An admin cannot disable or demote themselves, nor the last enabled district admin (409). `If-Match` with the last `ETag` guards against a lost update (412). District admin only.",
    params(
        ("id" = i64, Path, description = "User id", minimum = 1),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user after the change", body = UserOut, headers(("ETag" = String, description = "The user's version"))),
        (status = 403, description = "Only the district admin manages users"),
        (status = 404, description = "No such user"),
        (status = 409, description = "It would lock the district out, or the counselor has a login already"),
        (status = 412, description = "If-Match does not match the current ETag"),
        (status = 422, description = "A field is unknown or does not fit the role")
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<UserPatch>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let u = state
        .db_write(move |conn| users::update(conn, &caller, id, body.0, demanded))
        .await?;
    state.revocation.forget(SubjectKey::User(id));
    Ok(with_etag(HttpResponse::Ok(), u.version, &UserOut::from(&u)))
}

/// Reset a user's password.
#[utoipa::path(
    tag = "users",
    operation_id = "resetUserPassword",
    summary = "Set a new password for a user (admin reset)",
    description = "Sets the password (the policy of `createUser`, checked against this user's username: 422 naming `new_password`) and revokes every token the user holds, at once. The change is audited without the password. Not for one's own account (409: `POST /auth/password` asks for the current password). District admin only.",
    params(("id" = i64, Path, description = "User id", minimum = 1)),
    request_body = PasswordReset,
    responses(
        (status = 204, description = "Set; the user's earlier tokens are revoked"),
        (status = 403, description = "Only the district admin manages users"),
        (status = 404, description = "No such user"),
        (status = 409, description = "Your own account: use POST /auth/password"),
        (status = 422, description = "new_password fails the policy")
    )
)]
#[post("/users/{id}/password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<PasswordReset>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    users::may_manage(&caller)?;
    if caller.user_id() == Some(id) {
        return Err(ApiError::Conflict(
            "your own password is changed with POST /api/v1/auth/password, which asks for the current one"
                .into(),
        ));
    }
    let c = caller.clone();
    let target = state.db(move |conn| users::get(conn, &c, id)).await?;
    let pw = body.0.new_password;
    if let Some(refusal) = password::policy_refusal(&target.username, &pw) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "new_password",
            "policy",
            refusal,
        )]));
    }
    let h = hash(pw).await?;
    let actor = caller.actor();
    state
        .db_write(move |conn| users::set_password(conn, &actor, id, &h, "reset_password"))
        .await?;
    state.revocation.forget(SubjectKey::User(id));
    Ok(HttpResponse::NoContent().finish())
}
