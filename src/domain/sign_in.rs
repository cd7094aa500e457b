//! The sign-in port: the desk answers `/dashboard` with a one-time link that whatever serves
//! the dashboard issues (and later redeems), so the desk never holds its keys.

use chrono::{DateTime, Utc};

use super::directory::StaffMember;
use super::ids::UserRef;

/// Issues one-time sign-in links to the web dashboard.
pub trait SignInLinks: Send + Sync {
    /// A link that signs `who` in as `member` (with the platform `roles` their membership came
    /// from), valid for [`SignInLinks::valid_minutes`] from `now` and usable once.
    fn link(
        &self,
        who: &UserRef,
        roles: &[String],
        member: &StaffMember,
        now: DateTime<Utc>,
    ) -> Result<String, String>;

    /// How long a link stays valid, in minutes (the reply tells the agent).
    fn valid_minutes(&self) -> i64;
}
