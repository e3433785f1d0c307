-- Published versions of the privacy policy and the cookie policy (Markdown). Public
-- documents, not personal data; kept in the directory because there is one per deployment.
-- Versions are never edited or deleted: every past version stays readable.
CREATE TABLE policy_versions (
    kind         TEXT NOT NULL,
    version      TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    last_updated TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    material     BOOLEAN NOT NULL,
    summary      TEXT NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (kind, version),
    UNIQUE (kind, seq)
);
