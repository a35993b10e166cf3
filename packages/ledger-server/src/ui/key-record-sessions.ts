/**
 * Sessions and sign-in cards in the key-record store of the backend the operator chose (see credentials.ts),
 * for instances that share no disk: on EventStoreDB a card printed through one instance signs in through
 * any, and a session started on one is valid on all. The same promises as `SqliteSessionStore`: only hashes
 * of secrets are stored; a card is used at most once, even by two instances at the same moment (the use is
 * a record created only if absent); revoking a card ends the sessions it started.
 *
 * Records are JSON. Expired sessions are not swept (each is refused once past its time); an operator who
 * wants them gone deletes the `ui-session` records older than the longest session.
 */
import { randomBytes } from 'node:crypto';
import type { Actor, KeyRecordStore } from '@volunteer-ledger/core';
import { type CardRefusal, type SessionKind, type SessionStore, type SignInCard, type UiSession, cardTtlMs, newSecret, parseToken, sameHash, sha256 } from './sessions.js';

interface CardRecord extends SignInCard {
  readonly secretHash: string;
}

interface SessionRecord extends UiSession {
  readonly secretHash: string;
}

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const decode = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;
const cardOf = ({ secretHash: _hash, ...card }: CardRecord): SignInCard => card;
const sessionOf = ({ secretHash: _hash, ...session }: SessionRecord): UiSession => session;

export class KeyRecordSessionStore implements SessionStore {
  constructor(private readonly records: KeyRecordStore) {}

  async createCard(input: { communityId: string; memberId: string; createdBy: string; now: Date; ttlMs?: number }) {
    const { id, secret, token } = newSecret();
    const record: CardRecord = {
      cardId: id,
      communityId: input.communityId,
      memberId: input.memberId,
      createdBy: input.createdBy,
      createdAt: input.now.toISOString(),
      expiresAt: new Date(input.now.getTime() + (input.ttlMs ?? cardTtlMs)).toISOString(),
      usedAt: null,
      revokedAt: null,
      secretHash: sha256(secret).toString('base64'),
    };
    await this.records.putIfAbsent('ui-card', id, encode(record));
    return { card: cardOf(record), token };
  }

  async cards(communityId: string, memberId: string): Promise<SignInCard[]> {
    const all = await this.records.list('ui-card');
    const cards = await Promise.all(
      all
        .map(({ value }) => decode<CardRecord>(value))
        .filter((card) => card.communityId === communityId && card.memberId === memberId)
        .map(async (card) => ({ ...cardOf(card), usedAt: await this.usedAt(card.cardId) })),
    );
    return cards.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  async revokeCard(communityId: string, cardId: string, now: Date): Promise<boolean> {
    const value = await this.records.get('ui-card', cardId);
    const card = value ? decode<CardRecord>(value) : null;
    if (!card || card.communityId !== communityId || card.revokedAt !== null) return false;
    if (!(await this.records.replace('ui-card', cardId, encode({ ...card, revokedAt: now.toISOString() })))) return false;
    const sessions = await this.records.list('ui-session');
    await Promise.all(sessions.filter(({ value: v }) => decode<SessionRecord>(v).cardId === cardId).map(({ id }) => this.records.delete('ui-session', id)));
    return true;
  }

  async useCard(token: string, now: Date): Promise<SignInCard | CardRefusal> {
    const parsed = parseToken(token);
    if (!parsed) return 'unknown';
    const value = await this.records.get('ui-card', parsed.id);
    const card = value ? decode<CardRecord>(value) : null;
    if (!card || !sameHash(Buffer.from(card.secretHash, 'base64'), parsed.secret)) return 'unknown';
    if (card.revokedAt !== null) return 'revoked';
    if ((await this.usedAt(card.cardId)) !== null) return 'used';
    const at = now.toISOString();
    if (card.expiresAt <= at) return 'expired';
    // Created only if absent: of two instances opening the same card at once, the one whose record is stored wins.
    const ours = { usedAt: at, by: randomBytes(12).toString('base64url') };
    const stored = decode<typeof ours>(await this.records.putIfAbsent('ui-card-use', card.cardId, encode(ours)));
    return stored.by === ours.by ? { ...cardOf(card), usedAt: at } : 'used';
  }

  async startSession(input: { kind: SessionKind; actor: Actor; communityId: string; credentialId: string; cardId?: string; now: Date; ttlMs: number }) {
    const { id, secret, token } = newSecret();
    const session: UiSession = {
      sessionId: id,
      kind: input.kind,
      actor: input.actor,
      communityId: input.communityId,
      credentialId: input.credentialId,
      csrfToken: randomBytes(24).toString('base64url'),
      cardId: input.cardId ?? null,
      expiresAt: new Date(input.now.getTime() + input.ttlMs).toISOString(),
    };
    await this.records.putIfAbsent('ui-session', id, encode({ ...session, secretHash: sha256(secret).toString('base64') } satisfies SessionRecord));
    return { session, token };
  }

  async session(token: string, now: Date): Promise<UiSession | null> {
    const parsed = parseToken(token);
    if (!parsed) return null;
    const value = await this.records.get('ui-session', parsed.id);
    const record = value ? decode<SessionRecord>(value) : null;
    if (!record || !sameHash(Buffer.from(record.secretHash, 'base64'), parsed.secret) || record.expiresAt <= now.toISOString()) return null;
    return sessionOf(record);
  }

  async endSession(token: string): Promise<void> {
    const parsed = parseToken(token);
    if (parsed) await this.records.delete('ui-session', parsed.id);
  }

  /** The key-record store belongs to the credentials, which close it. */
  async close(): Promise<void> {}

  private async usedAt(cardId: string): Promise<string | null> {
    const use = await this.records.get('ui-card-use', cardId);
    return use ? decode<{ usedAt: string }>(use).usedAt : null;
  }
}
