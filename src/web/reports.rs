//! Reports for leads: the KPI figures with their charts and the month's SLA compliance, the
//! same numbers as `supportbot report` and `/report sla`.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Utc};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::WebState;
use super::layout::{self, Page};
use super::session::Viewer;
use crate::domain::directory::StaffRole;
use crate::domain::i18n::Key;
use crate::reports::table::Table;
use crate::reports::{html as charts, render, service};
use crate::tr;

/// The period asked for: `from`/`to` days for the KPIs, `month` for SLA compliance.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    month: Option<String>,
}

fn table(t: &Table) -> Markup {
    html! {
        table.report {
            caption { (t.title) }
            thead { tr { @for h in &t.head { th { (h) } } } }
            tbody { @for r in &t.rows { tr { @for c in r { td { (c) } } } } }
        }
    }
}

/// GET `/reports` (leads and admins).
pub async fn page(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Response {
    if let Err(r) = viewer.require(StaffRole::Lead) {
        return *r;
    }
    let lang = viewer.lang();
    let cfg = &state.cfg;
    let tz = cfg.reports.tz().unwrap_or(chrono_tz::UTC);
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let pick = |v: &Option<String>, default: String| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or(default, str::to_string)
    };
    let from = pick(&q.from, (today - chrono::Days::new(29)).to_string());
    let to = pick(&q.to, today.to_string());
    let month = pick(
        &q.month,
        format!("{:04}-{:02}", today.year(), today.month()),
    );
    let period = match crate::reports::config::days(tz, &from, &to) {
        Ok(p) => p,
        Err(e) => return layout::problem(lang, StatusCode::BAD_REQUEST, &e),
    };
    if let Err(e) = crate::reports::config::month(tz, &month) {
        return layout::problem(lang, StatusCode::BAD_REQUEST, &e);
    }
    let req = service::KpiRequest {
        period,
        ..Default::default()
    };
    let kpi = service::kpi(&state.store, cfg, &req, now).await;
    let sla = service::sla(&state.store, cfg, &month, None, now).await;
    let (kpi, sla) = match (kpi, sla) {
        (Ok(k), Ok(s)) => (k, s),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "dashboard: report failed");
            return layout::problem(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                &tr!(lang, Key::WebReportFailed),
            );
        }
    };
    let _ = state.store.set_flash(&viewer.session.id_hash, None).await;
    let svg = |c: &charts::Chart| PreEscaped(charts::svg(c));
    let body = html! {
        form.filters method="get" action="/reports" {
            label { (tr!(lang, Key::WebFrom)) " " input type="date" name="from" value=(from); }
            label { (tr!(lang, Key::WebTo)) " " input type="date" name="to" value=(to); }
            label { (tr!(lang, Key::WebMonth)) " " input type="month" name="month" value=(month); }
            button type="submit" { (tr!(lang, Key::WebFilter)) }
        }
        section #kpi {
            h2 { (tr!(lang, Key::WebKpiTitle)) }
            div.charts { @for c in charts::kpi_charts(&kpi) { (svg(&c)) } }
            @for t in render::kpi_tables(&kpi) { (table(&t)) }
        }
        section #sla {
            h2 { (tr!(lang, Key::WebSlaReportTitle, month = &month)) }
            div.charts { @for c in charts::sla_charts(&sla) { (svg(&c)) } }
            @for t in render::sla_tables(&sla) { (table(&t)) }
        }
    };
    Page::new(&viewer, tr!(lang, Key::WebNavReports), body).into_response()
}
