//! Assembling the app: routes, CORS, origin check, rate limit, body limit, request log; and
//! running it in the background for tests and the binary.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::{normalize_origin, Config, LogTarget, BODY_LIMIT};
use crate::error::{ApiError, LogNote};
use crate::flights::Flights;
use crate::routes::Created;
use crate::teamup::{self, PassThrough};
use crate::logic::{redact, shares_secret_fragment};
use crate::ratelimit::RateLimiter;
use crate::routes;
use crate::uelz::Uelz;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    /// The Uelz client; `None` for a gateway that is a TeamUp pass-through alone
    /// ([`Config::uelz_enabled`]), whose Uelz routes are not mounted.
    uelz: Option<Uelz>,
    /// The TeamUp pass-through, when `GATEWAY_TEAMUP_BASE` is set.
    pub teamup: Option<PassThrough>,
    /// Purchase attempts in flight, by `external_id`.
    pub flights: Flights<Result<Created, ApiError>>,
    limiter: RateLimiter,
    teamup_limiter: RateLimiter,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Inner {
    /// The Uelz client, or the 404 of a gateway without Uelz.
    pub fn uelz(&self) -> Result<&Uelz, ApiError> {
        self.uelz.as_ref().ok_or_else(ApiError::not_found)
    }

    /// Everything kept out of answers and the log: the Uelz credentials and the identity secrets.
    pub fn secrets(&self) -> Vec<&str> {
        let mut all = vec![self.config.uelz_api_key.as_str(), self.config.uelz_organization_id.as_str()];
        all.extend(self.config.identity_secrets.iter().map(String::as_str));
        all
    }
}

/// The whole gateway. Panics on a configuration `Config::from_env` would have refused (use
/// `try_router` to get the reason instead).
pub fn router(config: Config) -> Router {
    try_router(config).unwrap_or_else(|e| panic!("checkout-gateway configuration: {e}"))
}

pub fn try_router(mut config: Config) -> Result<Router, String> {
    let uelz = if config.uelz_enabled { Some(Uelz::new(&config)?) } else { None };
    config.allowed_origins = config
        .allowed_origins
        .iter()
        .map(|o| normalize_origin(o).map_err(|e| format!("allowed origin: {e}")))
        .collect::<Result<_, _>>()?;
    url::Url::parse(&config.checkout_url)
        .ok()
        .filter(|u| !u.cannot_be_a_base())
        .ok_or("UELZ_CHECKOUT_URL is not an absolute URL")?;
    if let Some(url) = &config.public_url {
        url::Url::parse(url).ok().filter(|u| !u.cannot_be_a_base()).ok_or("GATEWAY_PUBLIC_URL is not an absolute URL")?;
    }
    crate::config::check_purchase_deadline(config.purchase_deadline).map_err(|e| format!("purchase deadline: {e}"))?;
    let teamup = PassThrough::new(&config)?;
    let limiter = RateLimiter::new(config.rate_limit);
    let teamup_limiter = RateLimiter::new(config.teamup_rate_limit);
    let cors = cors(&config.allowed_origins);
    let state = AppState(Arc::new(Inner {
        config,
        uelz,
        teamup,
        flights: Flights::default(),
        limiter,
        teamup_limiter,
    }));
    let mut app = Router::new().route("/v1/health", get(routes::health));
    if state.config.uelz_enabled {
        app = app
            .route("/v1/plans", get(routes::plans))
            .route("/v1/coupons/{code}", get(routes::coupon))
            .route("/v1/purchases", post(routes::purchase))
            .route("/v1/purchases/{external_id}", get(routes::purchase_status));
    }
    Ok(app
        .route("/v1/teamup", any(teamup::pass))
        .route("/v1/teamup/", any(teamup::pass))
        .route("/v1/teamup/{*path}", any(teamup::pass))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(cors)
        .layer(middleware::from_fn_with_state(state.clone(), no_cors_for_strangers))
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
        .with_state(state))
}

/// Browsers on the allowed origins may call and read `Date` (clock skew for the countdown) and
/// `Retry-After`; other origins get no CORS headers at all. The request headers are the ones the
/// TeamUp pass-through forwards (the Uelz routes need only `Content-Type`).
fn cors(origins: &[String]) -> CorsLayer {
    let list: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    let headers: Vec<HeaderName> =
        teamup::FORWARDED_REQUEST_HEADERS.iter().map(|h| HeaderName::from_static(h)).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(headers)
        .expose_headers([header::DATE, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

/// tower-http's CORS layer leaves out `Access-Control-Allow-Origin` for an origin not on the
/// list but still sends the constant headers (allowed methods, max age...). Strip every
/// `Access-Control-*` header for such origins, so they get no CORS headers at all.
async fn no_cors_for_strangers(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let stranger = req
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|o| !o.to_str().is_ok_and(|o| st.config.allowed_origins.iter().any(|a| a == o)));
    let mut resp = next.run(req).await;
    if stranger {
        let names: Vec<_> = resp
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for n in names {
            resp.headers_mut().remove(n);
        }
    }
    resp
}

/// The client's address: the TCP peer, or with `trust_forwarded` the last `X-Forwarded-For`
/// entry (the one the proxy in front of us appended; earlier ones are the client's to forge).
fn client_ip(config: &Config, req: &Request) -> IpAddr {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if config.trust_forwarded {
        if let Some(ip) = forwarded_ip(req.headers()) {
            return ip;
        }
    }
    peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn forwarded_ip(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last.to_str().ok()?.rsplit(',').next()?.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// Rate limit (all but health; the TeamUp pass-through has its own bucket), the origin check
/// for every state-changing request, and an early 413 on a declared over-size body.
async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path != "/v1/health" {
        let limiter = if path.starts_with("/v1/teamup") { &st.teamup_limiter } else { &st.limiter };
        if let Err(secs) = limiter.check(client_ip(&st.config, &req), Instant::now()) {
            return ApiError::rate_limited(secs).into_response();
        }
    }
    // Browsers send `Origin` with every POST; a request without one is not from the studio's
    // page, and one from another page is refused before anything is read or asked upstream.
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        match req.headers().get(header::ORIGIN) {
            None => return ApiError::origin_missing().into_response(),
            Some(origin) => {
                let ok = origin.to_str().is_ok_and(|o| st.config.allowed_origins.iter().any(|a| a == o));
                if !ok {
                    return ApiError::origin_not_allowed().into_response();
                }
            }
        }
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return ApiError::too_large().into_response();
    }
    next.run(req).await
}

/// One line per request: method, path (never the query), status, milliseconds, and what Uelz
/// answered when it matters. No header values; secrets are scrubbed from the line regardless.
async fn log_request(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path: String = req
        .uri()
        .path()
        .chars()
        .take(200)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    let resp = next.run(req).await;
    let enabled = match &st.config.log {
        LogTarget::Off => false,
        LogTarget::Stderr => checkout_common::log_enabled("CHECKOUT_GATEWAY_QUIET"),
        LogTarget::Writer(_) => true,
    };
    if enabled {
        let mut line = format!(
            "{method} {path} {} {:.1}ms",
            resp.status().as_u16(),
            start.elapsed().as_secs_f64() * 1000.0
        );
        if let Some(LogNote(note)) = resp.extensions().get::<LogNote>() {
            line.push_str(" (");
            if shares_secret_fragment(note, &st.secrets()) {
                line.push_str("upstream detail withheld");
            } else {
                line.push_str(note);
            }
            line.push(')');
        }
        let line = redact(&line, &st.secrets());
        match &st.config.log {
            LogTarget::Writer(w) => {
                let mut w = w.lock().unwrap_or_else(|e| e.into_inner());
                let _ = writeln!(w, "{line}");
            }
            _ => eprintln!("{line}"),
        }
    }
    resp
}

/// A gateway running in the background on this tokio runtime. Dropping it shuts it down.
pub use checkout_common::Background as Running;

/// Starts the gateway on 127.0.0.1 with a free port (`config.addr` is ignored).
pub async fn spawn(config: Config) -> std::io::Result<Running> {
    spawn_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
}

/// Starts the gateway on `addr` (the binary passes `config.addr`).
pub async fn spawn_on(config: Config, addr: SocketAddr) -> std::io::Result<Running> {
    let app = try_router(config).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(addr).await?;
    let addr = checkout_common::bound_addr(&listener)?;
    Ok(Running::start(addr, |stop| async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stop)
            .await
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_takes_the_last_entry() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "1.1.1.1, 2.2.2.2".parse().unwrap());
        assert_eq!(forwarded_ip(&h), Some("2.2.2.2".parse().unwrap()));
        h.append("x-forwarded-for", "3.3.3.3".parse().unwrap());
        assert_eq!(forwarded_ip(&h), Some("3.3.3.3".parse().unwrap()));
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(forwarded_ip(&h), None);
        assert_eq!(forwarded_ip(&HeaderMap::new()), None);
    }
}
