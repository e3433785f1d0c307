//! The API test binary: the real server over real stores. Each test is written once and
//! generated for SQLite and PostgreSQL (see `both_backends!`).

mod helpers;

mod access;
mod accounts;
mod agent_tls;
mod assets;
mod authz;
mod bounds;
mod child_accounts;
mod crash;
mod devices;
mod errors;
mod export;
mod fixtures;
mod guardians;
mod hardening;
mod headers;
mod health;
mod incidents;
mod lifecycle;
mod limits;
mod live;
mod migrations;
mod mydata;
mod openapi;
mod pictures;
mod privacy;
mod raw;
mod requests;
mod shares;
mod smtp;
mod store;
mod transfers;
