//! Whose requests these are: one widget's `Authorization` token, shared by all its requests, and
//! how it is renewed (a refresh token, or the host page's callback). Never printed: its `Debug`
//! says only whether someone is signed in.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use crate::auth::Tokens;

/// Gets fresh tokens, given the current ones (`None`: it couldn't).
pub type Renewal = Rc<dyn Fn(Option<Tokens>) -> LocalBoxFuture<'static, Option<Tokens>>>;
/// Told whenever the tokens change (to keep them in sessionStorage, or to forget them).
pub type OnChange = Rc<dyn Fn(Option<&Tokens>)>;

#[derive(Clone, Default)]
pub struct Session(Rc<RefCell<State>>);

#[derive(Default)]
struct State {
    tokens: Option<Tokens>,
    renewal: Option<Renewal>,
    renewing: bool,
    on_change: Option<OnChange>,
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
    /// good for one use). Returns whether there are tokens afterwards; a failed renewal signs out.
    pub async fn renew(&self) -> bool {
        let (was_renewing, renewal, current) = {
            let mut state = self.0.borrow_mut();
            let was = state.renewing;
            state.renewing = true;
            (was, state.renewal.clone(), state.tokens.clone())
        };
        if was_renewing {
            while self.0.borrow().renewing {
                super::http::sleep(25).await;
            }
            return self.is_signed_in();
        }
        let renewed = match renewal {
            Some(renewal) => renewal(current).await,
            None => None,
        };
        self.0.borrow_mut().renewing = false;
        let ok = renewed.is_some();
        self.set(renewed);
        ok
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

    #[test]
    fn debug_never_shows_the_token() {
        let session = Session::with_token("secret-123".into());
        assert_eq!(format!("{session:?}"), "Session { signed_in: true }");
        assert_eq!(session.access().as_deref(), Some("secret-123"));
        assert!(!session.can_renew(), "a host token without a callback can't be renewed");
    }

    #[test]
    fn setting_tokens_tells_the_listener() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let session = Session::anonymous();
        let log = seen.clone();
        session.set_on_change(Rc::new(move |t: Option<&Tokens>| log.borrow_mut().push(t.map(|t| t.access.clone()))));
        session.set(Some(Tokens { access: "a".into(), refresh: Some("r".into()), expires_at_ms: Some(10.0), lifetime_ms: Some(10.0) }));
        session.set(None);
        assert_eq!(*seen.borrow(), vec![Some("a".to_string()), None]);
        assert!(!session.is_signed_in());
    }

    #[test]
    fn renewal_is_needed_only_near_expiry_and_with_a_way_to_renew() {
        let tokens = Tokens { access: "a".into(), refresh: Some("r".into()), expires_at_ms: Some(100_000.0), lifetime_ms: Some(100_000.0) };
        let session = Session::with_tokens(Some(tokens));
        assert!(!session.needs_renewal(99_000.0), "no way to renew yet");
        session.set_renewal(Rc::new(|_| Box::pin(async { None })));
        assert!(!session.needs_renewal(50_000.0));
        assert!(session.needs_renewal(81_000.0));
        assert_eq!(session.renew_in_ms(0.0), Some(80_000.0));
    }
}
