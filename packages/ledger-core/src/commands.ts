/** Every command the ledger accepts, validated by its zod schema before anything else happens. */
import type { z } from 'zod';
import { communityCommandSchemas, type CommunityCommand } from './community/commands.js';
import { memberCommandSchemas, type MemberCommand } from './member/commands.js';
import { redemptionCommandSchemas } from './redemption/commands.js';
import { rewardCommandSchemas } from './reward/commands.js';
import { transferCommandSchemas } from './transfer/commands.js';
import { activityCommandSchemas } from './activity/commands.js';
import { serviceRequestCommandSchemas } from './service-request/commands.js';
import { wishCommandSchemas } from './wish/commands.js';
import { type DomainError, domainError } from './errors.js';
import { err, ok, type Result } from './result.js';

export const commandSchemas = {
  ...communityCommandSchemas,
  ...memberCommandSchemas,
  ...rewardCommandSchemas,
  ...redemptionCommandSchemas,
  ...transferCommandSchemas,
  ...activityCommandSchemas,
  ...serviceRequestCommandSchemas,
  ...wishCommandSchemas,
} as const;
export type CommandType = keyof typeof commandSchemas;
/** A command as a caller writes it (defaults may be left out). */
export type CommandInput<T extends CommandType = CommandType> = { [K in T]: z.input<(typeof commandSchemas)[K]> }[T];
/** A command as parsed: defaults filled in, amounts and dates canonical. */
export type Command<T extends CommandType = CommandType> = { [K in T]: z.output<(typeof commandSchemas)[K]> }[T];
/** @deprecated the names before the command table; same types. */
export type LedgerCommandInput = CommandInput;
export type ParsedCommand = Command;
export type { CommunityCommand, MemberCommand };

/** zod issues as "path: message" lines, for error details. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

export function parseCommand(input: unknown): Result<Command, DomainError> {
  const type = (input as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(commandSchemas, type)) {
    return err(domainError('validation', `unknown command type ${JSON.stringify(type)}; expected one of: ${Object.keys(commandSchemas).join(', ')}`));
  }
  const parsed = commandSchemas[type as CommandType].safeParse(input);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    return err(domainError('validation', `invalid ${type}: ${issues.join('; ')}`, { issues }));
  }
  return ok(parsed.data as Command);
}
