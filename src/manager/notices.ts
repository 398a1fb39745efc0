/**
 * One toast per run that ended: the Pipeline view following a run and the Manager's run
 * failure toasts both ask before they show one, and only the first one asking gets a yes.
 */
import { IRunNotices } from '../tokens';

export class RunNotices implements IRunNotices {
  /** Remember at most `keep` runs (the oldest are forgotten first). */
  constructor(private readonly keep = 1000) {}

  claim(runId: string): boolean {
    if (this._claimed.has(runId)) {
      return false;
    }
    this._claimed.add(runId);
    if (this._claimed.size > this.keep) {
      // A Set iterates in insertion order: drop the oldest claim.
      const oldest = this._claimed.values().next().value;
      if (oldest !== undefined) {
        this._claimed.delete(oldest);
      }
    }
    return true;
  }

  private _claimed = new Set<string>();
}
