//! Pages: which page of a list to answer, and where an answer stands.

use crate::http::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, PartialSchema as _, ToSchema};

/// Default page size of lists.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// Largest page size of lists.
pub const MAX_PER_PAGE: u32 = 200;

/// Largest page number accepted (20 million items at the largest size).
pub const MAX_PAGE: u32 = 100_000;

/// Which page of a list to return.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

impl Pagination {
    /// The page and its size, checked.
    pub fn resolve(page: Option<u32>, per_page: Option<u32>) -> Result<(u32, u32), ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = vec![];
        if !(1..=MAX_PAGE).contains(&page) {
            errors.push(planipref_domain::FieldError::new(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(planipref_domain::FieldError::new(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok((page, per_page))
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

impl Pagination {
    /// The page asked for as (page, per page, offset, limit), checked.
    pub fn window(&self) -> Result<(u32, u32, i64, i64), ApiError> {
        let (page, per_page) = Self::resolve(self.page, self.per_page)?;
        let offset = i64::from(page - 1) * i64::from(per_page);
        Ok((page, per_page, offset, i64::from(per_page)))
    }
}

/// Where a list page stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageInfo {
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 50)]
    pub per_page: u32,
    /// Items across all pages.
    #[schema(example = 5)]
    pub total: i64,
}

/// What a list's items say of their pages in the document.
pub trait Listed: ToSchema {
    /// The page's schema name (`SitePage`).
    const PAGE: &'static str;
    /// What a page is (`A page of sites.`).
    const PAGE_DESCRIPTION: &'static str;
    /// The items' order (`By name.`).
    const ORDER: &'static str;
}

/// Declares how `$item`'s pages are named and described.
macro_rules! listed {
    ($item:ty, $page:literal, $description:literal, $order:literal) => {
        impl $crate::model::page::Listed for $item {
            const PAGE: &'static str = $page;
            const PAGE_DESCRIPTION: &'static str = $description;
            const ORDER: &'static str = $order;
        }
    };
}
pub(crate) use listed;

/// A page of a list: its items and where it stands (`page`, `per_page`,
/// `total` beside `items`). In the document, each list's page is its own
/// schema (`SitePage`), named and described by its items ([`Listed`]).
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

impl<T> Page<T> {
    /// The page `page` (of `per_page` items) of a list of `total` items.
    pub fn new(items: Vec<T>, (page, per_page): (u32, u32), total: i64) -> Self {
        Self {
            items,
            page: page_info(page, per_page, total),
        }
    }

    /// The page `pages` (number, size) of what the store `found`, each item
    /// shown by `show`.
    pub fn of<S>(
        found: planipref_store::Page<S>,
        pages: (u32, u32),
        show: impl FnMut(S) -> T,
    ) -> Self {
        Self::new(
            found.items.into_iter().map(show).collect(),
            pages,
            found.total,
        )
    }

    /// The same page with each item changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
        }
    }
}

impl<T: Listed> utoipa::PartialSchema for Page<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AllOfBuilder, ArrayBuilder, ObjectBuilder, Ref, RefBuilder};
        let items = ArrayBuilder::new()
            .items(Ref::from_schema_name(T::name()))
            .description(Some(T::ORDER));
        AllOfBuilder::new()
            .item(
                RefBuilder::new()
                    .ref_location_from_schema_name(PageInfo::name())
                    .description(Some("Where this page stands.")),
            )
            .item(
                ObjectBuilder::new()
                    .property("items", items)
                    .required("items"),
            )
            .description(Some(T::PAGE_DESCRIPTION))
            .into()
    }
}

impl<T: Listed> ToSchema for Page<T> {
    fn name() -> std::borrow::Cow<'static, str> {
        T::PAGE.into()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
        schemas.push((PageInfo::name().into_owned(), PageInfo::schema()));
    }
}

/// The (offset, limit) a store query reads for page `page` of `per_page`
/// items (the page is checked: at least 1).
pub fn page_bounds((page, per_page): (u32, u32)) -> (i64, i64) {
    (
        i64::from(page.saturating_sub(1)) * i64::from(per_page),
        i64::from(per_page),
    )
}

pub fn page_info(page: u32, per_page: u32, total: i64) -> PageInfo {
    PageInfo {
        page,
        per_page,
        total,
    }
}

pub fn paged(item: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"items": [item], "page": 1, "per_page": 50, "total": 1})
}
