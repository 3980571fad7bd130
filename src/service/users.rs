//! User accounts: the district admin creates them with a role and the scope that role needs,
//! lists, reads, re-scopes, disables them and resets passwords; users change their own
//! password. Every change is audited (never a password or a hash), and every change of role,
//! scope, `disabled` or password bumps the credentials version, so every token issued before
//! is refused at once (see `auth::revocation`). The command line uses the same rules.

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::user::{self, NewUser, User, UserFilter, UserScope};
use crate::db::models::{cooperative, counselor, now, reference};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::{check_version, Problems};
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::users::{UserCreate, UserFilterParams, UserOut, UserPatch};

/// 403 unless the caller manages accounts (the district admin).
pub fn may_manage(caller: &Caller) -> ApiResult<()> {
    caller.require(Resource::Users, Access::Write)
}

/// The scope field a role needs, if any.
fn scope_field(role: Role) -> Option<&'static str> {
    match role {
        Role::TownOfficer => Some("town_code"),
        Role::Cooperative => Some("cooperative_id"),
        Role::BankPartner => Some("bank_code"),
        Role::Counselor => Some("counselor_id"),
        _ => None,
    }
}

/// Checks a role's scope: the field it needs is there and names a record, the others are not
/// given (each problem a 422 naming its field); a counselor has one login at most (409).
pub fn check_scope(
    conn: &mut DbConn,
    scope: &UserScope,
    user_id: Option<i64>,
    problems: &mut Problems,
) -> ApiResult<()> {
    let given = [
        ("town_code", scope.town_code.is_some()),
        ("cooperative_id", scope.cooperative_id.is_some()),
        ("bank_code", scope.bank_code.is_some()),
        ("counselor_id", scope.counselor_id.is_some()),
    ];
    let needed = scope_field(scope.role);
    for (field, present) in given {
        if Some(field) == needed && !present {
            problems.push(FieldError::new(
                field,
                "required",
                format!("required for the role {}", scope.role),
            ));
        } else if Some(field) != needed && present {
            problems.push(FieldError::new(
                field,
                "not_allowed",
                format!("does not apply to the role {}", scope.role),
            ));
        }
    }
    if let Some(t) = &scope.town_code {
        if !reference::town_exists(conn, t)? {
            problems.push(FieldError::new("town_code", "unknown", "no such town"));
        }
    }
    if let Some(id) = scope.cooperative_id {
        if !cooperative::exists(conn, id)? {
            problems.push(FieldError::new(
                "cooperative_id",
                "unknown",
                "no such cooperative",
            ));
        }
    }
    if let Some(id) = scope.counselor_id {
        if !counselor::exists(conn, id)? {
            problems.push(FieldError::new(
                "counselor_id",
                "unknown",
                "no such counselor",
            ));
        } else if user::login_of_counselor(conn, id)?.is_some_and(|login| Some(login) != user_id) {
            return Err(ApiError::Conflict(
                "this counselor has a login already".into(),
            ));
        }
    }
    Ok(())
}

/// Creates an account whose scope and password were checked: 409 if the username is taken.
pub fn insert_account(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    scope: UserScope,
    password_hash: String,
    disabled: bool,
) -> ApiResult<User> {
    if user::find_by_username(conn, username)?.is_some() {
        return Err(ApiError::Conflict(format!(
            "a user named {username} exists already"
        )));
    }
    let created = user::insert(
        conn,
        &NewUser {
            username: username.to_string(),
            password_hash,
            role: scope.role,
            town_code: scope.town_code,
            cooperative_id: scope.cooperative_id,
            bank_code: scope.bank_code,
            counselor_id: scope.counselor_id,
            disabled,
            created_at: now(),
        },
    )?;
    audit::record(
        conn,
        actor,
        "create",
        "user",
        &created.id.to_string(),
        None::<&()>,
        Some(&UserOut::from(&created)),
    )?;
    Ok(created)
}

/// The scope a new account asks for.
pub fn scope_of(body: &UserCreate) -> UserScope {
    UserScope {
        role: body.role,
        town_code: body.town_code.clone(),
        cooperative_id: body.cooperative_id,
        bank_code: body.bank_code.clone(),
        counselor_id: body.counselor_id,
    }
}

/// `POST /users`: the body's rules, the password policy's verdict (`refusal`, checked before
/// hashing) and the scope, all in one 422.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    body: UserCreate,
    password: Result<String, String>,
) -> ApiResult<User> {
    may_manage(caller)?;
    let mut problems = Problems::of(&body);
    let scope = scope_of(&body);
    check_scope(conn, &scope, None, &mut problems)?;
    let hash = match password {
        Ok(h) => Some(h),
        Err(refusal) => {
            problems.push(FieldError::new("password", "policy", refusal));
            None
        }
    };
    problems.finish()?;
    let hash = hash.ok_or_else(|| ApiError::internal("a password without a hash"))?;
    insert_account(
        conn,
        &caller.actor(),
        body.username.trim(),
        scope,
        hash,
        body.disabled,
    )
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &UserFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<UserOut>> {
    may_manage(caller)?;
    let page = page.page()?;
    let f = UserFilter {
        role: filter.role,
        town_code: filter.town_code.clone(),
        disabled: filter.disabled,
    };
    let list = page.load(
        conn,
        |conn, after, n| user::list(conn, &f, after, n),
        |conn| user::count(conn, &f),
        |u| u.id,
    )?;
    Ok(list.map(|u| UserOut::from(&u)))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<User> {
    may_manage(caller)?;
    Ok(user::get(conn, id)?)
}

/// The scope after a patch: given fields replace, absent ones are kept where the (new) role
/// uses them and cleared where it does not.
fn patched_scope(current: &UserScope, patch: &UserPatch) -> UserScope {
    let role = patch.role.unwrap_or(current.role);
    let keep = |field: &str| scope_field(role) == Some(field);
    UserScope {
        role,
        town_code: match &patch.town_code {
            Some(v) => v.clone(),
            None => current.town_code.clone().filter(|_| keep("town_code")),
        },
        cooperative_id: match patch.cooperative_id {
            Some(v) => v,
            None => current.cooperative_id.filter(|_| keep("cooperative_id")),
        },
        bank_code: match &patch.bank_code {
            Some(v) => v.clone(),
            None => current.bank_code.clone().filter(|_| keep("bank_code")),
        },
        counselor_id: match patch.counselor_id {
            Some(v) => v,
            None => current.counselor_id.filter(|_| keep("counselor_id")),
        },
    }
}

/// `PATCH /users/{id}`. An admin cannot disable or demote themselves, and the last enabled
/// district admin stays (409): the district would be locked out.
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: UserPatch,
    if_match: Option<i32>,
) -> ApiResult<User> {
    may_manage(caller)?;
    let before = user::get(conn, id)?;
    check_version(if_match, before.version)?;
    let mut problems = Problems::of(&patch);
    let scope = patched_scope(&before.scope(), &patch);
    check_scope(conn, &scope, Some(id), &mut problems)?;
    problems.finish()?;
    let disabled = patch.disabled.unwrap_or(before.disabled);
    let stays_admin = scope.role == Role::DistrictAdmin && !disabled;
    if before.role == Role::DistrictAdmin && !before.disabled && !stays_admin {
        if caller.user_id() == Some(id) {
            return Err(ApiError::Conflict(
                "you cannot disable yourself or give up your own district_admin role".into(),
            ));
        }
        if user::other_enabled_admins(conn, id)? == 0 {
            return Err(ApiError::Conflict(
                "this is the last enabled district_admin: enable or create another first".into(),
            ));
        }
    }
    let mut after = before.clone();
    if scope != before.scope() {
        after = user::set_scope(conn, id, &scope)?;
    }
    if disabled != before.disabled {
        after = user::set_disabled(conn, id, disabled)?;
    }
    if after.version != before.version {
        audit::record(
            conn,
            &caller.actor(),
            "update",
            "user",
            &id.to_string(),
            Some(&UserOut::from(&before)),
            Some(&UserOut::from(&after)),
        )?;
    }
    Ok(after)
}

/// Stores a new password hash for a user (an admin's reset, or the user's own change).
pub fn set_password(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    hash: &str,
    action: &str,
) -> ApiResult<User> {
    let after = user::set_password(conn, id, hash)?;
    audit::record(
        conn,
        actor,
        action,
        "user",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"username": after.username, "tokens_revoked": true})),
    )?;
    Ok(after)
}

/// Disables or enables a user by name (the command line); the same rules as a patch.
pub fn set_disabled_by_name(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    disabled: bool,
) -> ApiResult<User> {
    let before = user::find_by_username(conn, username)?.ok_or(ApiError::NotFound)?;
    if before.disabled == disabled {
        return Ok(before);
    }
    if disabled
        && before.role == Role::DistrictAdmin
        && user::other_enabled_admins(conn, before.id)? == 0
    {
        return Err(ApiError::Conflict(
            "this is the last enabled district_admin: enable or create another first".into(),
        ));
    }
    let after = user::set_disabled(conn, before.id, disabled)?;
    audit::record(
        conn,
        actor,
        "update",
        "user",
        &after.id.to_string(),
        Some(&UserOut::from(&before)),
        Some(&UserOut::from(&after)),
    )?;
    Ok(after)
}
