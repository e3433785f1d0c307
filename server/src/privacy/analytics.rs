//! First-party page-view counts (`POST /api/analytics/pageview`), by page of the app's route
//! table.
//!
//! Anyone can post any path, so counting by the path sent would let a stranger grow memory
//! without end (one map entry per new path). The counters are fixed at start instead: one per
//! route of the app's one route table (`src/app.rs`, read at compile time, so a new page is
//! counted without a second list to keep), and one "other" for everything else. A path with a
//! parameter counts under its route (`/unsubscribe/:token`), which also keeps capability
//! tokens out of the counts. Counting allocates nothing and takes no lock.

use std::sync::atomic::{AtomicU64, Ordering};

/// The app's route table; its `path!("...")` literals are the pages.
const APP_ROUTES: &str = include_str!("../../../src/app.rs");

/// What paths outside the route table count as.
pub const OTHER: &str = "other";

#[derive(Debug)]
pub struct PageViews {
    routes: Vec<&'static str>,
    /// One per route, then "other".
    counts: Vec<AtomicU64>,
}

impl Default for PageViews {
    fn default() -> Self {
        let routes = routes_of(APP_ROUTES);
        let counts = (0..=routes.len()).map(|_| AtomicU64::new(0)).collect();
        PageViews { routes, counts }
    }
}

/// The `path!("...")` literals of a route table's source, in order, each once.
fn routes_of(source: &'static str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("path!(\"") {
        rest = &rest[at + 7..];
        let Some(end) = rest.find('"') else { break };
        let route = &rest[..end];
        if route.starts_with('/') && !out.contains(&route) {
            out.push(route);
        }
        rest = &rest[end..];
    }
    out
}

/// Whether `path` is a page of `route`: the same segments, a `:name` segment matching any one
/// non-empty segment. One trailing slash is ignored.
fn matches(route: &str, path: &str) -> bool {
    let path = if path.len() > 1 { path.strip_suffix('/').unwrap_or(path) } else { path };
    let (mut r, mut p) = (route.split('/'), path.split('/'));
    loop {
        match (r.next(), p.next()) {
            (None, None) => return true,
            (Some(rs), Some(ps)) if rs.starts_with(':') && !ps.is_empty() => {}
            (Some(rs), Some(ps)) if rs == ps => {}
            _ => return false,
        }
    }
}

impl PageViews {
    /// The route `path` counts under, or [`OTHER`].
    pub fn route_of(&self, path: &str) -> &'static str {
        self.index(path).map_or(OTHER, |i| self.routes[i])
    }

    fn index(&self, path: &str) -> Option<usize> {
        self.routes.iter().position(|r| matches(r, path))
    }

    pub fn count(&self, path: &str) {
        let i = self.index(path).unwrap_or(self.routes.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
    }

    /// How often the page `path` belongs to (or "other") was viewed since start.
    pub fn views(&self, path: &str) -> u64 {
        let i = if path == OTHER { None } else { self.index(path) }.unwrap_or(self.routes.len());
        self.counts[i].load(Ordering::Relaxed)
    }

    /// How many counters there are: the routes and "other". Fixed at start.
    pub fn counters(&self) -> usize {
        self.counts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_table_is_read_and_paths_count_under_their_route() {
        let v = PageViews::default();
        for route in ["/", "/privacy", "/devices", "/live", "/unsubscribe/:token", "/account/security"] {
            assert!(v.routes.contains(&route), "{route} is in src/app.rs: {:?}", v.routes);
        }
        assert_eq!(v.route_of("/"), "/");
        assert_eq!(v.route_of("/privacy/"), "/privacy");
        assert_eq!(v.route_of("/unsubscribe/abc.def"), "/unsubscribe/:token");
        assert_eq!(v.route_of("/unsubscribe/"), OTHER, "a parameter is never empty");
        assert_eq!(v.route_of("/unsubscribe/a/b"), OTHER);
        assert_eq!(v.route_of("/wp-admin"), OTHER);
        assert_eq!(v.route_of(""), OTHER);
        v.count("/unsubscribe/secret-token");
        v.count("/nope-1");
        v.count("/nope-2");
        assert_eq!(v.views("/unsubscribe/:token"), 1);
        assert_eq!(v.views(OTHER), 2);
        assert_eq!(v.counters(), v.routes.len() + 1);
    }
}
