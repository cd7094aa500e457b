//! Who is who: customers with tiers and support periods, staff with roles. Built from config.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::i18n::Lang;
use super::ids::{AgentName, Platform, UserRef};
use super::ticket::Tier;

/// `[customers]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomersConfig {
    /// Tier of anyone not listed.
    pub default_tier: Tier,
    /// Known customers.
    #[serde(default)]
    pub accounts: Vec<CustomerAccount>,
    /// The language for customers who chose none and whose platform and message do not tell.
    #[serde(default)]
    pub default_lang: Lang,
}

/// One `[[customers.accounts]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerAccount {
    /// Company or person name.
    pub name: String,
    /// Their tier.
    pub tier: Tier,
    /// Last day of their support period (inclusive); absent means no end.
    #[serde(default)]
    pub support_until: Option<NaiveDate>,
    /// Platform users, as `telegram:123` / `discord:456`.
    #[serde(default)]
    pub users: Vec<String>,
    /// Discord role ids whose holders belong to this customer.
    #[serde(default, deserialize_with = "super::id_text::list")]
    pub discord_roles: Vec<String>,
    /// License keys users can `/register`.
    #[serde(default)]
    pub license_keys: Vec<String>,
}

/// A staff member's power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    /// Works tickets.
    Agent,
    /// An agent who also receives escalations and may take others' tickets.
    Lead,
    /// A lead who may also post panels and manage the bot.
    Admin,
}

/// `[staff]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    /// Platform where agents work tickets by default.
    pub home: Platform,
    /// Per requester platform: where that platform's tickets are worked (`telegram = "discord"`).
    #[serde(default)]
    pub home_for: BTreeMap<Platform, Platform>,
    /// Named agents.
    #[serde(default)]
    pub agents: Vec<AgentAccount>,
    /// Discord role ids whose holders act as agents / leads / admins.
    #[serde(default)]
    pub discord_roles: BTreeMap<String, StaffRole>,
    /// Staff role held by administrators of the Telegram staff group; unset, they hold none.
    #[serde(default)]
    pub telegram_group_admins: Option<StaffRole>,
    /// The language of the staff spaces: ticket intros, titles, SLA notices.
    #[serde(default)]
    pub lang: Lang,
}

/// Role marker the Telegram adapter attaches to a sender who administers the staff group.
pub const TELEGRAM_GROUP_ADMIN: &str = "telegram:group_admin";

/// One `[[staff.agents]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentAccount {
    /// Name used in `/assign 42 alice`.
    pub name: String,
    /// Agent, lead or admin.
    pub role: StaffRole,
    /// Platform identities, as `telegram:123` / `discord:456` / `console:agent`.
    pub users: Vec<String>,
    /// The language this agent reads the bot's answers to their commands in; unset, `staff.lang`.
    #[serde(default)]
    pub lang: Option<Lang>,
}

/// Parses `platform:id` as used in config files.
pub fn parse_user_key(s: &str) -> Result<(Platform, String), String> {
    let (p, id) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}` must look like telegram:123 or discord:456"))?;
    let platform: Platform = p.parse()?;
    if id.is_empty() {
        return Err(format!("`{s}` has an empty user id"));
    }
    Ok((platform, id.to_string()))
}

/// True when the config entry `key` (`telegram:123`) names `user`.
pub fn user_matches(key: &str, user: &UserRef) -> bool {
    parse_user_key(key).is_ok_and(|(p, id)| p == user.platform && id == user.id)
}

/// What a customer is entitled to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entitlement {
    /// Their tier.
    pub tier: Tier,
    /// The configured account, if they matched one.
    pub account: Option<String>,
    /// Last day of support (inclusive).
    pub support_until: Option<NaiveDate>,
}

impl Entitlement {
    /// True when `today` is within the support period.
    pub fn in_support(&self, today: NaiveDate) -> bool {
        self.support_until.is_none_or(|until| today <= until)
    }
}

impl CustomersConfig {
    /// Resolves a customer's tier and support period from their id, Discord roles and
    /// registered license key; unknown customers get the default tier.
    pub fn entitlement(
        &self,
        user: &UserRef,
        roles: &[String],
        license: Option<&str>,
    ) -> Entitlement {
        let found = self.accounts.iter().find(|a| {
            a.users.iter().any(|k| user_matches(k, user))
                || (user.platform == Platform::Discord
                    && a.discord_roles.iter().any(|r| roles.contains(r)))
                || license.is_some_and(|l| a.license_keys.iter().any(|k| k == l))
        });
        match found {
            Some(a) => Entitlement {
                tier: a.tier,
                account: Some(a.name.clone()),
                support_until: a.support_until,
            },
            None => Entitlement {
                tier: self.default_tier,
                account: None,
                support_until: None,
            },
        }
    }

    /// The account that owns a license key.
    pub fn account_by_license(&self, key: &str) -> Option<&CustomerAccount> {
        self.accounts
            .iter()
            .find(|a| a.license_keys.iter().any(|k| k == key))
    }
}

/// A staff member acting right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Name used for assignment.
    pub name: AgentName,
    /// Their power.
    pub role: StaffRole,
    /// The language the bot answers them in.
    pub lang: Lang,
}

impl StaffConfig {
    /// The staff identity of a user, from the agent list or their Discord roles; `None` for customers.
    pub fn member(&self, user: &UserRef, roles: &[String]) -> Option<StaffMember> {
        if let Some(a) = self
            .agents
            .iter()
            .find(|a| a.users.iter().any(|k| user_matches(k, user)))
        {
            return Some(StaffMember {
                name: AgentName(a.name.clone()),
                role: a.role,
                lang: a.lang.unwrap_or(self.lang),
            });
        }
        if user.platform == Platform::Telegram {
            let role = self.telegram_group_admins?;
            return roles
                .iter()
                .any(|r| r == TELEGRAM_GROUP_ADMIN)
                .then(|| StaffMember {
                    name: AgentName(user.name.clone()),
                    role,
                    lang: self.lang,
                });
        }
        if user.platform != Platform::Discord {
            return None;
        }
        let role = roles
            .iter()
            .filter_map(|r| self.discord_roles.get(r).copied())
            .max()?;
        Some(StaffMember {
            name: AgentName(user.name.clone()),
            role,
            lang: self.lang,
        })
    }

    /// A configured agent by name (case-insensitive).
    pub fn agent(&self, name: &str) -> Option<&AgentAccount> {
        self.agents
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Platform identities of everyone with at least `role`, for escalation pings.
    pub fn users_with_role(&self, role: StaffRole) -> Vec<(Platform, String)> {
        self.agents
            .iter()
            .filter(|a| a.role >= role)
            .flat_map(|a| a.users.iter().filter_map(|u| parse_user_key(u).ok()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customers() -> CustomersConfig {
        CustomersConfig {
            default_tier: Tier::Basic,
            accounts: vec![CustomerAccount {
                name: "Acme".into(),
                tier: Tier::Enterprise,
                support_until: NaiveDate::from_ymd_opt(2026, 12, 31),
                users: vec!["telegram:1".into()],
                discord_roles: vec!["999".into()],
                license_keys: vec!["ACME-1".into()],
            }],
            default_lang: Lang::En,
        }
    }

    #[test]
    fn customers_match_by_id_role_or_license() {
        let c = customers();
        let tg = UserRef::new(Platform::Telegram, "1", "a");
        assert_eq!(c.entitlement(&tg, &[], None).tier, Tier::Enterprise);
        let dc = UserRef::new(Platform::Discord, "5", "b");
        assert_eq!(
            c.entitlement(&dc, &["999".into()], None).tier,
            Tier::Enterprise
        );
        assert_eq!(
            c.entitlement(&dc, &[], Some("ACME-1")).tier,
            Tier::Enterprise
        );
        let e = c.entitlement(&dc, &[], Some("nope"));
        assert_eq!((e.tier, e.account), (Tier::Basic, None));
    }

    #[test]
    fn support_period_is_inclusive() {
        let e = customers().entitlement(&UserRef::new(Platform::Telegram, "1", "a"), &[], None);
        assert!(e.in_support(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        assert!(!e.in_support(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    }

    #[test]
    fn staff_come_from_agent_list_or_discord_roles() {
        let mut s = StaffConfig {
            home: Platform::Console,
            home_for: BTreeMap::new(),
            agents: vec![AgentAccount {
                name: "ann".into(),
                role: StaffRole::Lead,
                users: vec!["telegram:7".into()],
                lang: Some(Lang::Hu),
            }],
            discord_roles: BTreeMap::new(),
            telegram_group_admins: None,
            lang: Lang::Zh,
        };
        s.discord_roles.insert("42".into(), StaffRole::Agent);
        let ann = s
            .member(&UserRef::new(Platform::Telegram, "7", "Ann"), &[])
            .unwrap();
        assert_eq!(ann.role, StaffRole::Lead);
        assert_eq!(
            ann.lang,
            Lang::Hu,
            "an agent's own language beats staff.lang"
        );
        assert!(
            s.member(&UserRef::new(Platform::Telegram, "8", "x"), &[])
                .is_none()
        );
        let d = s
            .member(&UserRef::new(Platform::Discord, "8", "dee"), &["42".into()])
            .unwrap();
        assert_eq!(d.role, StaffRole::Agent);
        assert_eq!(
            d.lang,
            Lang::Zh,
            "without their own, agents read staff.lang"
        );
        // Telegram has no roles; a role id coming from there must not grant anything.
        assert!(
            s.member(&UserRef::new(Platform::Telegram, "8", "x"), &["42".into()])
                .is_none()
        );
    }

    #[test]
    fn telegram_group_admins_are_staff_only_when_configured() {
        let mut s = StaffConfig {
            home: Platform::Telegram,
            home_for: BTreeMap::new(),
            agents: Vec::new(),
            discord_roles: BTreeMap::new(),
            telegram_group_admins: None,
            lang: Lang::En,
        };
        let tom = UserRef::new(Platform::Telegram, "9", "Tom");
        let admin = [TELEGRAM_GROUP_ADMIN.to_string()];
        assert!(s.member(&tom, &admin).is_none());
        s.telegram_group_admins = Some(StaffRole::Agent);
        assert_eq!(s.member(&tom, &admin).unwrap().role, StaffRole::Agent);
        assert_eq!(s.member(&tom, &admin).unwrap().name.0, "Tom");
        assert!(s.member(&tom, &[]).is_none());
        // The marker means nothing on another platform.
        let dee = UserRef::new(Platform::Discord, "9", "Dee");
        assert!(s.member(&dee, &admin).is_none());
    }
}
