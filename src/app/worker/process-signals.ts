/**
 * SIGTERM/SIGINT handling shared by every worker of one process: one listener per signal
 * however many workers run (eleven workers must not trip Node's MaxListenersExceededWarning).
 * The first signal stops every worker gracefully, a second stops them at once. When the last
 * worker has stopped, the listeners go, and the signal that stopped them is raised again if
 * no other listener remains and no worker said the application handles exit: the process
 * then ends as it would have without leasehold (default action, exit status 128 + signal).
 */

/** A worker as the signal registry sees it. */
export interface SignalClient {
  /** Stop gracefully, or at once (`now`) on a second signal. */
  stop(now: boolean): Promise<void>;
  /** The application ends the process itself: never re-raise for this client. */
  handlesExit: boolean;
  onError(error: unknown): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type HandledSignal = (typeof SIGNALS)[number];

/** The per-process registry. Internal; one instance per process ({@link processSignals}). */
export class ProcessSignals {
  private readonly clients = new Set<SignalClient>();
  private received: HandledSignal | undefined;
  private count = 0;
  private handlesExit = false;
  private readonly listeners = new Map<HandledSignal, () => void>();

  constructor(private readonly proc: Pick<NodeJS.Process, 'on' | 'off' | 'listenerCount' | 'kill' | 'pid'> = process) {}

  /** Adds a worker; returns the function that removes it (call it once the worker has stopped). */
  add(client: SignalClient): () => void {
    if (this.clients.size === 0) this.install();
    this.clients.add(client);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.clients.delete(client);
      if (this.clients.size === 0) this.uninstall();
    };
  }

  /** How many workers listen through the registry. */
  get size(): number {
    return this.clients.size;
  }

  private install(): void {
    this.received = undefined;
    this.count = 0;
    this.handlesExit = false;
    for (const signal of SIGNALS) {
      const fn = (): void => this.onSignal(signal);
      this.listeners.set(signal, fn);
      this.proc.on(signal, fn);
    }
  }

  private onSignal(signal: HandledSignal): void {
    this.count++;
    this.received ??= signal;
    for (const c of this.clients) {
      if (c.handlesExit) this.handlesExit = true;
      c.stop(this.count > 1).catch((error: unknown) => c.onError(error));
    }
  }

  private uninstall(): void {
    for (const [signal, fn] of this.listeners) this.proc.off(signal, fn);
    this.listeners.clear();
    const signal = this.received;
    this.received = undefined;
    if (signal === undefined || this.handlesExit) return;
    // Another listener (the application's own) decides what the signal means.
    if (this.proc.listenerCount(signal) > 0) return;
    this.proc.kill(this.proc.pid, signal);
  }
}

/** The registry of this process. */
export const processSignals = new ProcessSignals();
