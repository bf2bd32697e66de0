/**
 * Schema versions, applied in order; `PRAGMA user_version` records how many have run. Never edit a
 * shipped migration: add the next one. Times are epoch milliseconds.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    native_id TEXT NOT NULL,
    stream TEXT,
    author_id TEXT NOT NULL,
    author_handle TEXT NOT NULL,
    author_name TEXT,
    author_followers INTEGER,
    author_verified INTEGER,
    text TEXT NOT NULL,
    url TEXT,
    created_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    conversation_id TEXT,
    in_reply_to_id TEXT,
    in_reply_to_text TEXT,
    UNIQUE (platform, native_id)
  );
  CREATE INDEX mentions_author ON mentions (platform, author_id, created_at);
  CREATE INDEX mentions_created ON mentions (created_at);

  CREATE TABLE classifications (
    mention_id INTEGER PRIMARY KEY REFERENCES mentions (id),
    sentiment TEXT NOT NULL,
    score REAL NOT NULL,
    categories TEXT NOT NULL,
    urgency TEXT NOT NULL,
    reasons TEXT NOT NULL,
    is_complaint INTEGER NOT NULL,
    classified_at INTEGER NOT NULL
  );

  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    mention_id INTEGER NOT NULL UNIQUE REFERENCES mentions (id),
    state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'responded', 'resolved', 'snoozed', 'dismissed')),
    urgency TEXT NOT NULL,
    urgency_rank INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    arrived_at INTEGER NOT NULL,
    first_response_due_at INTEGER,
    resolution_due_at INTEGER,
    policy_version INTEGER NOT NULL,
    assignee TEXT,
    claimed_at INTEGER,
    first_response_at INTEGER,
    responded_by TEXT,
    resolved_at INTEGER,
    snoozed_until INTEGER,
    snoozed_from TEXT,
    dismissed_at INTEGER,
    dismiss_reason TEXT,
    updated_at INTEGER NOT NULL,
    chat_channel_id TEXT,
    chat_message_id TEXT,
    posted_at INTEGER
  );
  CREATE INDEX alerts_outbox ON alerts (urgency_rank, id) WHERE chat_message_id IS NULL;
  CREATE INDEX alerts_state ON alerts (state, first_response_due_at);

  CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    detail TEXT
  );
  CREATE INDEX alert_events_alert ON alert_events (alert_id, at);

  CREATE TABLE cursors (
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (source, stream)
  );
  `,
  `
  CREATE TABLE own_posts (
    platform TEXT NOT NULL,
    native_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    in_reply_to_id TEXT,
    conversation_id TEXT,
    PRIMARY KEY (platform, native_id)
  );
  CREATE INDEX own_posts_reply ON own_posts (platform, in_reply_to_id);
  CREATE INDEX own_posts_created ON own_posts (created_at);
  -- "How often did this author complain this week" is asked for every new mention: a covering index.
  ALTER TABLE mentions ADD COLUMN is_complaint INTEGER NOT NULL DEFAULT 0;
  UPDATE mentions SET is_complaint = 1 WHERE id IN (SELECT mention_id FROM classifications WHERE is_complaint = 1);
  CREATE INDEX mentions_author_complaints ON mentions (platform, author_id, is_complaint, created_at);
  DROP INDEX mentions_author;

  CREATE TABLE source_reads (
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    month TEXT NOT NULL,
    reads INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (source, stream, month)
  );
  `,
  `
  -- Storms: an alert carried on another alert's card points at it.
  ALTER TABLE alerts ADD COLUMN coalesced_into INTEGER REFERENCES alerts (id);
  CREATE INDEX alerts_group ON alerts (coalesced_into) WHERE coalesced_into IS NOT NULL;
  -- Set when the alert changed outside chat (a reply seen on X): its card is redrawn.
  ALTER TABLE alerts ADD COLUMN card_stale INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX alerts_stale ON alerts (card_stale) WHERE card_stale = 1;
  `,
  `
  -- SLA engine: every policy version an alert was opened under, kept verbatim.
  CREATE TABLE sla_policies (
    version INTEGER PRIMARY KEY,
    policy TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL
  );
  -- When the sweep must next look at an alert (a reminder or breach falls due); NULL = nothing pending.
  ALTER TABLE alerts ADD COLUMN next_sla_check_at INTEGER;
  CREATE INDEX alerts_sla_check ON alerts (next_sla_check_at) WHERE next_sla_check_at IS NOT NULL;
  -- "Waiting on customer": the resolution clock is paused since then.
  ALTER TABLE alerts ADD COLUMN waiting_since INTEGER;
  ALTER TABLE alerts ADD COLUMN paused_open_minutes REAL NOT NULL DEFAULT 0;
  -- Platform id of the assignee (a Discord user id), for reminders that ping them.
  ALTER TABLE alerts ADD COLUMN assignee_ref TEXT;
  UPDATE alerts SET next_sla_check_at = created_at WHERE state NOT IN ('resolved', 'dismissed') AND first_response_due_at IS NOT NULL;

  -- Reminders and escalations: one row per alert and kind, so each fires exactly once.
  CREATE TABLE sla_notifications (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    kind TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    late INTEGER NOT NULL,
    sent_at INTEGER,
    message_id TEXT,
    UNIQUE (alert_id, kind)
  );
  CREATE INDEX sla_notifications_unsent ON sla_notifications (id) WHERE sent_at IS NULL;
  CREATE INDEX alerts_arrived ON alerts (arrived_at);
  `,
  `
  -- Posts read per day, for the weekly digest's read count and cost (the monthly table stays for budgets).
  CREATE TABLE source_reads_daily (
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    day TEXT NOT NULL,
    reads INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (source, stream, day)
  );
  -- Weekly digests already posted by the schedule, so a restart never posts one twice.
  CREATE TABLE digests_posted (
    week TEXT PRIMARY KEY,
    posted_at INTEGER NOT NULL,
    message_id TEXT
  );
  `,
  `
  -- A new post looks up its conversation (to resume a paused clock): without this, a table scan each time.
  CREATE INDEX mentions_conversation ON mentions (platform, conversation_id, author_id) WHERE conversation_id IS NOT NULL;
  `,
  `
  -- When each scheduled job last started, finished and succeeded: for /healthz and \`triage doctor\`.
  CREATE TABLE job_runs (
    job TEXT PRIMARY KEY,
    started_at INTEGER,
    finished_at INTEGER,
    ok_at INTEGER,
    error TEXT,
    duration_ms INTEGER
  );
  `,
  `
  -- Retention and erasure on request. Every purge is recorded: when, why, up to when, how many rows;
  -- never whose data it was.
  CREATE TABLE purges (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('retention', 'request')),
    cutoff INTEGER,
    platform TEXT,
    mentions INTEGER NOT NULL DEFAULT 0,
    alerts INTEGER NOT NULL DEFAULT 0,
    reply_texts INTEGER NOT NULL DEFAULT 0
  );
  -- A purged mention keeps its numbers; what the digest derived from its text (theme names, the
  -- redacted quote) is kept in place of the text, so past digests come out the same.
  ALTER TABLE mentions ADD COLUMN purge_id INTEGER REFERENCES purges (id);
  ALTER TABLE mentions ADD COLUMN digest_themes TEXT;
  ALTER TABLE mentions ADD COLUMN digest_quote TEXT;
  CREATE INDEX mentions_unpurged ON mentions (created_at) WHERE purge_id IS NULL;
  `,
  `
  -- Never post a card twice, even past the chat's nonce window: set, and committed, just before a
  -- card is sent. After a crash, only alerts with an attempt and no recorded message are looked for
  -- in the channel before a repost. Every alert on one card gets the same time and the card's lead.
  ALTER TABLE alerts ADD COLUMN delivery_attempted_at INTEGER;
  ALTER TABLE alerts ADD COLUMN delivery_attempt_lead INTEGER;
  -- A card that cannot be drawn leaves the outbox with the reason, instead of failing every poll.
  ALTER TABLE alerts ADD COLUMN delivery_failed_at INTEGER;
  ALTER TABLE alerts ADD COLUMN delivery_failed_reason TEXT;
  CREATE INDEX alerts_delivery_failed ON alerts (delivery_failed_at) WHERE delivery_failed_at IS NOT NULL;
  -- The same attempt marker for SLA reminders and escalations.
  ALTER TABLE sla_notifications ADD COLUMN attempted_at INTEGER;
  `,
  `
  -- "Wrong label?" on a card: what a person said the classifier should have said, who and when.
  -- kind 'urgency': label is the urgency it should have; kind 'category': label is the category and
  -- present says whether it should be there. The latest per alert, kind and label counts.
  CREATE TABLE label_corrections (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('urgency', 'category')),
    label TEXT NOT NULL,
    present INTEGER,
    previous TEXT
  );
  CREATE INDEX label_corrections_alert ON label_corrections (alert_id, id);
  CREATE INDEX label_corrections_at ON label_corrections (at);
  `,
  `
  -- Logins kept between runs, one per source account (Bluesky allows about 100 session creations a
  -- day, and its refresh tokens rotate: the newest is written here every time it changes).
  CREATE TABLE source_sessions (
    source TEXT NOT NULL,
    account TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (source, account)
  );
  `,
  `
  -- Which account heard a mention (data/accounts.json's id, or the platform's name for its
  -- one-account settings), and a review's rating: Google's stars (1-5), Facebook's recommendation
  -- (1 recommends, 0 does not). NULL where unknown or not a review.
  ALTER TABLE mentions ADD COLUMN account TEXT;
  ALTER TABLE mentions ADD COLUMN stars INTEGER;
  ALTER TABLE mentions ADD COLUMN recommends INTEGER;
  CREATE INDEX mentions_account ON mentions (account, created_at);
  `,
  `
  -- The language each mention was written in ('en', 'es', 'mixed', 'other'), detected with its
  -- classification; rows stored before it was detected read as English.
  ALTER TABLE classifications ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
  `,
  `
  -- Several instances on one database: an outbox row is claimed by one instance (its id) until the
  -- claim runs out, so two never send the same card or notification; a dead instance's claims lapse
  -- and another takes them over. A scheduled job runs on the instance holding its lease.
  ALTER TABLE alerts ADD COLUMN delivery_claimed_by TEXT;
  ALTER TABLE alerts ADD COLUMN delivery_claim_until INTEGER;
  ALTER TABLE sla_notifications ADD COLUMN claimed_by TEXT;
  ALTER TABLE sla_notifications ADD COLUMN claim_until INTEGER;
  CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  `
  -- Reports by index: "still overdue" is answered from the alerts still waiting for a first response
  -- and not dismissed (a partial index, small whatever the history), not from every alert ever opened.
  CREATE INDEX alerts_overdue ON alerts (first_response_due_at) WHERE first_response_at IS NULL AND dismissed_at IS NULL;
  `,
  `
  -- Replies sent from the card (issue 23): a reply outbox beside the card outbox. A draft is checked
  -- by the reply guard on its final text; only a draft the guard passed may be queued, approved or
  -- sent (the CHECK is the last gate whatever the path). send_key is derived from the draft and is
  -- what each platform deduplicates on (Mastodon's Idempotency-Key, Bluesky's record key).
  CREATE TABLE reply_drafts (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    platform TEXT NOT NULL,
    account TEXT,
    text TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('blocked', 'awaiting_approval', 'queued', 'sending', 'sent', 'failed', 'rejected')),
    guard_ok INTEGER NOT NULL,
    guard_problems TEXT NOT NULL,
    needs_approval INTEGER NOT NULL,
    approval_reason TEXT,
    author TEXT NOT NULL,
    last_editor TEXT NOT NULL,
    approved_by TEXT,
    send_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    claimed_by TEXT,
    claim_until INTEGER,
    attempted_at INTEGER,
    sent_at INTEGER,
    remote_id TEXT,
    remote_url TEXT,
    failure TEXT,
    CHECK (guard_ok = 1 OR state IN ('blocked', 'rejected', 'failed'))
  );
  CREATE INDEX reply_drafts_alert ON reply_drafts (alert_id, id);
  CREATE INDEX reply_drafts_outbox ON reply_drafts (id) WHERE state IN ('queued', 'sending');
  -- Every draft, edit, verdict, approval, rejection and send: who and when.
  CREATE TABLE reply_events (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES reply_drafts (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    detail TEXT
  );
  CREATE INDEX reply_events_draft ON reply_events (draft_id, id);
  `,
  `
  -- Several chats at once: where each card and SLA notification went in each chat, one row per item
  -- and chat (kind 'card': item_id is an alert id, lead_id the alert whose card carries it; kind
  -- 'notification': an sla_notifications id), with its send attempt (committed before the send), its
  -- delivery or why it was set aside, the instance claiming it, and whether the card needs a redraw
  -- in that chat. Deliveries recorded before several chats are copied in, each under the chat its
  -- ids show (a Slack ts has a dot; Teams and the console name themselves; Discord otherwise).
  CREATE TABLE deliveries (
    kind TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    chat TEXT NOT NULL,
    lead_id INTEGER,
    channel_id TEXT,
    message_id TEXT,
    attempted_at INTEGER,
    posted_at INTEGER,
    failed_at INTEGER,
    failed_reason TEXT,
    claimed_by TEXT,
    claim_until INTEGER,
    card_stale INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, item_id, chat)
  );
  CREATE INDEX deliveries_lead ON deliveries (chat, lead_id) WHERE kind = 'card';
  CREATE INDEX deliveries_stale ON deliveries (chat, item_id) WHERE card_stale = 1;
  INSERT INTO deliveries (kind, item_id, chat, lead_id, channel_id, message_id, attempted_at, posted_at, card_stale)
    SELECT 'card', a.id,
           CASE WHEN a.chat_channel_id IN ('console', 'teams') THEN a.chat_channel_id WHEN a.chat_message_id LIKE '%.%' THEN 'slack' ELSE 'discord' END,
           COALESCE(a.coalesced_into, a.id), a.chat_channel_id, a.chat_message_id, a.delivery_attempted_at, a.posted_at, a.card_stale
    FROM alerts a WHERE a.chat_message_id IS NOT NULL;
  INSERT INTO deliveries (kind, item_id, chat, lead_id, channel_id, message_id, attempted_at, posted_at)
    SELECT 'notification', n.id,
           CASE WHEN a.chat_channel_id IN ('console', 'teams') THEN a.chat_channel_id WHEN n.message_id LIKE '%.%' THEN 'slack' ELSE 'discord' END,
           n.alert_id, NULL, n.message_id, n.attempted_at, n.sent_at
    FROM sla_notifications n JOIN alerts a ON a.id = n.alert_id WHERE n.sent_at IS NOT NULL;
  `,
  `
  -- OAuth 2.0 user-context logins (replies on X, \`triage auth x\`): one per platform account. The
  -- tokens are one AES-256-GCM sealed blob (key derived from TRIAGE_SECRET_KEY, bound to the row's
  -- platform and account); the user id and username are public and read without the key (the
  -- composer checks X's reply rule against them). revoked_at: the platform refused the refresh
  -- token, so sending waits (drafts stay queued) until someone runs the consent again.
  CREATE TABLE oauth_logins (
    platform TEXT NOT NULL,
    account TEXT NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    sealed TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoked_reason TEXT,
    PRIMARY KEY (platform, account)
  );
  `,
];
