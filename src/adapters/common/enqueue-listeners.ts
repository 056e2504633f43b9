/** The in-process listeners of `LeaseStore.onEnqueue`; a throwing listener is ignored. */
export class EnqueueListeners {
  private listeners = new Set<(queue: string, runAt: number) => void>();

  add(listener: (queue: string, runAt: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(queue: string, runAt: number): void {
    for (const l of this.listeners) {
      try {
        l(queue, runAt);
      } catch {
        // A listener's failure must not turn a committed enqueue into an error.
      }
    }
  }
}
