import { describe, expect, it } from "vitest";
import { createSecretCache } from "./secret-cache.server";

function counting(answers: Record<string, string[]>) {
  const reads: string[] = [];
  const load = async (shop: string, topic: string | null) => {
    reads.push(`${shop} ${topic}`);
    return answers[shop] ?? [];
  };
  return { reads, load };
}

describe("signing secret cache", () => {
  it("reads a shop's secrets once per time-to-live", async () => {
    let now = 0;
    const { reads, load } = counting({ "a.myshopify.com": ["s1"] });
    const cache = createSecretCache(load, { ttlMs: 5_000, now: () => now });
    expect(await cache.get("a.myshopify.com", "order/upcoming")).toEqual(["s1"]);
    now = 4_999;
    expect(await cache.get("a.myshopify.com", "order/upcoming")).toEqual(["s1"]);
    expect(reads).toHaveLength(1);
    now = 5_000;
    await cache.get("a.myshopify.com", "order/upcoming");
    expect(reads).toHaveLength(2);
    await cache.get("a.myshopify.com", "order/processed"); // per topic
    expect(reads).toHaveLength(3);
    await cache.get("a.myshopify.com", null); // every secret of the shop: an entry of its own
    await cache.get("a.myshopify.com", null);
    expect(reads).toEqual(["a.myshopify.com order/upcoming", "a.myshopify.com order/upcoming", "a.myshopify.com order/processed", "a.myshopify.com null"]);
  });

  it("never caches an empty answer (unknown or disconnected shop), and shares one read between concurrent misses", async () => {
    const answers: Record<string, string[]> = {};
    const { reads, load } = counting(answers);
    const cache = createSecretCache(load);
    expect(await cache.get("new.myshopify.com", "t")).toEqual([]);
    answers["new.myshopify.com"] = ["fresh"];
    expect(await cache.get("new.myshopify.com", "t")).toEqual(["fresh"]);
    cache.forget();
    await Promise.all(Array.from({ length: 10 }, () => cache.get("new.myshopify.com", "t")));
    expect(reads).toHaveLength(3);
  });

  it("fresh() reads the stored secrets now and replaces the cached ones; forget() drops a shop", async () => {
    const answers: Record<string, string[]> = { "a.myshopify.com": ["old"] };
    const { reads, load } = counting(answers);
    const cache = createSecretCache(load);
    await cache.get("a.myshopify.com", "t");
    answers["a.myshopify.com"] = ["new"];
    expect(await cache.get("a.myshopify.com", "t")).toEqual(["old"]);
    expect(await cache.fresh("a.myshopify.com", "t")).toEqual(["new"]);
    expect(await cache.get("a.myshopify.com", "t")).toEqual(["new"]);
    answers["a.myshopify.com"] = [];
    cache.forget("a.myshopify.com");
    expect(await cache.get("a.myshopify.com", "t")).toEqual([]);
    expect(reads).toHaveLength(3);
  });

  it("stays bounded", async () => {
    const { load } = counting({});
    let n = 0;
    const cache = createSecretCache(async (shop, topic) => (await load(shop, topic), [`s${n++}`]), { maxEntries: 3 });
    for (const shop of ["a", "b", "c", "d"]) await cache.get(shop, "t");
    // "a" was evicted: read again (gets a new value)
    expect(await cache.get("a", "t")).toEqual(["s4"]);
    expect(await cache.get("d", "t")).toEqual(["s3"]);
  });
});
