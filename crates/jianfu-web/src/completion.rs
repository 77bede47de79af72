//! A state-changing request runs to its end even when its client goes
//! away. Dropping a handler between two statements would leave half a
//! change (a survey round without its subjects), and dropping one inside
//! sqlx's SQLite `BEGIN` leaves the pooled connection holding the write
//! lock, so every later write waits and fails until a restart
//! (launchbadge/sqlx#3932, fixed only in sqlx 0.9). Reads are left as
//! they are: dropping them loses nothing.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn run_to_completion(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!("a request task ended abnormally: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
