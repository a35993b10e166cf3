/**
 * The peer workload as Emmett's driver dumps it (`node emmett.mjs --dump-workload FILE`), and the
 * expected outcome computed from the command list alone — plain integer arithmetic in hundredths, no
 * ledger, no Emmett — against which every run of either implementation is checked.
 */
import { readFileSync } from 'node:fs';

export interface RecordServiceHours {
  readonly phase: 'accrue' | 'mixed';
  readonly volunteerId: number;
  readonly type: 'RecordServiceHours';
  readonly data: { readonly hours: number; readonly category: 'elder-care' | 'general' };
}
export interface RedeemReward {
  readonly phase: 'mixed';
  readonly volunteerId: number;
  readonly type: 'RedeemReward';
  readonly data: { readonly cost: number };
}
export type PeerCommand = RecordServiceHours | RedeemReward;

/** Points are hundredths in the workload: 10 points an hour, elder care ×1.5 (as the driver's `pointsFor`). */
const hundredthsPerHour = 10 * 100;
/** The driver's redemption cost, 50 points, in hundredths. */
export const redeemCostHundredths = 5_000;

export function readWorkload(file: string): PeerCommand[] {
  const commands = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as PeerCommand);
  for (const c of commands) {
    const known =
      (c.type === 'RecordServiceHours' && Number.isInteger(c.data.hours) && c.data.hours > 0 && (c.data.category === 'elder-care' || c.data.category === 'general')) ||
      (c.type === 'RedeemReward' && c.data.cost === redeemCostHundredths);
    if (!known || !Number.isInteger(c.volunteerId)) {
      throw new Error(`workload ${file}: unexpected command ${JSON.stringify(c)}; expected the dump of bench/peers/emmett.mjs`);
    }
  }
  return commands;
}

export function pointsForHoursHundredths(hours: number, category: 'elder-care' | 'general'): number {
  return category === 'elder-care' ? (hours * hundredthsPerHour * 3) / 2 : hours * hundredthsPerHour;
}

export interface ExpectedOutcome {
  /** Balance per volunteer id, in hundredths. */
  readonly balances: ReadonlyMap<number, number>;
  readonly sumBalances: number;
  readonly redemptions: number;
  /** Redemptions refused for want of points. */
  readonly domainErrors: number;
}

export function expectedOutcome(commands: readonly PeerCommand[]): ExpectedOutcome {
  const balances = new Map<number, number>();
  let redemptions = 0;
  let domainErrors = 0;
  for (const c of commands) {
    const balance = balances.get(c.volunteerId) ?? 0;
    if (c.type === 'RecordServiceHours') balances.set(c.volunteerId, balance + pointsForHoursHundredths(c.data.hours, c.data.category));
    else if (balance >= c.data.cost) {
      balances.set(c.volunteerId, balance - c.data.cost);
      redemptions += 1;
    } else domainErrors += 1;
  }
  let sumBalances = 0;
  for (const balance of balances.values()) sumBalances += balance;
  return { balances, sumBalances, redemptions, domainErrors };
}
