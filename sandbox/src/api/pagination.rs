//! DRF PageNumberPagination as TeamUp uses it: `{count, next, previous, results}`, `page` from 1,
//! `page_size` defaulting to 100 and clamped to the endpoint's maximum.

use axum::http::StatusCode;
use serde::Serialize;

use super::{ApiError, Req};
use crate::urls::page_link;

pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 100;
pub const MAX_EVENT_PAGE_SIZE: usize = 250;

#[derive(Serialize, Debug)]
pub struct Page<T> {
    pub count: usize,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

pub fn paginate<T>(req: &Req, items: Vec<T>, max_page_size: usize) -> Result<Page<T>, ApiError> {
    // DRF ignores a page_size that is not a positive integer and clamps large ones.
    let page_size = req
        .get("page_size")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
        .map(|n| (n as usize).min(max_page_size))
        .unwrap_or(DEFAULT_PAGE_SIZE.min(max_page_size));
    let count = items.len();
    let num_pages = count.div_ceil(page_size).max(1);
    let invalid = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "Invalid page.");
    let page = match req
        .query
        .iter()
        .rev()
        .find(|(k, _)| k == "page")
        .map(|(_, v)| v.trim())
    {
        None | Some("") => 1,
        Some("last") => num_pages,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 && (n as usize) <= num_pages => n as usize,
            _ => return Err(invalid()),
        },
    };
    let results: Vec<T> = items
        .into_iter()
        .skip((page - 1) * page_size)
        .take(page_size)
        .collect();
    let next = (page < num_pages).then(|| {
        page_link(
            &req.base,
            &req.path,
            &req.query,
            "page",
            Some((page + 1).to_string()),
        )
    });
    let previous = (page > 1).then(|| {
        let target = (page > 2).then(|| (page - 1).to_string());
        page_link(&req.base, &req.path, &req.query, "page", target)
    });
    Ok(Page {
        count,
        next,
        previous,
        results,
    })
}
