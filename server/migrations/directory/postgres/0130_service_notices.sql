-- Service notices (`crate::privacy::service`): a dated notice the privacy staff publish for
-- everyone (a part of the service that stops, at least 30 days ahead, or another change),
-- in both languages, shown on every page until a week after it takes effect unless
-- withdrawn. Public texts; names no one.
CREATE TABLE service_notices (
    id           TEXT PRIMARY KEY NOT NULL,
    -- `service_end` | `change`.
    kind         TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    title_zh     TEXT NOT NULL,
    body_en      TEXT NOT NULL,
    body_zh      TEXT NOT NULL,
    effective_at BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
