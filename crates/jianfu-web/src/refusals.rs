//! Every refusal is audited, whoever refused. Services audit their own
//! refusals with the reason (`App::deny`); a 403 answered without one (a
//! role check in a handler, the CSRF check, a route added later) is
//! audited here with the route, so no refusal goes unrecorded.

use crate::context::{ReqCtx, Session};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

pub async fn audit_refusals(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let user = req.extensions().get::<Session>().map(|s| s.user.clone());
    let reporter_route = crate::api::direct_reports::is_reporter_route(req.uri().path());
    // A reporter's route leaves no address in the audit log (直报), and a
    // grassroots account refused there (a stale form on a shared PC) is
    // not named either: "this worker tried to file at 10:02" is the link
    // the channel must not keep. Other roles are refused by name.
    let possible_reporter = user.as_ref().is_some_and(|u| u.role.is_grassroots());
    let anonymous = reporter_route && possible_reporter;
    let ip = req
        .extensions()
        .get::<ReqCtx>()
        .and_then(|c| c.ip.clone())
        .filter(|_| !reporter_route);
    let target = format!("{} {}", req.method(), req.uri().path());
    let (response, audited) = jianfu_app::audit::tracking_refusals(next.run(req)).await;
    if response.status() == StatusCode::FORBIDDEN && !audited {
        if let Some(user) = user {
            if let Err(e) = state
                .app
                .audit(
                    (!anonymous).then_some(&user),
                    "access.denied",
                    Some(target),
                    "denied",
                    Some("请求被拒绝（无权访问该功能或对象）".into()),
                    ip,
                )
                .await
            {
                tracing::error!("a refusal could not be audited: {e}");
            }
        }
    }
    response
}
