//! Reports that show whether the promises were kept: the KPI report and the monthly SLA
//! compliance report with service credits. The database aggregates (`storage::report_*`);
//! this module holds the per-ticket facts it aggregates over, the pure computations on the
//! aggregates, and the renderers (text, Markdown, CSV, JSON, HTML with SVG charts), and the digests posted to the
//! staff lobby.

pub mod chart;
pub mod config;
pub mod digest;
pub mod digest_run;
pub mod digest_text;
pub mod facts;
pub mod html;
pub mod kpi;
pub mod model;
pub mod render;
pub mod service;
pub mod sla;
pub mod survey;
pub mod survey_run;
pub mod table;
