//! The payment plans the TeamUp client fills in ahead of a choice, next to the client that asks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::error::ApiError;
use super::teamup::TeamUp;
use crate::model::teamup::{Membership, PaymentPlan};

/// Payment plans by membership, asked for as soon as the customer shows interest in a card
/// (pointing at it or focusing it), so they are usually here when it is chosen. A request in
/// flight is shared, not repeated; a failed one is forgotten, so "Try again" asks again.
#[derive(Clone)]
pub struct PlanCache {
    api: TeamUp,
    known: Rc<RefCell<PlanCacheState>>,
}

#[derive(Default)]
struct PlanCacheState {
    done: HashMap<u64, Vec<PaymentPlan>>,
    /// Requests in flight; a JS promise can be awaited by any number of readers.
    asking: HashMap<u64, js_sys::Promise>,
}

impl PlanCache {
    pub fn new(api: TeamUp) -> Self {
        PlanCache { api, known: Default::default() }
    }

    /// Starts asking for `membership`'s plans unless they are known or on their way.
    pub fn prefetch(&self, membership: &Membership) {
        let id = membership.id;
        if !membership.needs_plan() || self.known.borrow().done.contains_key(&id) || self.known.borrow().asking.contains_key(&id) {
            return;
        }
        let (api, known, membership) = (self.api.clone(), self.known.clone(), membership.clone());
        let promise = wasm_bindgen_futures::future_to_promise(async move {
            let answer = api.plans(&membership).await;
            let mut known = known.borrow_mut();
            known.asking.remove(&id);
            if let Ok(list) = answer {
                known.done.insert(id, list);
            }
            Ok(wasm_bindgen::JsValue::UNDEFINED)
        });
        self.known.borrow_mut().asking.insert(id, promise);
    }

    /// `id`'s plans if they are already here.
    pub fn known(&self, id: u64) -> Option<Vec<PaymentPlan>> {
        self.known.borrow().done.get(&id).cloned()
    }

    /// `membership`'s plans on sale: known, awaited, or asked for now.
    pub async fn plans(&self, membership: &Membership) -> Result<Vec<PaymentPlan>, ApiError> {
        let id = membership.id;
        let asking = self.known.borrow().asking.get(&id).cloned();
        if let Some(promise) = asking {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
        if let Some(list) = self.known.borrow().done.get(&id) {
            return Ok(list.clone());
        }
        let answer = self.api.plans(membership).await;
        if let Ok(list) = &answer {
            self.known.borrow_mut().done.insert(id, list.clone());
        }
        answer
    }
}
