/** A minimal event emitter, shaped like VS Code's so adapters can pass it straight through. */
export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        // One failing listener must not stop the others from hearing of the change.
        console.error('Incident Commander: listener failed', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
