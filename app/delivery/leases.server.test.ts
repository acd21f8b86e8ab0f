import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { acquireKeyLease, acquireLease, releaseKeyLease, releaseLease } from "./leases.server";

const T0 = new Date("2026-11-25T12:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

describe.each(databaseKinds)("delivery leases (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("is taken when free, renewed by its holder, refused to others until it expires or is released (after a spacing), released only by its holder", async () => {
    const shop = "lease-a.myshopify.com";
    expect(await acquireLease(database.db, shop, "w1", T0, 10_000)).toBe(true);
    expect(await acquireLease(database.db, shop, "w2", at(5_000), 10_000)).toBe(false);
    expect(await acquireLease(database.db, shop, "w1", at(5_000), 10_000)).toBe(true); // renewed: now until 15 s
    expect(await acquireLease(database.db, shop, "w2", at(12_000), 10_000)).toBe(false);
    let row = await database.db.deliveryLease.findUniqueOrThrow({ where: { shopDomain: shop } });
    expect(row).toMatchObject({ owner: "w1", expiresAt: at(15_000) });

    await releaseLease(database.db, shop, "w2", at(12_000)); // not w2's to release
    expect(await acquireLease(database.db, shop, "w2", at(12_001), 10_000)).toBe(false);

    expect(await acquireLease(database.db, shop, "w2", at(15_001), 10_000)).toBe(true); // w1 stopped renewing
    row = await database.db.deliveryLease.findUniqueOrThrow({ where: { shopDomain: shop } });
    expect(row).toMatchObject({ owner: "w2", expiresAt: at(25_001) });
    // Released with 100 ms of spacing: others wait that long, the holder may take it straight back.
    await releaseLease(database.db, shop, "w2", at(20_000), 100);
    expect(await acquireLease(database.db, shop, "w1", at(20_050), 10_000)).toBe(false);
    expect(await acquireLease(database.db, shop, "w2", at(20_050), 10_000)).toBe(true);
    await releaseLease(database.db, shop, "w2", at(20_060), 100);
    expect(await acquireLease(database.db, shop, "w1", at(20_161), 10_000)).toBe(true);
  });

  it("gives a free lease to exactly one of many workers asking at once", async () => {
    const shop = "lease-b.myshopify.com";
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => acquireLease(database.db, shop, `w${i}`, T0, 10_000)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it("leases a Postscript key by its fingerprint the same way, apart from shop leases", async () => {
    const fingerprint = "f".repeat(32);
    expect(await acquireKeyLease(database.db, fingerprint, "w1", T0, 10_000)).toBe(true);
    expect(await acquireLease(database.db, fingerprint, "w2", T0, 10_000)).toBe(true); // another table
    expect(await acquireKeyLease(database.db, fingerprint, "w2", at(5_000), 10_000)).toBe(false);
    await releaseKeyLease(database.db, fingerprint, "w1", at(6_000), 100);
    expect(await acquireKeyLease(database.db, fingerprint, "w2", at(6_050), 10_000)).toBe(false);
    expect(await acquireKeyLease(database.db, fingerprint, "w2", at(6_101), 10_000)).toBe(true);
    expect(await database.db.deliveryKeyLease.findUniqueOrThrow({ where: { fingerprint } })).toMatchObject({ owner: "w2", expiresAt: at(16_101) });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => acquireKeyLease(database.db, "e".repeat(32), `w${i}`, T0, 10_000)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});
