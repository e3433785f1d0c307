//! Outgoing mail through lettre: SMTP when `WARD_SMTP_URL` is set, otherwise each message
//! is written as an RFC 5322 `.eml` file to `<data-dir>/outbox/` (the embedded default),
//! which the developer mailbox (`GET /api/dev/mailbox`) lists.

use std::path::{Path, PathBuf};

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use ward_model::MailboxMessage;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the address cannot receive mail: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("the message could not be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP server refused or did not answer: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("the outbox could not be written: {0}")]
    Io(#[from] std::io::Error),
}

enum Transport {
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.transport {
            Transport::Outbox(dir) => write!(f, "Mailer(outbox {})", dir.display()),
            Transport::Smtp(_) => f.write_str("Mailer(smtp)"),
        }
    }
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://host:465` (TLS).
    pub fn new(smtp_url: Option<&str>, from: &str, data_dir: &Path) -> anyhow::Result<Mailer> {
        let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("WARD_MAIL_FROM `{from}`: {e}"))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("WARD_SMTP_URL is not a usable SMTP URL: {e}"))?
                    .build(),
            ),
            None => {
                let dir = data_dir.join(crate::registry::OUTBOX.dir);
                std::fs::create_dir_all(&dir)?;
                Transport::Outbox(dir)
            }
        };
        Ok(Mailer { transport, from })
    }

    /// The outbox folder, when mail goes there instead of to an SMTP server.
    pub fn outbox(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Outbox(dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Sends a plain-text message.
    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<(), MailError> {
        let message = self.builder(to, subject)?.body(text)?;
        self.deliver(message).await
    }

    /// Sends a marketing message with RFC 8058 one-click unsubscribe: `List-Unsubscribe`
    /// names `unsubscribe_url` (it must work with a bare POST, no session), and
    /// `List-Unsubscribe-Post` tells mail clients they may POST to it.
    pub async fn send_marketing(
        &self,
        to: &str,
        subject: &str,
        text: String,
        unsubscribe_url: &str,
    ) -> Result<(), MailError> {
        let message = self
            .builder(to, subject)?
            .header(ListUnsubscribe(format!("<{unsubscribe_url}>")))
            .header(ListUnsubscribePost)
            .body(text)?;
        self.deliver(message).await
    }

    fn builder(&self, to: &str, subject: &str) -> Result<lettre::message::MessageBuilder, MailError> {
        Ok(Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to.parse()?))
            // Subjects carry names people chose: never a second header.
            .subject(one_line(subject))
            .date_now()
            // A random id at this host: mail clients thread and de-duplicate by it.
            .message_id(None)
            .header(ContentType::TEXT_PLAIN))
    }

    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Outbox(dir) => {
                let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
                let name = format!("{stamp:020}-{}.eml", hex::encode(crate::vault::random::<4>()));
                // Written aside, then renamed: a reader never sees half a message.
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, message.formatted()).await?;
                tokio::fs::rename(&tmp, dir.join(&name)).await?;
            }
        }
        Ok(())
    }
}

/// `text` on one line: every control or line-separating character becomes a space. For
/// names people chose (a camera's, an owner's) put into a mail's subject or body, where a
/// line break would let them write a header or lines of their own that look like Ward's.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c })
        .collect()
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl lettre::message::header::Header for ListUnsubscribePost {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// Deletes the outbox's messages older than the registry's rule for it
/// ([`crate::registry::OUTBOX`]) at `now` (Unix seconds, injected so a test can move the
/// clock); answers how many went. They hold codes and addresses in plain text, so they are
/// not kept longer than a developer needs them. Age is the file's modification time.
pub async fn purge_outbox(dir: &Path, now: i64) -> std::io::Result<usize> {
    let days = crate::registry::OUTBOX.days();
    let cutoff = now - i64::from(days) * 86_400;
    let mut deleted = 0;
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Messages and the temporary files of writes that never finished.
        if !(name.ends_with(".eml") || name.ends_with(".tmp")) {
            continue;
        }
        let Ok(modified) = entry.metadata().await.and_then(|m| m.modified()) else { continue };
        let at = modified.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        if at < cutoff {
            match tokio::fs::remove_file(entry.path()).await {
                Ok(()) => deleted += 1,
                // Another purge (or a person) got there first.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
    }
    Ok(deleted)
}

/// The messages in an outbox folder, newest first.
pub async fn read_outbox(dir: &Path, limit: usize) -> std::io::Result<Vec<MailboxMessage>> {
    let mut names = Vec::new();
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") && !name.starts_with('.') {
            names.push(name);
        }
    }
    // Names start with a zero-padded timestamp: reverse order is newest first.
    names.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    for name in names.into_iter().take(limit) {
        let bytes = tokio::fs::read(dir.join(&name)).await?;
        if let Some(m) = parse_message(&name, &bytes) {
            out.push(m);
        }
    }
    Ok(out)
}

/// An RFC 5322 message as the mailbox shows it (mail-parser decodes the transfer encoding).
pub fn parse_message(id: &str, bytes: &[u8]) -> Option<MailboxMessage> {
    let msg = mail_parser::MessageParser::default().parse(bytes)?;
    let to = msg.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string();
    let date = msg.date().map(|d| d.to_rfc3339()).unwrap_or_default();
    Some(MailboxMessage {
        id: id.trim_end_matches(".eml").to_string(),
        to,
        subject: msg.subject().unwrap_or_default().to_string(),
        date,
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_outbox_holds_real_rfc5322_messages_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::new(None, "Ward <no-reply@ward.test>", dir.path()).unwrap();
        mailer.send("ada@example.com", "First", "Your code is 123456.\n".into()).await.unwrap();
        mailer.send("ada@example.com", "Second — 你好", "Zweite Nachricht: café\n".into()).await.unwrap();
        let outbox = mailer.outbox().unwrap();
        let messages = read_outbox(outbox, 10).await.unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].subject, "Second — 你好");
        assert!(messages[0].text.contains("café"));
        assert_eq!(messages[1].to, "ada@example.com");
        assert!(messages[1].text.contains("123456"));
        let raw = std::fs::read_dir(outbox).unwrap().next().unwrap().unwrap().path();
        let raw = std::fs::read_to_string(raw).unwrap();
        for header in ["From: ", "To: ", "Subject: ", "Date: ", "Message-ID: "] {
            assert!(raw.contains(header), "{header} in {raw}");
        }
    }

    #[test]
    fn a_bad_from_or_smtp_url_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Mailer::new(None, "not an address", dir.path()).is_err());
        assert!(Mailer::new(Some("http://example.com"), "a@b.c", dir.path()).is_err());
    }
}
