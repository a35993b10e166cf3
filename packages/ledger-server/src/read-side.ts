/**
 * Reads are served from the core's read models (DESIGN §7), which follow the store's global order.
 * Read-your-writes within this process: a write made here marks the models stale, and the next read
 * catches up first (one read of the global order); otherwise a read costs no store access at all.
 */
import type { ReadModels } from '@volunteer-ledger/core';

export class ReadSide {
  private writes = 0;

  constructor(readonly models: ReadModels) {}

  noteWrite(): void {
    this.writes += 1;
  }

  async fresh(): Promise<ReadModels> {
    if (this.writes > 0) {
      const seen = this.writes;
      await this.models.catchUp();
      this.writes = Math.max(0, this.writes - seen);
    }
    return this.models;
  }
}
