/**
 * 转赠: the transfer process stream (`transfer-{community}-{id}`): points leave the sender for the in-transit
 * account and arrive at the recipient exactly once, or come back to the sender.
 */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { accountIdSchema, idSchema } from '../ids.js';
import { pointsString } from '../policy.js';

export const TransferRequested = defineEvent(
  'TransferRequested',
  z.object({
    transferId: idSchema,
    from: accountIdSchema,
    to: accountIdSchema,
    points: pointsString,
    reason: z.enum(['gift', 'donation', 'overflow']),
    requestedBy: z.string(),
  }),
);
/** The sender refused it (policy, points): nothing moved. */
export const TransferFailed = defineEvent('TransferFailed', z.object({ code: z.string(), message: z.string() }));
export const TransferDebited = defineEvent('TransferDebited', z.object({}));
export const TransferCompleted = defineEvent('TransferCompleted', z.object({}));
/** The recipient could not take it (missing, closed, over its cap): the points went back to the sender. */
export const TransferReturned = defineEvent('TransferReturned', z.object({ code: z.string(), message: z.string() }));

export const transferEventDefinitions = [TransferRequested, TransferFailed, TransferDebited, TransferCompleted, TransferReturned] as const;
export type TransferEvent = EventOf<typeof transferEventDefinitions>;

export { evolveTransfer, initialTransferState, isTerminalTransfer, type TransferState, type TransferStatus } from './state.js';
