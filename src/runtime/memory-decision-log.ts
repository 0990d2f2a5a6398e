// A DecisionLog that keeps records as canonical JSON lines in memory: the simulator's log, and the form golden
// decision logs are compared in (same seed and input ⇒ byte-identical text).
import type { DecisionLog, DecisionRecord } from './ports.ts';

export class MemoryDecisionLog implements DecisionLog {
  private readonly lines: string[] = [];

  /** @param filter keep only records for which it returns true (e.g. those with commands), to bound memory. */
  constructor(private readonly filter: (r: DecisionRecord) => boolean = () => true) {}

  append(record: DecisionRecord): void {
    if (this.filter(record)) this.lines.push(JSON.stringify(record));
  }

  get size(): number {
    return this.lines.length;
  }

  /** The whole log as text, one JSON record per line, ending in a newline when not empty. */
  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}
