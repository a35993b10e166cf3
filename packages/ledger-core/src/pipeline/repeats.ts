/**
 * A repeated request gets the first answer, with or without an Idempotency-Key (issue 12: "a repeated request
 * returns the same status and body as the first, for every command").
 *
 * A caller that lost an answer sends the same command again. With an Idempotency-Key the idempotency layer
 * answers it (idempotency.ts). Without one, the command's own ids (recordId, grantId, redemptionId…) make the
 * repeat harmless — the decider refuses to do it twice — but the caller would hear "already exists" for what
 * it did itself. So every command's events carry its fingerprint, and a refused command whose fingerprint is
 * on its stream gets the answer of the one that wrote it:
 *
 * - a single-stream command that is refused, or finds nothing left to do: the events of the same command,
 *   found on the stream (nothing stored besides);
 * - processes (redemptions, transfers, activities, requests, wishes), whose answer spans streams: each answer
 *   that did something is kept as an idempotency record under the fingerprint, written best-effort (no commit
 *   of its own: lost in a crash, the repeat is still answered by the process, with the same status, from its
 *   own stream), and given back when the same command is refused or finds nothing left to do.
 *
 * A command that is accepted again is a new action and is done again (a second restock, a policy published
 * twice, a member signing up again after withdrawing): only a key makes those once-only. A first attempt that
 * was refused leaves nothing, so its repeat is decided afresh (rule 11). The ledger's own jobs (the system
 * actor) carry no fingerprint: they are told what they did now, never what they did before.
 */
import type { Command } from '../commands.js';
import { maxRepeatLookbackEvents } from '../limits.js';
import type { CommandOutcome, ExecuteResult } from '../outcome.js';
import { outcomeEvent } from '../outcome.js';
import { ok } from '../result.js';
import type { EventStore, IdempotencyStore, JsonValue } from '../store/port.js';
import type { Clock } from '../time.js';

/**
 * 64 bits of FNV-1a over who sent the command and the command as parsed (zod builds parsed objects in schema order, so equal commands
 * stringify equally). Not a secret and not a proof: a collision could only answer a refused command with
 * another command's answer on the same stream; it never makes anything happen twice or not at all. The sender
 * is part of it: the same command from someone else is theirs, answered on its own merits (an organiser refused a
 * decision on their own hours is not told another organiser's decision went through).
 */
export function commandFingerprint(command: Command, actorId: string): string {
  const text = `${actorId}\n${JSON.stringify(withoutPersonalData(command))}`;
  let low = 0x811c9dc5;
  let high = 0xcbf29ce4;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul(high ^ (code + i), 0x01000193);
  }
  return `fp1:${(high >>> 0).toString(16).padStart(8, '0')}${(low >>> 0).toString(16).padStart(8, '0')}`;
}

/** What a hash or fingerprint may see of a command: which personal fields it carries, never their values. */
export function withoutPersonalData(command: Command): unknown {
  if ((command.type !== 'RegisterMember' && command.type !== 'RecordProfile') || !command.profile) return command;
  return { ...command, profile: { personalData: Object.keys(command.profile).sort() } };
}

/**
 * The events one earlier command with this fingerprint appended to the stream (the latest such command within
 * the look-back), as its answer; null when there is none. One command's append shares one correlation id.
 */
export async function earlierAnswer(store: EventStore, streamName: string, revision: number, fingerprint: string): Promise<CommandOutcome | null> {
  if (revision < 0) return null;
  const events = await store.readStream(streamName, { fromRevision: Math.max(0, revision - maxRepeatLookbackEvents + 1) });
  let last = -1;
  for (let i = events.length - 1; i >= 0; i -= 1) {
    if (events[i]!.metadata.commandFingerprint === fingerprint) {
      last = i;
      break;
    }
  }
  if (last < 0) return null;
  const correlationId = events[last]!.metadata.correlationId;
  let first = last;
  while (first > 0 && events[first - 1]!.metadata.commandFingerprint === fingerprint && events[first - 1]!.metadata.correlationId === correlationId) first -= 1;
  const answer = events.slice(first, last + 1);
  const end = answer.at(-1)!;
  return { streamName, revision: end.revision, position: end.position.toString(), events: answer.map((e) => outcomeEvent(e)), replayed: true };
}

/** A process's first answer, kept under its fingerprint so an identical request gets it back exactly. */
export class ProcessAnswers {
  constructor(
    private readonly records: IdempotencyStore,
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {}

  async once(communityId: string, fingerprint: string, run: () => Promise<ExecuteResult>): Promise<ExecuteResult> {
    const key = `${communityId}:repeat:${fingerprint}`;
    const result = await run();
    if (result.ok && !result.value.replayed && result.value.events.length > 0) {
      // Done now: this is the answer a repeat gets (a later identical command that is done again replaces it).
      const at = this.clock.now();
      await this.records.put(
        {
          key,
          requestHash: fingerprint,
          status: 'completed',
          // Kept as it is, not deep-copied: an outcome is plain JSON data (stores that persist it serialise it), and
          // copying a redemption's answer through JSON text was ~8% of a mixed workload's CPU (bench peers).
          outcome: result as unknown as JsonValue,
          createdAt: at.toISOString(),
          expiresAt: new Date(at.getTime() + this.retentionMs).toISOString(),
        },
        // Lost in a crash, it costs only the exact replay: the process answers the repeat from its stream.
        { durability: 'best-effort' },
      );
      return result;
    }
    // Refused, or nothing left to do: if this very command was done before, its answer then is the answer now.
    const kept = await this.records.get(key);
    if (kept && kept.status === 'completed' && kept.requestHash === fingerprint && kept.expiresAt > this.clock.now().toISOString()) {
      const stored = kept.outcome as unknown as ExecuteResult;
      if (stored.ok) return ok({ ...stored.value, replayed: true });
    }
    return result;
  }
}
