/** A transfer as folded from its stream. */
import type { TransferEvent } from './events.js';

export type TransferStatus = 'none' | 'requested' | 'failed' | 'debited' | 'completed' | 'returned';

export interface TransferState {
  status: TransferStatus;
  transferId: string;
  from: string;
  to: string;
  points: string;
  reason: 'gift' | 'donation' | 'overflow';
  problem: { code: string; message: string } | null;
}

export const initialTransferState = (): TransferState => ({
  status: 'none',
  transferId: '',
  from: '',
  to: '',
  points: '0.00',
  reason: 'gift',
  problem: null,
});

export function evolveTransfer(state: TransferState, event: TransferEvent): TransferState {
  switch (event.type) {
    case 'TransferRequested':
      return { ...state, status: 'requested', transferId: event.data.transferId, from: event.data.from, to: event.data.to, points: event.data.points, reason: event.data.reason };
    case 'TransferFailed':
      return { ...state, status: 'failed', problem: event.data };
    case 'TransferDebited':
      return { ...state, status: 'debited' };
    case 'TransferCompleted':
      return { ...state, status: 'completed' };
    case 'TransferReturned':
      return { ...state, status: 'returned', problem: event.data };
  }
}

export const isTerminalTransfer = (status: TransferStatus): boolean => status === 'failed' || status === 'completed' || status === 'returned';
