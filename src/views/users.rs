//! User accounts as the district admin manages them, and `/auth/me`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::user::User;
use crate::domain::role::Role;
use crate::views::partners::validate_bank_code;
use crate::views::validators::double_option;

/// A user account. The password and its hash are never shown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "username": "chen.town", "role": "town_officer", "town_code": "500119110", "cooperative_id": null, "bank_code": null, "counselor_id": null, "disabled": false, "created_at": "2026-12-01T08:00:00Z"}))]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The town of a `town_officer`.
    pub town_code: Option<String>,
    /// The cooperative of a `cooperative` account.
    pub cooperative_id: Option<i64>,
    /// The bank of a `bank_partner` user.
    pub bank_code: Option<String>,
    /// The counselor record of a `counselor` (their covered towns are the scope).
    pub counselor_id: Option<i64>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id,
            username: u.username.clone(),
            role: u.role,
            town_code: u.town_code.clone(),
            cooperative_id: u.cooperative_id,
            bank_code: u.bank_code.clone(),
            counselor_id: u.counselor_id,
            disabled: u.disabled,
            created_at: u.created_at.and_utc(),
        }
    }
}

/// A new user: the role, the scope that role needs, and a first password.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "chen.town", "role": "town_officer", "town_code": "500119110", "password": "南川 tea hills 2026"}))]
pub struct UserCreate {
    /// 3–50 characters: letters, digits, `.`, `_`, `-`.
    #[validate(
        length(min = 3, max = 50),
        custom(function = "crate::views::validators::username")
    )]
    #[schema(min_length = 3, max_length = 50, pattern = "^[A-Za-z0-9._-]{3,50}$")]
    pub username: String,
    pub role: Role,
    /// Required for `town_officer`, refused for the other roles.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub town_code: Option<String>,
    /// Required for `cooperative`, refused for the other roles.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub cooperative_id: Option<i64>,
    /// Required for `bank_partner`, refused for the other roles.
    #[validate(custom(function = "validate_bank_code"))]
    #[schema(pattern = r"^[a-z0-9_]{1,20}$")]
    pub bank_code: Option<String>,
    /// Required for `counselor` (one login per counselor), refused for the other roles.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub counselor_id: Option<i64>,
    /// At least 12 characters, not containing the username, not one of the 10,000 most common
    /// passwords.
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
    /// Create the account disabled (default `false`).
    #[serde(default)]
    pub disabled: bool,
}

/// A change to a user: another role or scope, or disabling/enabling it. Absent fields keep
/// their value; scope fields the (new) role does not use are cleared. Any change of role,
/// scope or `disabled` revokes every token issued to the user before it.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"town_code": "500119111"}))]
pub struct UserPatch {
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 20))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 20)]
    pub town_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1))]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub cooperative_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "validate_bank_code"))]
    #[schema(value_type = Option<String>, pattern = r"^[a-z0-9_]{1,20}$")]
    pub bank_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1))]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub counselor_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
}

/// Filters of the user list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UserFilterParams {
    /// Only users of this role.
    pub role: Option<Role>,
    /// Only town officers of this town.
    #[validate(length(min = 1, max = 20))]
    #[param(min_length = 1, max_length = 20)]
    pub town_code: Option<String>,
    /// Only disabled (`true`) or enabled (`false`) users.
    pub disabled: Option<bool>,
}

/// An admin's password reset.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_password": "金佛山 方竹笋 harvest"}))]
pub struct PasswordReset {
    /// The policy of [`UserCreate::password`].
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024)]
    pub new_password: String,
}

/// A user's own password change.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "南川 tea hills 2026", "new_password": "金佛山 方竹笋 harvest"}))]
pub struct PasswordChange {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// The policy of [`UserCreate::password`].
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024)]
    pub new_password: String,
}

/// Who the token belongs to, for a front end to draw its menus.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"username": "chen.town", "role": "town_officer", "user_id": 7, "town_code": "500119110", "cooperative_id": null, "bank_code": null, "counselor_id": null, "expires_at": "2026-12-01T09:00:00Z"}))]
pub struct MeOut {
    /// The username, or a partner client's client id.
    pub username: String,
    pub role: Role,
    /// The user's id (null for a partner bank's client).
    pub user_id: Option<i64>,
    pub town_code: Option<String>,
    pub cooperative_id: Option<i64>,
    pub bank_code: Option<String>,
    pub counselor_id: Option<i64>,
    /// When this access token expires.
    pub expires_at: DateTime<Utc>,
}
