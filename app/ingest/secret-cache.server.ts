// The shops' opened Loop signing secrets, kept for a few seconds. Reading them costs two queries and an
// AES-GCM open per webhook; under load every webhook of a shop needs the same ones.
//
// Freshness: a signature that none of the cached secrets verifies is checked again against the secrets as
// stored now (IngestDependencies.freshSecretsFor), so a secret added or replaced a moment ago (reconnect,
// rotation, manual secret) is accepted at once. A secret that was removed (disconnect) is still accepted for
// at most `ttlMs` in this process. Empty answers (unknown or disconnected shops) are never cached.
export interface SecretCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export interface SecretCache {
  /** topic null: every secret of the shop (see IngestDependencies.secretsFor). */
  get(shop: string, topic: string | null): Promise<string[]>;
  /** Reads the stored secrets now (and caches them). */
  fresh(shop: string, topic: string | null): Promise<string[]>;
  /** Drops a shop's entries (or all). */
  forget(shop?: string): void;
}

export const SECRET_CACHE_TTL_MS = 5_000;

export function createSecretCache(load: (shop: string, topic: string | null) => Promise<string[]>, options: SecretCacheOptions = {}): SecretCache {
  const ttlMs = options.ttlMs ?? SECRET_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { secrets: string[]; expiresAt: number }>();
  const loading = new Map<string, Promise<string[]>>();

  const keyOf = (shop: string, topic: string | null) => `${shop}\n${topic ?? ""}`;

  function fresh(shop: string, topic: string | null): Promise<string[]> {
    const key = keyOf(shop, topic);
    const inFlight = loading.get(key);
    if (inFlight) return inFlight; // concurrent misses share one read
    const read = load(shop, topic)
      .then((secrets) => {
        if (secrets.length > 0) {
          if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
          entries.delete(key);
          entries.set(key, { secrets, expiresAt: now() + ttlMs });
        } else {
          entries.delete(key);
        }
        return secrets;
      })
      .finally(() => loading.delete(key));
    loading.set(key, read);
    return read;
  }

  return {
    get(shop, topic) {
      const hit = entries.get(keyOf(shop, topic));
      if (hit && hit.expiresAt > now()) return Promise.resolve(hit.secrets);
      return fresh(shop, topic);
    },
    fresh,
    forget(shop) {
      if (shop === undefined) return entries.clear();
      for (const key of entries.keys()) if (key.startsWith(`${shop}\n`)) entries.delete(key);
    },
  };
}
