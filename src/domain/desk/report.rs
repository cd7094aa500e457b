//! `/report sla [month]`: leads read the month's SLA compliance and the credits owed in chat,
//! worded from the catalogs in their language.

use super::error::DeskError;
use super::{Ctx, Desk, Outcome};
use crate::domain::directory::{StaffMember, StaffRole};
use crate::domain::i18n::{Key, Lang, format_span};
use crate::domain::report_source::SlaMonth;
use crate::domain::sla_credits::Amount;
use crate::{text, tr};

fn percent(v: f64) -> String {
    // Availability promises differ in the first decimals (99.5 %, 99.9 %): three are shown.
    let s = format!("{v:.3}");
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

fn credit(lang: Lang, a: Option<Amount>) -> String {
    match a {
        Some(Amount::Percent(p)) if p > 0.0 => percent(p),
        Some(Amount::Minutes(m)) if m > 0 => format_span(lang, chrono::Duration::minutes(m)),
        _ => tr!(lang, Key::ReportCreditNone),
    }
}

/// The month's compliance in `lang`: a header, then one line per customer.
pub(super) fn sla_month_text(lang: Lang, m: &SlaMonth) -> String {
    if m.customers.is_empty() {
        return tr!(lang, Key::ReportSlaNone, month = m.month.as_str());
    }
    let mut lines = vec![tr!(
        lang,
        Key::ReportSlaHeader,
        month = m.month.as_str(),
        breaches = m.breaches,
        first = m.first_response_breaches
    )];
    for c in &m.customers {
        lines.push(tr!(
            lang,
            Key::ReportSlaCustomer,
            customer = c.customer.as_str(),
            breaches = c.breaches,
            availability = percent(c.availability),
            promise = percent(c.promise),
            credit = credit(lang, c.credit)
        ));
    }
    lines.join("\n")
}

impl Desk {
    pub(super) async fn report_sla(
        &self,
        ctx: &Ctx<'_>,
        me: &StaffMember,
        lang: Lang,
        month: Option<&str>,
    ) -> Outcome {
        if me.role < StaffRole::Lead {
            return Err(DeskError::Say(text!(Key::ReportLeadOnly)));
        }
        let Some(source) = &self.reports else {
            return Err(DeskError::Say(text!(Key::ReportUnavailable)));
        };
        let m = source.sla_month(month, ctx.now).await?;
        Ok(vec![ctx.reply(sla_month_text(lang, &m))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report_source::SlaCustomerLine;

    #[test]
    fn the_month_reads_naturally_in_each_language() {
        let m = SlaMonth {
            month: "2026-11".into(),
            breaches: 5,
            first_response_breaches: 3,
            customers: vec![SlaCustomerLine {
                customer: "Acme".into(),
                breaches: 1,
                availability: 100.0 - 300.0 / 720.0,
                promise: 99.9,
                credit: Some(Amount::Percent(12.0)),
            }],
        };
        assert_eq!(
            sla_month_text(Lang::En, &m),
            "SLA report 2026-11: 5 breaches, 3 of them first responses.\n• Acme: 1 breach, availability 99.583% (promised 99.9%), credit owed: 12%"
        );
        assert!(sla_month_text(Lang::Hu, &m).contains("5 mulasztás"));
        assert!(sla_month_text(Lang::Zh, &m).contains("共 5 次违约"));
        let empty = SlaMonth {
            customers: vec![],
            ..m
        };
        assert_eq!(
            sla_month_text(Lang::En, &empty),
            "No breaches and no incidents in 2026-11."
        );
    }
}
