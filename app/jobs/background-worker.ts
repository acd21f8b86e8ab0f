// What a background worker is, for the features that provide one and for app/workers, which starts them all
// with the app.

export interface BackgroundWorker {
  name: string;
  /** Runs until `signal` aborts; must resolve soon after that (finishing or abandoning in-flight work safely). */
  run(signal: AbortSignal): Promise<void>;
}
