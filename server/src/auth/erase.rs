//! Erasing an account: the one way it is done, whether the person deletes it themselves or
//! the privacy staff fulfil their erasure request.

use ward_model::{DeletionReceipt, Region};

use crate::AppState;
use crate::auth::{field, rfc3339};
use crate::error::AppError;
use crate::store::{Db, PersonRow};
use crate::vault::PersonKey;

/// Deletes the person's data in every store and their key (so copies taken before, such as
/// backups, can no longer be read), and mails the receipt to the address they had.
pub async fn erase(
    state: &AppState,
    region: Region,
    db: &Db,
    person: &PersonRow,
    key: &PersonKey,
    at: i64,
) -> Result<DeletionReceipt, AppError> {
    let email = key.open(field::EMAIL, &person.email_ct).map_err(AppError::internal)?;
    let receipt = format!("DEL-{}", hex::encode_upper(crate::vault::random::<6>()));
    // Their cameras are released (unbound, told) and their pictures deleted first.
    for d in db.devices_of(&person.id, None).await? {
        crate::devices::remove(state, region, db, &d).await?;
    }
    // A data-export archive: stopped if it is being built, its file deleted (its row goes
    // with the person's).
    crate::export::erase(state, region, db, &person.id).await?;
    // The region store first (rows), then the directory (the key): if the second step
    // failed, a retry finds the person gone from the region and forgets them for good.
    db.person_delete(&person.id, &receipt, at).await?;
    state.stores.directory.directory_forget(&person.id).await?;
    state.devices.hub.end_live_of_person(&person.id, None);
    let text = format!(
        "Your Ward account has been deleted, with the personal data it held, in every region where it was \
         stored. Backups can no longer be read, because the key that opened them was destroyed.\n\n\
         Deletion receipt: {receipt}\nDeleted at: {}\n\nQuote the receipt if you contact us about this deletion.\n\n— Ward\n",
        rfc3339(at)
    );
    // The account is gone either way; a mail failure must not make it look as if it were not.
    if let Err(err) = state.auth.mailer.send(&email, "Your Ward account was deleted", text).await {
        tracing::warn!(%err, "the deletion receipt could not be mailed");
    }
    Ok(DeletionReceipt { receipt, deleted_at: rfc3339(at) })
}
