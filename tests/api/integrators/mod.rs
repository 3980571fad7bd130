//! What integrators meet: CORS, conditional GET, metrics, problem details in Chinese, uploads
//! as browsers send them, the progress workbook's charts.

mod conditional;
mod cors;
mod demo;
mod language;
mod metrics;
mod uploads;
mod workbook;
