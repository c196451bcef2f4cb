//! "Sign in with TeamUp": starting a sign-in (PKCE + state, then TeamUp's authorize
//! page), coming back (state checked, code exchanged, the customer's choices restored), keeping
//! the tokens for this tab only (sessionStorage, never localStorage, never the DOM or the address),
//! and signing out.

use leptos::prelude::*;

use crate::auth::{self, Return, SignInRequest, Tokens};
use crate::backend::session::Session;
use crate::backend::teamup::TeamUp;
use crate::settings::TeamUpSettings;

use crate::ui::browser::{console_error, go_to, now_ms, page_query, page_url, random_bytes, replace_url, session_get, session_remove, session_set, sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Nobody signed in: the public catalogue, and "continue" signs in first.
    Anonymous,
    /// Back from TeamUp, exchanging the code.
    Exchanging,
    SignedIn,
}

/// One widget's sign-in state.
#[derive(Clone, Copy)]
pub(crate) struct SignIn {
    pub status: RwSignal<Status>,
    /// Why a sign-in didn't work, for the customer (in their language).
    pub notice: RwSignal<Option<String>>,
    /// Whether customers sign in here (a client id and no token from the host).
    pub enabled: bool,
    /// Back from signing in with a complete choice: continue to payment by itself.
    pub continue_after: StoredValue<bool>,
    keys: StoredValue<(String, String)>,
    /// The authorization server's `iss` (RFC 9207) when it names itself: the API's origin.
    issuer: StoredValue<String>,
    /// A refused sign-in is also an `error` event (`stage: "sign-in"`) for the host page.
    events: StoredValue<crate::ui::events::HostEvents>,
    tr: crate::i18n::Tr,
}

/// The session for a TeamUp widget, and its sign-in state. With a host token: that token (renewed
/// through the host's callback, if it gave one). With a client id: tokens from this tab's earlier
/// sign-in, or those a code coming back now is exchanged for.
/// `host_session`: the session of the host page's token, if it gave one (made by the first screen,
/// [`super::first`], which asks with it too).
pub(crate) fn start(settings: &TeamUpSettings, host_session: Option<Session>) -> (Session, SignIn) {
    // Bound to the API, the client and the provider: another widget's sign-in is not this one's.
    let prefix = auth::storage_prefix(&settings.api_origin(), settings.client_id.as_deref(), settings.provider_id);
    let keys = (format!("{prefix}:sign-in"), format!("{prefix}:tokens"));
    let enabled = settings.token.is_none() && settings.client_id.is_some();
    let session = match host_session {
        Some(session) => session,
        None => Session::with_tokens(session_get(&keys.1).and_then(|t| serde_json::from_str::<Tokens>(&t).ok())),
    };
    let status = RwSignal::new(if session.is_signed_in() { Status::SignedIn } else { Status::Anonymous });
    let sign_in = SignIn {
        status,
        notice: RwSignal::new(None),
        enabled,
        continue_after: StoredValue::new(false),
        keys: StoredValue::new(keys.clone()),
        // TeamUp itself (never the pass-through): it serves the sign-in page.
        issuer: StoredValue::new(crate::url::origin(&settings.api_base).unwrap_or_default()),
        events: StoredValue::new(crate::ui::events::host_events()),
        tr: crate::ui::tr(),
    };
    if enabled {
        let tokens_key = keys.1.clone();
        session.set_on_change(std::rc::Rc::new(move |tokens: Option<&Tokens>| {
            match tokens.and_then(|t| serde_json::to_string(t).ok()) {
                Some(json) => session_set(&tokens_key, &json),
                None => {
                    session_remove(&tokens_key);
                    status.try_set(Status::Anonymous);
                }
            }
        }));
    }
    (session, sign_in)
}

impl SignIn {
    /// Handles a return from TeamUp's sign-in page, if this is one: the code is exchanged in the
    /// background; the choices the customer had made come back through `restore`.
    pub fn finish(&self, api: &TeamUp, client_id: &str, restore: impl FnOnce(serde_json::Value)) {
        if !self.enabled {
            return;
        }
        let (request_key, _) = self.keys.get_value();
        let pending = session_get(&request_key).and_then(|r| serde_json::from_str::<SignInRequest>(&r).ok());
        let answer = auth::read_return(&page_query(), pending, now_ms(), &self.issuer.get_value());
        match answer {
            Return::Nothing => return,
            // Someone else's (another widget's, the page's, or forged): left where it is.
            Return::NotOurs(message) => {
                console_error("membership-checkout: a sign-in answer with another state was left alone");
                self.notice.set(Some(self.tr.text(&message)));
                return;
            }
            Return::Refused(_) | Return::Code { .. } => {
                // One use only, and the code must not linger in the address bar or the history.
                session_remove(&request_key);
                replace_url(&auth::strip_return_params(&page_url()));
            }
        }
        match answer {
            Return::Nothing | Return::NotOurs(_) => {}
            Return::Refused(message) => self.refused(self.tr.text(&message)),
            Return::Code { code, request } => {
                if let Some(selection) = request.selection.clone() {
                    restore(selection);
                    self.continue_after.set_value(true);
                }
                self.status.set(Status::Exchanging);
                let (api, form) = (api.clone(), auth::token_form(client_id, &code, &request));
                let this = *self;
                leptos::task::spawn_local(async move {
                    match api.exchange_code(form).await {
                        Ok(tokens) => {
                            api.session().set(Some(tokens));
                            this.status.try_set(Status::SignedIn);
                        }
                        Err(error) => {
                            console_error(&format!("membership-checkout: signing in failed: {error}"));
                            this.continue_after.try_set_value(false);
                            let tr = this.tr;
                            this.refused(tr.f("signin.failed", &[("reason", &tr.text(&error.user_message()))]));
                            this.status.try_set(Status::Anonymous);
                        }
                    }
                });
            }
        }
    }

    /// The sign-in's code could not download: nothing happened, the customer may try again.
    pub fn part_missing(&self) {
        self.refused(self.tr.t("load.part_failed").into());
    }

    /// Says why a sign-in didn't work, to the customer and to the host page.
    fn refused(&self, message: String) {
        if let Some(events) = self.events.try_get_value() {
            events.error("sign-in", &message, None);
        }
        self.notice.try_set(Some(message));
    }

    /// Off to TeamUp's sign-in page, remembering `selection` for the way back.
    pub async fn begin(&self, api_base: String, client_id: String, provider_id: u64, selection: serde_json::Value) {
        let (Some(verifier), Some(state)) = (random_bytes::<32>(), random_bytes::<16>()) else {
            self.notice.try_set(Some(self.tr.t("signin.no_random").into()));
            return;
        };
        let mut request = SignInRequest::new(&verifier, &state, auth::redirect_uri_for(&page_url()), now_ms());
        let Some(digest) = sha256(request.verifier.as_bytes()).await else {
            self.notice.try_set(Some(self.tr.t("signin.no_https").into()));
            return;
        };
        request.selection = Some(selection);
        let (request_key, _) = self.keys.get_value();
        session_set(&request_key, &serde_json::to_string(&request).unwrap_or_default());
        let url = auth::authorize_url(&api_base, &client_id, &request, &auth::challenge(&digest), provider_id);
        if !go_to(&url) {
            self.notice.try_set(Some(self.tr.t("signin.cannot_open").into()));
        }
    }

    /// Forgets the customer's tokens (memory and this tab's storage).
    pub fn sign_out(&self, session: &Session) {
        session.set(None);
        let (request_key, tokens_key) = self.keys.get_value();
        session_remove(&request_key);
        session_remove(&tokens_key);
        self.status.set(Status::Anonymous);
    }
}

/// Who is signed in, with a way out; or why signing in didn't work.
#[component]
pub(crate) fn SignInBar(sign_in: SignIn, sign_out: Callback<()>) -> impl IntoView {
    let tr = sign_in.tr;
    view! {
        {move || sign_in.notice.get().map(|message| view! {
            <div class="mc-notice mc-notice--warning mc-signin" data-testid="sign-in-notice" role="alert">
                <p>{message}</p>
            </div>
        })}
        {move || (sign_in.enabled && sign_in.status.get() == Status::SignedIn).then(|| view! {
            <p class="mc-signin mc-hint" data-testid="signed-in">
                {tr.t("signin.signed_in")}" "
                <button type="button" class="mc-link-button" data-testid="sign-out" on:click=move |_| sign_out.run(())>
                    {tr.t("signin.sign_out")}
                </button>
            </p>
        })}
        {move || (sign_in.enabled && sign_in.status.get() == Status::Anonymous).then(|| view! {
            <p class="mc-signin mc-hint" data-testid="sign-in-hint">
                {tr.t("signin.hint")}
            </p>
        })}
    }
}

/// Renews a signed-in customer's tokens shortly before the access token lapses, for as long as
/// the widget is on the page (the timer goes with it).
pub(crate) fn keep_fresh(sign_in: SignIn, session: Session) {
    let session = send_wrapper::SendWrapper::new(session);
    Effect::new(move |_| {
        if sign_in.status.get() != Status::SignedIn {
            return;
        }
        let current = StoredValue::new(None::<TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(handle)) = current.try_get_value() {
                handle.clear();
            }
        });
        schedule((*session).clone(), current, 0);
    });
}

/// Arms the next renewal: when the tokens are due, or after a backoff when the last `failures`
/// attempts failed for a passing reason (the customer stays signed in meanwhile). A wait longer
/// than a timer holds is cut to what it holds; the timer then finds nothing due and waits again.
fn schedule(session: Session, current: StoredValue<Option<TimeoutHandle>>, failures: u32) {
    let wait_ms = match failures {
        0 => match session.renew_in_ms(now_ms()) {
            Some(ms) => ms,
            None => return,
        },
        n => auth::retry_after_ms(n, js_sys::Math::random()),
    };
    let session_then = send_wrapper::SendWrapper::new(session);
    let fire = move || {
        let session = session_then.take();
        leptos::task::spawn_local(async move {
            // Gone from the page meanwhile: nothing more to do.
            if current.try_get_value().is_none() {
                return;
            }
            if !session.needs_renewal(now_ms()) {
                return schedule(session, current, 0);
            }
            if session.renew().await {
                schedule(session, current, 0);
            } else if session.is_signed_in() && current.try_get_value().is_some() {
                // Not renewed, still signed in: it failed for now; try again in a while.
                schedule(session, current, failures.saturating_add(1));
            }
        });
    };
    let wait = std::time::Duration::from_millis(u64::from(crate::backend::http::timer_ms(wait_ms)));
    if let Ok(handle) = set_timeout_with_handle(fire, wait) {
        current.try_set_value(Some(handle));
    }
}
