/** Every command the ledger accepts, validated by its zod schema before any rule runs. */
import type { z } from 'zod';
import { communityCommandSchemas, type CommunityCommand } from './community/commands.js';
import { memberCommandSchemas, type MemberCommand } from './member/commands.js';
import { rewardCommandSchemas } from './reward/commands.js';
import { processCommandSchemas } from './processes/commands.js';
import { type DomainError, domainError } from './errors.js';
import { err, ok, type Result } from './result.js';

export const commandSchemas = { ...communityCommandSchemas, ...memberCommandSchemas, ...rewardCommandSchemas, ...processCommandSchemas } as const;
export type CommandType = keyof typeof commandSchemas;
export type LedgerCommandInput = { [K in CommandType]: z.input<(typeof commandSchemas)[K]> }[CommandType];
export type ParsedCommand = { [K in CommandType]: z.output<(typeof commandSchemas)[K]> }[CommandType];
export type { CommunityCommand, MemberCommand };

export const communityCommandTypes = new Set<string>(Object.keys(communityCommandSchemas));
export const rewardCommandTypes = new Set<string>(Object.keys(rewardCommandSchemas));
export const processCommandTypes = new Set<string>(Object.keys(processCommandSchemas));

/** zod issues as "path: message" lines, for error details. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

export function parseCommand(input: unknown): Result<ParsedCommand, DomainError> {
  const type = (input as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(commandSchemas, type)) {
    return err(domainError('validation', `unknown command type ${JSON.stringify(type)}; expected one of: ${Object.keys(commandSchemas).join(', ')}`));
  }
  const parsed = commandSchemas[type as CommandType].safeParse(input);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    return err(domainError('validation', `invalid ${type}: ${issues.join('; ')}`, { issues }));
  }
  return ok(parsed.data as ParsedCommand);
}
