//! The API test binary: the real server over real stores. Each test is written once and
//! generated for SQLite and PostgreSQL (see `both_backends!`).

mod helpers;

mod accounts;
mod assets;
mod authz;
mod crash;
mod devices;
mod errors;
mod hardening;
mod headers;
mod health;
mod lifecycle;
mod live;
mod openapi;
mod privacy;
mod raw;
mod shares;
mod smtp;
mod store;
