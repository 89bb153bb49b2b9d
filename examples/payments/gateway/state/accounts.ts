/**
 * Balances with a per-account lock plus a version check. The lock serialises writers of an
 * account, so concurrent deductions can neither overdraw it nor lose an update; the version
 * check (compare-and-set on commit) turns a writer that bypassed the lock into a loud
 * VersionConflictError instead of a silently lost update. Multi-account changes lock in sorted
 * order. Every change is journaled (fsync'd) before it is applied.
 */
import type { JournalSink } from './journal';
import { KeyedMutex } from './keyed-mutex';
import type { Account, JournalRecord } from './records';

export class InsufficientBalanceError extends Error {
  constructor(
    readonly account: string,
    readonly balance: number,
    readonly amount: number,
  ) {
    super(`account ${account} has ${balance} fen, needs ${amount}`);
    this.name = 'InsufficientBalanceError';
  }
}

export class VersionConflictError extends Error {
  constructor(account: string, expected: number, found: number) {
    super(`account ${account} changed under us (version ${expected} read, ${found} found)`);
    this.name = 'VersionConflictError';
  }
}

export interface Change {
  id: string;
  /** Fen; negative debits. */
  delta: number;
}

export interface AccountsObserver {
  deduction?(outcome: 'ok' | 'insufficient_balance' | 'version_conflict'): void;
}

export class Accounts {
  private readonly byId = new Map<string, Account>();
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly journal: JournalSink<JournalRecord>,
    /** Opening balance of an account seen for the first time. */
    private readonly opening: (id: string) => number,
    private readonly observer: AccountsObserver = {},
  ) {}

  /** The current state; an account never written to shows its opening balance at version 0. */
  view(id: string): Account {
    const a = this.byId.get(id);
    return a ? { ...a } : { id, balance: this.opening(id), version: 0 };
  }

  /** Replay: trust the journal. */
  restore(a: Account): void {
    this.byId.set(a.id, { ...a });
  }

  /**
   * Applies `changes` atomically: all accounts locked, balances checked, the new snapshots plus
   * `alsoJournal` written in one journal append, then applied and `onCommitted` called (still
   * under the locks, so callers can update their own state in the same critical section).
   */
  apply(changes: readonly Change[], alsoJournal: readonly JournalRecord[] = [], onCommitted: () => void = () => {}): Promise<Account[]> {
    return this.locks.runAll(
      changes.map((c) => c.id),
      async () => {
        const read = changes.map((c) => ({ change: c, before: this.view(c.id) }));
        for (const { change, before } of read) {
          if (before.balance + change.delta < 0) throw new InsufficientBalanceError(change.id, before.balance, -change.delta);
        }
        const after = read.map(({ change, before }) => ({ id: change.id, balance: before.balance + change.delta, version: before.version + 1 }));
        this.checkVersions(read.map((r) => r.before));
        await this.journal.append([...alsoJournal, ...after.map((v): JournalRecord => ({ k: 'account', v }))]);
        this.checkVersions(read.map((r) => r.before));
        for (const a of after) this.byId.set(a.id, a);
        onCommitted();
        return after.map((a) => ({ ...a }));
      },
    );
  }

  private checkVersions(read: readonly Account[]): void {
    for (const before of read) {
      const now = this.byId.get(before.id)?.version ?? 0;
      if (now !== before.version) throw new VersionConflictError(before.id, before.version, now);
    }
  }

  /** Debits one account; InsufficientBalanceError when it cannot cover `amount`. */
  async deduct(id: string, amount: number): Promise<Account> {
    try {
      const [a] = await this.apply([{ id, delta: -amount }]);
      this.observer.deduction?.('ok');
      return a;
    } catch (err) {
      if (err instanceof InsufficientBalanceError) this.observer.deduction?.('insufficient_balance');
      if (err instanceof VersionConflictError) this.observer.deduction?.('version_conflict');
      throw err;
    }
  }

  /** Moves `amount` from the payer to the merchant (or back, for refunds). */
  transfer(from: string, to: string, amount: number, alsoJournal: readonly JournalRecord[], onCommitted: () => void): Promise<Account[]> {
    return this.apply(
      [
        { id: from, delta: -amount },
        { id: to, delta: amount },
      ],
      alsoJournal,
      onCommitted,
    );
  }
}

