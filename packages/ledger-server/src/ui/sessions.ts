/**
 * Browser sessions and sign-in cards for the resident page and the console, kept beside the credentials
 * (never events: a session is a credential). One small SQLite file in the data directory, so sessions and
 * cards survive a restart and every instance that shares the directory sees them; in memory for the memory
 * store and tests. Only SHA-256 hashes of card and session secrets are stored, as for API keys.
 *
 * A sign-in card (登录卡) is a one-time, expiring link an organiser prints for a member: opening it once
 * starts a member session; a used, expired or revoked card starts nothing. Revoking a card also ends the
 * sessions it started (a lost phone).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import { restrictSqliteFile } from '../file-modes.js';
import type { Actor } from '@volunteer-ledger/core';

export const sessionsFileName = 'ui-sessions.sqlite';
/** How long a printed card can be used. */
export const cardTtlMs = 7 * 24 * 3_600_000;
/** How long a resident stays signed in on their phone (elderly users should not have to sign in often). */
export const memberSessionTtlMs = 30 * 24 * 3_600_000;
/** How long an organiser stays signed in at the desk. */
export const organiserSessionTtlMs = 12 * 3_600_000;

export type SessionKind = 'member' | 'organiser';

export interface SignInCard {
  readonly cardId: string;
  readonly communityId: string;
  readonly memberId: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
  readonly revokedAt: string | null;
}

export interface UiSession {
  readonly sessionId: string;
  readonly kind: SessionKind;
  readonly actor: Actor;
  /** The community the pages work on (an admin's actor may span every community). */
  readonly communityId: string;
  /** Scopes idempotency keys, as the API's principal does. */
  readonly credentialId: string;
  /** Every form of the session carries it; a POST without it is refused. */
  readonly csrfToken: string;
  readonly cardId: string | null;
  readonly expiresAt: string;
}

export type CardRefusal = 'unknown' | 'used' | 'expired' | 'revoked';

export interface SessionStore {
  createCard(input: { communityId: string; memberId: string; createdBy: string; now: Date; ttlMs?: number }): Promise<{ card: SignInCard; token: string }>;
  cards(communityId: string, memberId: string): Promise<SignInCard[]>;
  /** Revokes the card and ends the sessions it started; false when no such card of that community. */
  revokeCard(communityId: string, cardId: string, now: Date): Promise<boolean>;
  /** Uses the card up (at most once, even across instances) and returns it, or why it cannot be used. */
  useCard(token: string, now: Date): Promise<SignInCard | CardRefusal>;
  startSession(input: { kind: SessionKind; actor: Actor; communityId: string; credentialId: string; cardId?: string; now: Date; ttlMs: number }): Promise<{ session: UiSession; token: string }>;
  /** The live session the token names, or null. */
  session(token: string, now: Date): Promise<UiSession | null>;
  endSession(token: string): Promise<void>;
  close(): Promise<void>;
}

export const tokenPattern = /^([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
export const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

export function newSecret(): { id: string; secret: string; token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${id}.${secret}` };
}

export function parseToken(token: string): { id: string; secret: string } | null {
  const match = tokenPattern.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

export function sameHash(stored: Buffer, secret: string): boolean {
  const given = sha256(secret);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

interface CardRow {
  id: string;
  secret_hash: Buffer;
  community_id: string;
  member_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

interface SessionRow {
  id: string;
  secret_hash: Buffer;
  kind: SessionKind;
  actor: string;
  community_id: string;
  credential_id: string;
  csrf_token: string;
  card_id: string | null;
  expires_at: string;
}

const cardOf = (row: CardRow): SignInCard => ({
  cardId: row.id,
  communityId: row.community_id,
  memberId: row.member_id,
  createdBy: row.created_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
  revokedAt: row.revoked_at,
});

export class SqliteSessionStore implements SessionStore {
  private constructor(private readonly db: Database.Database) {}

  /** A file in the data directory, or `:memory:`. */
  static open(filename: string): SqliteSessionStore {
    // 0600 like every data file (SQLite gives its -wal and -shm files the database's mode).
    const db = new Database(filename === ':memory:' ? filename : restrictSqliteFile(filename));
    if (filename !== ':memory:') {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // Another instance may hold the write lock for a moment.
      db.pragma('busy_timeout = 5000');
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS sign_in_cards (
        id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, community_id TEXT NOT NULL, member_id TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, revoked_at TEXT);
      CREATE INDEX IF NOT EXISTS sign_in_cards_member ON sign_in_cards (community_id, member_id);
      CREATE TABLE IF NOT EXISTS ui_sessions (
        id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, community_id TEXT NOT NULL,
        credential_id TEXT NOT NULL, csrf_token TEXT NOT NULL, card_id TEXT, expires_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS ui_sessions_card ON ui_sessions (card_id);
    `);
    return new SqliteSessionStore(db);
  }

  async createCard(input: { communityId: string; memberId: string; createdBy: string; now: Date; ttlMs?: number }) {
    const { id, secret, token } = newSecret();
    const row: CardRow = {
      id,
      secret_hash: sha256(secret),
      community_id: input.communityId,
      member_id: input.memberId,
      created_by: input.createdBy,
      created_at: input.now.toISOString(),
      expires_at: new Date(input.now.getTime() + (input.ttlMs ?? cardTtlMs)).toISOString(),
      used_at: null,
      revoked_at: null,
    };
    this.db
      .prepare(
        'INSERT INTO sign_in_cards (id, secret_hash, community_id, member_id, created_by, created_at, expires_at) VALUES (@id, @secret_hash, @community_id, @member_id, @created_by, @created_at, @expires_at)',
      )
      .run(row);
    return { card: cardOf(row), token };
  }

  async cards(communityId: string, memberId: string): Promise<SignInCard[]> {
    const rows = this.db.prepare<[string, string], CardRow>('SELECT * FROM sign_in_cards WHERE community_id = ? AND member_id = ? ORDER BY created_at DESC').all(communityId, memberId);
    return rows.map(cardOf);
  }

  async revokeCard(communityId: string, cardId: string, now: Date): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.db.prepare('UPDATE sign_in_cards SET revoked_at = ? WHERE id = ? AND community_id = ? AND revoked_at IS NULL').run(now.toISOString(), cardId, communityId).changes;
      if (changed === 0) return false;
      this.db.prepare('DELETE FROM ui_sessions WHERE card_id = ?').run(cardId);
      return true;
    })();
  }

  async useCard(token: string, now: Date): Promise<SignInCard | CardRefusal> {
    const parsed = parseToken(token);
    if (!parsed) return 'unknown';
    const row = this.db.prepare<[string], CardRow>('SELECT * FROM sign_in_cards WHERE id = ?').get(parsed.id);
    if (!row || !sameHash(row.secret_hash, parsed.secret)) return 'unknown';
    if (row.revoked_at !== null) return 'revoked';
    if (row.used_at !== null) return 'used';
    const at = now.toISOString();
    if (row.expires_at <= at) return 'expired';
    // The condition makes the use exclusive: of two instances opening the same card, one wins.
    const changed = this.db.prepare('UPDATE sign_in_cards SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL').run(at, row.id).changes;
    return changed === 1 ? cardOf({ ...row, used_at: at }) : 'used';
  }

  async startSession(input: { kind: SessionKind; actor: Actor; communityId: string; credentialId: string; cardId?: string; now: Date; ttlMs: number }) {
    const { id, secret, token } = newSecret();
    const expiresAt = new Date(input.now.getTime() + input.ttlMs).toISOString();
    const csrfToken = randomBytes(24).toString('base64url');
    this.db.prepare('DELETE FROM ui_sessions WHERE expires_at <= ?').run(input.now.toISOString());
    this.db
      .prepare('INSERT INTO ui_sessions (id, secret_hash, kind, actor, community_id, credential_id, csrf_token, card_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, sha256(secret), input.kind, JSON.stringify(input.actor), input.communityId, input.credentialId, csrfToken, input.cardId ?? null, expiresAt);
    const session: UiSession = {
      sessionId: id,
      kind: input.kind,
      actor: input.actor,
      communityId: input.communityId,
      credentialId: input.credentialId,
      csrfToken,
      cardId: input.cardId ?? null,
      expiresAt,
    };
    return { session, token };
  }

  async session(token: string, now: Date): Promise<UiSession | null> {
    const parsed = parseToken(token);
    if (!parsed) return null;
    const row = this.db.prepare<[string], SessionRow>('SELECT * FROM ui_sessions WHERE id = ?').get(parsed.id);
    if (!row || !sameHash(row.secret_hash, parsed.secret) || row.expires_at <= now.toISOString()) return null;
    return {
      sessionId: row.id,
      kind: row.kind,
      actor: JSON.parse(row.actor) as Actor,
      communityId: row.community_id,
      credentialId: row.credential_id,
      csrfToken: row.csrf_token,
      cardId: row.card_id,
      expiresAt: row.expires_at,
    };
  }

  async endSession(token: string): Promise<void> {
    const parsed = parseToken(token);
    if (parsed) this.db.prepare('DELETE FROM ui_sessions WHERE id = ?').run(parsed.id);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
