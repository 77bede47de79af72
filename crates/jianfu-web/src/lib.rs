//! The HTTP layer: pages and the JSON API. This is the only crate that
//! knows HTTP; it turns requests into calls on `jianfu_app::App`.

mod api;
mod charts;
mod completion;
mod context;
mod cookies;
mod csrf;
mod errors;
mod extract;
mod headers;
mod i18n;
mod once;
mod pages;
mod redirect;
mod refusals;
mod render;
mod session;
mod throttle;
mod uploads;

use axum::routing::get;
use axum::Router;
use jianfu_app::App;
use std::net::SocketAddr;
use std::sync::Arc;

pub use i18n::Lang;

/// Whether session cookies carry the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecure {
    /// Secure when the request came over TLS as a proxy reports it
    /// (`X-Forwarded-Proto: https` or `Forwarded: proto=https`).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub cookie_secure: CookieSecure,
    /// Take the client address from `X-Forwarded-For` (behind a proxy).
    pub trust_proxy: bool,
    /// Login attempts a client address may make per minute (failed ones:
    /// a successful login gives its attempt back).
    pub login_attempts_per_minute: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cookie_secure: CookieSecure::Auto,
            trust_proxy: false,
            login_attempts_per_minute: 10,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub cfg: Arc<WebConfig>,
    pub uploads: uploads::Uploads,
    pub login_throttle: Arc<throttle::LoginThrottle>,
    /// 直报's filings and receipt-code attempts per address, in memory and
    /// out of the log: a wrong code costs a try, so guessing is slow.
    pub reporter_throttle: Arc<throttle::LoginThrottle>,
    /// 好差评: ratings per address in a minute beyond which a rating is
    /// flagged as a burst (in memory; the address is never stored).
    pub rating_burst: Arc<throttle::LoginThrottle>,
    /// Spent one-time tokens of 直报's forms: a resent post does not file
    /// twice.
    pub once_tokens: Arc<once::OnceTokens>,
}

/// Reporter attempts (filings, receipt codes) per address and minute.
pub const REPORTER_ATTEMPTS_PER_MINUTE: u32 = 20;
/// A window serves one resident at a time: more ratings than this from
/// one address in a minute are flagged as a burst.
pub const RATINGS_PER_ADDRESS_PER_MINUTE: u32 = 5;

pub fn router(app: App, cfg: WebConfig) -> Router {
    let state = AppState {
        app,
        login_throttle: Arc::new(throttle::LoginThrottle::new(cfg.login_attempts_per_minute)),
        reporter_throttle: Arc::new(throttle::LoginThrottle::quiet(REPORTER_ATTEMPTS_PER_MINUTE)),
        rating_burst: Arc::new(throttle::LoginThrottle::quiet(
            RATINGS_PER_ADDRESS_PER_MINUTE,
        )),
        once_tokens: Arc::new(once::OnceTokens::default()),
        cfg: Arc::new(cfg),
        uploads: uploads::Uploads::default(),
    };
    let router = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/healthz", get(api::healthz))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::enforce,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refusals::audit_refusals,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::resolve,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            uploads::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(completion::run_to_completion));
    headers::secure(router).with_state(state)
}

/// Serves until the process receives Ctrl-C or SIGTERM.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    cfg: WebConfig,
) -> std::io::Result<()> {
    let router = router(app, cfg);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
