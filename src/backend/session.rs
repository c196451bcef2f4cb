//! Whose requests these are: one widget's `Authorization` token, shared by all its requests, and
//! how it is renewed (a refresh token, or the host page's callback). Never printed: its `Debug`
//! says only whether someone is signed in.
//!
//! A renewal that fails for a passing reason (no network, a timeout, 429, 5xx) keeps the
//! customer signed in: the access token may still work, and [`crate::ui`] tries again later.
//! Only an answer saying the refresh token is no good signs out. No one waits for a renewal
//! longer than [`Session::deadline_ms`].

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use super::error::ApiError;
use crate::auth::Tokens;

/// What a renewal came to.
#[derive(Clone, PartialEq)]
pub enum Renewed {
    /// Fresh tokens.
    Tokens(Tokens),
    /// The refresh token (or the host page) says this customer is no longer signed in.
    SignedOut,
    /// It didn't work this time (network, timeout, 429, 5xx, no answer in time): keep the tokens
    /// and try again later.
    Unavailable,
}

impl Renewed {
    /// How a failed refresh request is read: only an answer that the refresh token is no good
    /// (`invalid_grant`, RFC 6749 §5.2; TeamUp answers a refused token with 401, as DRF does)
    /// signs the customer out. Anything else may work next time.
    pub fn after_refresh_error(error: &ApiError) -> Renewed {
        match error {
            ApiError::Http { code, .. } if code.as_deref() == Some("invalid_grant") => Renewed::SignedOut,
            ApiError::Http { status: 401, .. } => Renewed::SignedOut,
            _ => Renewed::Unavailable,
        }
    }
}

impl std::fmt::Debug for Renewed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Renewed::Tokens(_) => "Tokens(..)",
            Renewed::SignedOut => "SignedOut",
            Renewed::Unavailable => "Unavailable",
        })
    }
}

/// Gets fresh tokens, given the current ones.
pub type Renewal = Rc<dyn Fn(Option<Tokens>) -> LocalBoxFuture<'static, Renewed>>;
/// Told whenever the tokens change (to keep them in sessionStorage, or to forget them).
pub type OnChange = Rc<dyn Fn(Option<&Tokens>)>;

/// How long a request waits for a renewal (its own or another request's) by default.
pub const RENEW_DEADLINE_MS: u32 = 30_000;

#[derive(Clone)]
pub struct Session(Rc<RefCell<State>>);

struct State {
    tokens: Option<Tokens>,
    renewal: Option<Renewal>,
    /// A renewal under way: a number that changes with each one, so a renewal that was given up
    /// on can't mark a later one finished.
    renewing: Option<u64>,
    renewals: u64,
    on_change: Option<OnChange>,
    deadline_ms: u32,
}

impl Default for Session {
    fn default() -> Self {
        Session(Rc::new(RefCell::new(State {
            tokens: None,
            renewal: None,
            renewing: None,
            renewals: 0,
            on_change: None,
            deadline_ms: RENEW_DEADLINE_MS,
        })))
    }
}

impl Session {
    /// Nobody signed in: requests go without `Authorization` (the public catalogue).
    pub fn anonymous() -> Self {
        Session::default()
    }

    pub fn with_tokens(tokens: Option<Tokens>) -> Self {
        let session = Session::default();
        session.0.borrow_mut().tokens = tokens;
        session
    }

    /// A token the host page gave, with no known lifetime.
    pub fn with_token(access: String) -> Self {
        Self::with_tokens(Some(Tokens { access, refresh: None, expires_at_ms: None, lifetime_ms: None }))
    }

    pub fn set_renewal(&self, renewal: Renewal) {
        self.0.borrow_mut().renewal = Some(renewal);
    }

    pub fn set_on_change(&self, on_change: OnChange) {
        self.0.borrow_mut().on_change = Some(on_change);
    }

    /// How long anyone waits for a renewal before carrying on without it.
    pub fn deadline_ms(&self) -> u32 {
        self.0.borrow().deadline_ms
    }

    pub fn set_deadline_ms(&self, ms: u32) {
        self.0.borrow_mut().deadline_ms = ms;
    }

    pub fn access(&self) -> Option<String> {
        self.0.borrow().tokens.as_ref().map(|t| t.access.clone())
    }

    pub fn is_signed_in(&self) -> bool {
        self.0.borrow().tokens.is_some()
    }

    pub fn can_renew(&self) -> bool {
        let state = self.0.borrow();
        state.tokens.is_some() && state.renewal.is_some()
    }

    pub fn needs_renewal(&self, now_ms: f64) -> bool {
        let state = self.0.borrow();
        state.renewal.is_some() && state.tokens.as_ref().is_some_and(|t| t.needs_refresh(now_ms))
    }

    /// Milliseconds until the tokens should be renewed, if they ever need to be.
    pub fn renew_in_ms(&self, now_ms: f64) -> Option<f64> {
        let state = self.0.borrow();
        state.renewal.as_ref()?;
        state.tokens.as_ref()?.refresh_in_ms(now_ms)
    }

    /// Replaces the tokens (`None`: signed out) and says so.
    pub fn set(&self, tokens: Option<Tokens>) {
        let on_change = {
            let mut state = self.0.borrow_mut();
            state.tokens = tokens.clone();
            state.on_change.clone()
        };
        if let Some(on_change) = on_change {
            on_change(tokens.as_ref());
        }
    }

    /// Renews the tokens once, however many requests ask at the same moment (a refresh token is
    /// good for one use): the first asks, the others wait for it. Nobody waits longer than
    /// [`Session::deadline_ms`]. Returns whether the access token is a new one afterwards.
    pub async fn renew(&self) -> bool {
        let before = self.access();
        let deadline = self.deadline_ms();
        let (under_way, renewal, current, number) = {
            let mut state = self.0.borrow_mut();
            state.renewals += 1;
            let number = state.renewals;
            let under_way = state.renewing.is_some();
            if !under_way {
                state.renewing = Some(number);
            }
            (under_way, state.renewal.clone(), state.tokens.clone(), number)
        };
        if under_way {
            let waiting = async {
                while self.0.borrow().renewing.is_some() {
                    super::http::sleep(25).await;
                }
            };
            super::http::within(deadline, waiting).await;
            return self.access().is_some_and(|now| Some(now) != before);
        }
        let outcome = match renewal {
            Some(renewal) => super::http::within(deadline, renewal(current)).await.unwrap_or(Renewed::Unavailable),
            None => Renewed::SignedOut,
        };
        {
            let mut state = self.0.borrow_mut();
            if state.renewing == Some(number) {
                state.renewing = None;
            }
        }
        self.settle(outcome)
    }

    /// Applies a renewal's outcome; whether there are fresh tokens.
    fn settle(&self, outcome: Renewed) -> bool {
        match outcome {
            Renewed::Tokens(tokens) => {
                self.set(Some(tokens));
                true
            }
            Renewed::SignedOut => {
                self.set(None);
                false
            }
            Renewed::Unavailable => false,
        }
    }
}

impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session {{ signed_in: {} }}", self.is_signed_in())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(access: &str) -> Tokens {
        Tokens { access: access.into(), refresh: Some("r".into()), expires_at_ms: Some(10.0), lifetime_ms: Some(10.0) }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let session = Session::with_token("secret-123".into());
        assert_eq!(format!("{session:?}"), "Session { signed_in: true }");
        assert_eq!(session.access().as_deref(), Some("secret-123"));
        assert!(!session.can_renew(), "a host token without a callback can't be renewed");
        assert_eq!(format!("{:?}", Renewed::Tokens(tokens("secret-456"))), "Tokens(..)");
    }

    #[test]
    fn setting_tokens_tells_the_listener() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let session = Session::anonymous();
        let log = seen.clone();
        session.set_on_change(Rc::new(move |t: Option<&Tokens>| log.borrow_mut().push(t.map(|t| t.access.clone()))));
        session.set(Some(tokens("a")));
        session.set(None);
        assert_eq!(*seen.borrow(), vec![Some("a".to_string()), None]);
        assert!(!session.is_signed_in());
    }

    #[test]
    fn renewal_is_needed_only_near_expiry_and_with_a_way_to_renew() {
        let tokens = Tokens { access: "a".into(), refresh: Some("r".into()), expires_at_ms: Some(100_000.0), lifetime_ms: Some(100_000.0) };
        let session = Session::with_tokens(Some(tokens));
        assert!(!session.needs_renewal(99_000.0), "no way to renew yet");
        session.set_renewal(Rc::new(|_| Box::pin(async { Renewed::Unavailable })));
        assert!(!session.needs_renewal(50_000.0));
        assert!(session.needs_renewal(81_000.0));
        assert_eq!(session.renew_in_ms(0.0), Some(80_000.0));
    }

    #[test]
    fn only_a_refused_refresh_token_signs_out() {
        let http = |status, code: Option<&str>| ApiError::Http { status, code: code.map(str::to_string), message: None, field_errors: vec![] };
        assert_eq!(Renewed::after_refresh_error(&http(400, Some("invalid_grant"))), Renewed::SignedOut);
        assert_eq!(Renewed::after_refresh_error(&http(401, Some("authentication_failed"))), Renewed::SignedOut);
        for passing in [
            ApiError::Network("offline".into()),
            ApiError::Timeout,
            ApiError::Malformed("<html>".into()),
            http(429, Some("throttled")),
            http(500, None),
            http(502, None),
            http(503, None),
            http(504, None),
        ] {
            assert_eq!(Renewed::after_refresh_error(&passing), Renewed::Unavailable, "{passing:?} keeps the customer signed in");
        }
    }

    #[test]
    fn a_settled_renewal_keeps_signs_out_or_replaces() {
        let session = Session::with_tokens(Some(tokens("old")));
        assert!(!session.settle(Renewed::Unavailable));
        assert_eq!(session.access().as_deref(), Some("old"), "a passing failure keeps the customer signed in");
        assert!(session.settle(Renewed::Tokens(tokens("new"))));
        assert_eq!(session.access().as_deref(), Some("new"));
        assert!(!session.settle(Renewed::SignedOut));
        assert!(!session.is_signed_in());
    }
}
