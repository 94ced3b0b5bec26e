/**
 * A progress line on stderr, as the Python SDK's progress bars: shown by default only when
 * stderr is a terminal, so a log file or a CI run gets no carriage returns.
 *
 * @module
 */

/** Whether to show progress: the caller's `progress` option, else whether stderr is a terminal. */
export function progressShown(progress: boolean | undefined): boolean {
  return progress ?? process.stderr.isTTY === true;
}

/** `label: done/total unit`, redrawn in place at most ten times a second, ended by a newline. */
export class ProgressLine {
  #done = 0;
  #drawnAt = 0;

  constructor(
    readonly total: number,
    readonly label: string,
    readonly unit: string,
    readonly show: boolean,
  ) {}

  /** Counts `count` more done. */
  advance(count: number): void {
    this.#done += count;
    const time = Date.now();
    if (this.show && (time - this.#drawnAt >= 100 || this.#done >= this.total)) {
      this.#drawnAt = time;
      process.stderr.write(`\r${this.label}: ${this.#done}/${this.total} ${this.unit}`);
    }
  }

  /** Ends the line (when anything was drawn). */
  close(): void {
    if (this.show && this.#drawnAt > 0) {
      process.stderr.write("\n");
    }
  }
}
