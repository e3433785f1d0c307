//! Moving a person's home region: every row about them goes to the new region's store and
//! is deleted from the old one (`store::RELOCATION` says which tables and how). Run by the
//! privacy staff on a rectification request; the person's cross-border consent is required.

use ward_model::Region;

use crate::AppState;
use crate::auth::{field, rfc3339};
use crate::error::AppError;
use crate::store::{Db, PersonRow};
use crate::vault::PersonKey;

/// The purpose whose consent a move needs (`server/privacy/purposes.json`).
pub const CROSS_BORDER: &str = "cross_border_transfer";

/// Moves the person from `from` (whose store is `db`) to `to`. Refused (409, saying why)
/// when they already live there, have cameras or shares (a camera stays in the region where
/// it was claimed), or have not agreed to cross-border transfers. Their sessions end (a
/// session names its region); a data archive is deleted (it lives in the old region's file
/// store). The person is mailed.
pub async fn relocate(
    state: &AppState,
    from: Region,
    db: &Db,
    person: &PersonRow,
    key: &PersonKey,
    to: Region,
    at: i64,
) -> Result<(), AppError> {
    if from == to {
        return Err(AppError::Conflict(format!("This person's data is in {} already.", to.code())));
    }
    let blockers = db.relocation_blockers(&person.id).await?;
    if !blockers.is_empty() {
        return Err(AppError::Conflict(
            "This person has cameras or shares, which stay in the region where they were made: they \
             must remove their cameras and end their shares before their data can move."
                .into(),
        ));
    }
    let ledger = db.ledger(&person.id).await?;
    let agreed = state.privacy.states(&ledger).iter().any(|s| s.purpose.id == CROSS_BORDER && s.active);
    if !agreed {
        return Err(AppError::Conflict(
            "Moving this person's data to another region is a cross-border transfer, which needs their \
             consent: they can switch on \"Transfer outside your home region\" in their privacy center."
                .into(),
        ));
    }
    crate::export::erase(state, from, db, &person.id).await?;
    let target = state.stores.region(to).await?;
    // Copy, then point the directory at the new store, then delete the old rows: a failure
    // before the switch leaves the person whole where they were (the copy is removed); after
    // it, where they are going.
    if let Err(e) = db.relocate_copy(target, &person.id).await {
        target.relocate_delete(&person.id).await.ok();
        return Err(e.into());
    }
    state.stores.directory.directory_move(&person.id, to).await?;
    db.relocate_delete(&person.id).await?;
    state.devices.hub.end_live_of_person(&person.id, None);
    let email = key.open(field::EMAIL, &person.email_ct).map_err(AppError::internal)?;
    let text = format!(
        "As you asked, Ward's privacy staff moved your data from its store in {} to its store in {}, and \
         deleted it from the old one, on {}.\n\nYou were signed out everywhere: sign in again with your \
         email and password. Unsubscribe links in older mails no longer work; your privacy center does.\n\n— Ward\n",
        from.code(),
        to.code(),
        rfc3339(at),
    );
    if let Err(err) = state.auth.mailer.send(&email, "Your data moved to another region", text).await {
        tracing::warn!(%err, "the move's mail could not be sent");
    }
    Ok(())
}
