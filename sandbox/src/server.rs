//! Assembling the app (API + payment page + hooks + optional widget files), request logging,
//! CORS, and running it in the background for tests and the binary.

use checkout_common::Background;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

use crate::config::Config;
use crate::faults::{Dropped, Faulted};
use crate::html::{esc, page};
use crate::state::{PurchaseRecord, Sandbox};

/// The whole sandbox as a router, and a handle on its state.
pub fn router(config: Config) -> (Router, Sandbox) {
    let sandbox = Sandbox::new(&config);
    let mut app: Router<Sandbox> = Router::new()
        .merge(crate::api::routes(&sandbox))
        .merge(crate::pay_page::routes())
        .merge(crate::uelz::routes(&sandbox))
        .merge(crate::faults::routes())
        .merge(crate::oauth::hook_routes())
        .route("/__sandbox/purchases", get(hook_purchases))
        .route("/__sandbox/uelz/purchases", get(hook_uelz_purchases))
        .route("/__sandbox/reset", post(hook_reset));
    app = match &config.widget_dir {
        Some(dir) => app.fallback_service(static_files(dir.clone())),
        None => app
            .route("/", get(index_page))
            .fallback(|| async { (StatusCode::NOT_FOUND, "Not found") }),
    };
    let mut app = app.with_state(sandbox.clone());
    if let Some(hostile) = &config.hostile {
        app = crate::hostile::wrap(app, hostile.clone());
    }
    let app = app.layer(cors()).layer(middleware::from_fn(log_request));
    (app, sandbox)
}

/// Any origin may call (the widget is embedded on studio sites); the headers the widget sends
/// are allowed, and `Date` is exposed so it can correct the countdown for clock skew.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        // A browser POSTs the token endpoint with a form body (a simple request, no preflight)
        // and refresh_access_token with JSON (preflighted: Content-Type is allowed below).
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("teamup-provider-id"),
            HeaderName::from_static("teamup-request-mode"),
        ])
        .expose_headers([header::DATE, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

/// A built single-page app: files as they are (content types from the extension, so `.wasm`
/// is `application/wasm`), `index.html` for `/` and for any path that is not a file.
fn static_files(dir: PathBuf) -> ServeDir<ServeFile> {
    let index = dir.join("index.html");
    ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(index))
}

/// One line per request on stderr: method, path?query, status, milliseconds. Set
/// CHECKOUT_SANDBOX_QUIET=1 to silence it.
async fn log_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let resp = next.run(req).await;
    if checkout_common::log_enabled("CHECKOUT_SANDBOX_QUIET") {
        let dropped = resp.extensions().get::<Dropped>().is_some();
        let status = match resp.extensions().get::<Faulted>() {
            Some(Faulted { route, fault }) if dropped => format!("dropped ({route} {fault})"),
            Some(Faulted { route, fault }) => {
                format!("{} (fault {route} {fault})", resp.status().as_u16())
            }
            None => resp.status().as_u16().to_string(),
        };
        eprintln!(
            "{method} {target} {status} {:.1}ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    resp
}

async fn hook_purchases(State(sb): State<Sandbox>) -> Json<Vec<PurchaseRecord>> {
    Json(sb.purchases())
}

async fn hook_uelz_purchases(State(sb): State<Sandbox>) -> Json<Vec<serde_json::Value>> {
    Json(sb.uelz_purchases())
}

async fn hook_reset(State(sb): State<Sandbox>) -> Response {
    sb.reset();
    (StatusCode::OK, Json(serde_json::json!({"reset": true}))).into_response()
}

/// Without a widget directory, `/` explains what is running.
async fn index_page(State(sb): State<Sandbox>) -> Html<String> {
    let data = sb.data();
    let mut users = String::new();
    for u in &data.users {
        let profiles: Vec<String> = u
            .profiles
            .iter()
            .map(|p| {
                format!(
                    "{} {} at provider {}",
                    p.profile_type.as_str(),
                    p.id,
                    p.provider
                )
            })
            .collect();
        users += &format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
            esc(&u.token),
            esc(&u.name()),
            esc(&profiles.join(", "))
        );
    }
    let mut providers = String::new();
    for p in &data.providers {
        let ms: Vec<String> = data
            .memberships
            .iter()
            .filter(|m| m.provider == p.id)
            .map(|m| format!("{} {}", m.id, m.name))
            .collect();
        providers += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            p.id,
            esc(&p.name),
            esc(&ms.join(", "))
        );
    }
    let body = format!(
        "<p class=\"studio\">checkout-sandbox</p>\n<h1>TeamUp v2 sandbox</h1>\n\
         <p>The API is under <code>/api/v2</code>. Send <code>Authorization: Bearer &lt;token&gt;</code>, \
         <code>TeamUp-Provider-ID</code> and <code>Teamup-Request-Mode: customer</code>. Offers last {lifetime}s.</p>\n\
         <h2>Tokens</h2>\n<table>{users}</table>\n<h2>Providers</h2>\n<table>{providers}</table>\n\
         <h2>Uelz</h2>\n<p>The Uelz subset is under <code>/uelz</code> (plans, coupons, customers, purchases). Send \
         <code>api-key: {key}</code> and <code>organization-id: {org}</code>. Pay links: \
         <code>/checkout/&lt;purchase id&gt;?return_url=…</code>, open for {uelz_lifetime}s.</p>\n\
         <h2>Sign in (OAuth)</h2>\n<p>Authorization code with PKCE (S256): \
         <code>GET /api/v2/auth/oauth/authorize</code>, <code>POST /api/v2/auth/oauth/token</code>, \
         <code>POST /api/v2/auth/refresh_access_token</code>. Clients: {clients}. Access tokens last {token_lifetime}s. \
         Without a token, customer mode with <code>TeamUp-Provider-ID</code> may read the catalogue.</p>\n\
         <p class=\"who\">Test hooks: <code>GET /__sandbox/purchases</code>, <code>GET /__sandbox/uelz/purchases</code>, \
         <code>POST /__sandbox/reset</code>, <code>POST|DELETE /__sandbox/faults</code>, <code>GET|DELETE /__sandbox/oauth</code>. \
         Start with <code>--widget-dir dist</code> to serve the widget here.</p>",
        lifetime = sb.offer_lifetime().as_secs(),
        key = esc(&sb.uelz_config().api_key),
        org = esc(&sb.uelz_config().organization_id),
        uelz_lifetime = sb.uelz_config().checkout_lifetime.as_secs(),
        clients = esc(
            &sb.oauth_clients()
                .iter()
                .map(|c| format!("{} ({})", c.id, c.redirect_uris.join(" ")))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        token_lifetime = sb.access_token_lifetime().as_secs(),
    );
    Html(page("checkout-sandbox", &body))
}

/// A server running in the background on this tokio runtime. Dropping it shuts the server down
/// (it stops accepting at once; requests in flight finish).
pub struct Running {
    server: Background,
    sandbox: Option<Sandbox>,
}

impl Running {
    /// "http://127.0.0.1:PORT"
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The sandbox's state; `None` for a plain static site.
    pub fn sandbox(&self) -> Option<Sandbox> {
        self.sandbox.clone()
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(self) {
        self.server.shutdown().await
    }
}

async fn serve(
    listener: TcpListener,
    app: Router,
    sandbox: Option<Sandbox>,
) -> std::io::Result<Running> {
    let addr = checkout_common::bound_addr(&listener)?;
    if let Some(sb) = &sandbox {
        sb.set_listen_base(format!("http://{addr}"));
    }
    let server = Background::start(addr, |stop| async move {
        axum::serve(listener, app).with_graceful_shutdown(stop).await
    });
    Ok(Running { server, sandbox })
}

/// Starts the sandbox on 127.0.0.1 with a free port. Works from `#[tokio::test]` (either flavour).
pub async fn spawn(config: Config) -> std::io::Result<Running> {
    spawn_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
}

/// Starts the sandbox on the given address (the binary uses this).
pub async fn spawn_on(config: Config, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    if let Some(hostile) = &config.hostile {
        crate::hostile::start_foreign(hostile).await?;
    }
    let (app, sandbox) = router(config);
    serve(listener, app, Some(sandbox)).await
}

/// A plain static file server for `dir` on 127.0.0.1 with a free port (a host page on another
/// origin than the sandbox, for cross-origin tests).
pub async fn spawn_static_site(dir: PathBuf) -> std::io::Result<Running> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    // CORS like a CDN: the embed build's module script and wasm are fetched cross-origin (and SRI
    // needs a CORS response to check).
    let app = Router::new()
        .fallback_service(static_files(dir))
        .layer(cors())
        .layer(middleware::from_fn(log_request));
    serve(listener, app, None).await
}
