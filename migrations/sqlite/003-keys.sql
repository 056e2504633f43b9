-- leasehold SQLite schema 3: the identities idempotency keys derive from, the keys' own
-- storage (a key stays known after its job is pruned), and steps that record their key and
-- whether a person settled them.

-- The database's identity: random, made once, here, and never changed. Keyed jobs derive
-- their idempotency keys from it, so two databases never derive the same client order ids.
-- A copy of the file (backup, staging copy) keeps it: the same intents, the same keys.
CREATE TABLE leasehold_identity (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  identity    TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);
INSERT INTO leasehold_identity (id, identity, created_at)
  VALUES (1, lower(hex(randomblob(16))), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

-- Every job's random uid, written by the store at enqueue. Jobs enqueued before this
-- migration get one here (randomblob is evaluated per row).
ALTER TABLE processing_jobs ADD COLUMN uid TEXT NOT NULL DEFAULT '';
UPDATE processing_jobs SET uid = lower(hex(randomblob(16))) WHERE uid = '';
ALTER TABLE processing_jobs ADD COLUMN idempotency_key_format TEXT NOT NULL DEFAULT 'alnum'
  CHECK (idempotency_key_format = 'alnum' OR idempotency_key_format = 'uuid');

-- The keys' own storage: every key ever enqueued, with the identity a job holding it derives
-- its keys from. job_id is the live job holding the key; prune sets it to NULL and stamps
-- retired_at (a tombstone: the key is refused at enqueue unless reused on purpose). Recurring
-- slots and archived jobs are meant to hold their keys here too.
CREATE TABLE processing_job_keys (
  job_key                 TEXT    NOT NULL PRIMARY KEY,
  job_uid                 TEXT    NOT NULL,
  idempotency_key_format  TEXT    NOT NULL,
  job_id                  INTEGER,
  retired_at              INTEGER,
  created_at              INTEGER NOT NULL
) WITHOUT ROWID;
-- prune forgets tombstones by age (forgetKeysOlderThanMs).
CREATE INDEX processing_job_keys_retired ON processing_job_keys (retired_at) WHERE retired_at IS NOT NULL;
-- Keys of jobs enqueued before this migration. Keys their prune freed before it are unknown.
INSERT INTO processing_job_keys (job_key, job_uid, idempotency_key_format, job_id, retired_at, created_at)
  SELECT job_key, uid, idempotency_key_format, id, NULL, created_at FROM processing_jobs WHERE job_key IS NOT NULL;

-- The key a step began under (NULL for steps begun before this migration), and when a person
-- settled it by hand.
ALTER TABLE processing_job_steps ADD COLUMN idempotency_key TEXT;
ALTER TABLE processing_job_steps ADD COLUMN settled_at INTEGER;
