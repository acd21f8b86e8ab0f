// The shop's time zone, read through Admin GraphQL with the shop's offline token and stored on the Shop row.
// Shopify's answers are played by a fetch that records each request (the documented response shapes).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { installShop } from "../../tests/support/shopify";
import { fetchShopTimezone, refreshShopTimezone, resetShopTimezoneChecks } from "./shop.server";

const SHOP = "timezone.myshopify.com";

function shopify(answer: () => Response | Promise<Response>) {
  const requests: { url: string; token: string | null; body: { query: string } }[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    requests.push({ url: String(input), token: headers.get("x-shopify-access-token"), body: JSON.parse(String(init?.body)) });
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}
const zoneAnswer = (ianaTimezone: string) => () => Response.json({ data: { shop: { ianaTimezone } }, extensions: { cost: { requestedQueryCost: 1 } } });

describe.each(databaseKinds)("shop time zone (%s)", (kind) => {
  const database = withTestDatabase(kind);
  beforeEach(async () => {
    resetShopTimezoneChecks();
    await installShop(database.db, SHOP);
    await database.db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: null } });
  });

  it("asks Shopify for shop { ianaTimezone } with the offline token and stores the answer", async () => {
    const api = shopify(zoneAnswer("Asia/Kolkata"));
    expect(await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP)).toBe("Asia/Kolkata");
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0].url).toBe(`https://${SHOP}/admin/api/2026-10/graphql.json`);
    expect(api.requests[0].token).toMatch(/\S/);
    expect(api.requests[0].body.query).toMatch(/shop\s*{\s*ianaTimezone\s*}/);
    expect((await database.db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).ianaTimezone).toBe("Asia/Kolkata");
  });

  it("asks again only after a day, and follows a change made in Shopify", async () => {
    let zone = "America/New_York";
    const api = shopify(() => zoneAnswer(zone)());
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    expect(await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP, t0)).toBe("America/New_York");
    zone = "Europe/Berlin";
    expect(await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP, t0 + 3_600_000)).toBe("America/New_York");
    expect(api.requests).toHaveLength(1);
    // A day later the stored zone is returned at once and checked in the background ({ wait } to see the result).
    expect(await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP, t0 + 25 * 3_600_000)).toBe("America/New_York");
    expect(await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP, t0 + 50 * 3_600_000, { wait: true })).toBe("Europe/Berlin");
    expect(api.requests).toHaveLength(3);
    expect((await database.db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).ianaTimezone).toBe("Europe/Berlin");
  });

  it("answers at once from what is stored while the check runs, and asks once for concurrent pages", async () => {
    await database.db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "Asia/Tokyo" } });
    let release!: () => void;
    const slow = shopify(() => new Promise<Response>((resolve) => (release = () => resolve(zoneAnswer("Asia/Seoul")()))));
    const answers = await Promise.all([1, 2, 3].map(() => refreshShopTimezone({ db: database.db, fetch: slow.fetch }, SHOP)));
    expect(answers).toEqual(["Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo"]);
    await vi.waitFor(() => expect(slow.requests).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(slow.requests).toHaveLength(1);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await database.db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).ianaTimezone).toBe("Asia/Seoul");
  });

  it("keeps what it has when Shopify fails, and does not ask again for ten minutes", async () => {
    await database.db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "Asia/Tokyo" } });
    const api = shopify(() => new Response("down", { status: 503 }));
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    expect(await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP, t0, { wait: true })).toBe("Asia/Tokyo");
    expect(await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP, t0 + 60_000, { wait: true })).toBe("Asia/Tokyo");
    expect(api.requests).toHaveLength(1);
    await refreshShopTimezone({ db: database.db, fetch: api.fetch }, SHOP, t0 + 11 * 60_000, { wait: true });
    expect(api.requests).toHaveLength(2);
  });

  it("returns null (the overview then shows UTC and says so) when nothing is known", async () => {
    const unreachable = shopify(() => Promise.reject(new TypeError("fetch failed")));
    expect(await refreshShopTimezone({ db: database.db, fetch: unreachable.fetch }, SHOP)).toBeNull();
  });

  it("refuses answers it cannot use", async () => {
    const options = (answer: () => Response) => ({ db: database.db, fetch: shopify(answer).fetch });
    expect(await fetchShopTimezone(options(zoneAnswer("Mars/Olympus_Mons")), SHOP)).toMatchObject({ ok: false, message: expect.stringContaining("does not know") });
    expect(
      await fetchShopTimezone(options(() => Response.json({ errors: [{ message: "Field 'ianaTimezone' doesn't exist on type 'Shop'" }] })), SHOP),
    ).toEqual({ ok: false, message: "Shopify's answer had no shop time zone: Field 'ianaTimezone' doesn't exist on type 'Shop'" });
    expect(await fetchShopTimezone(options(() => new Response("", { status: 401 })), SHOP)).toEqual({ ok: false, message: "Shopify answered 401" });
    expect(await fetchShopTimezone(options(zoneAnswer("UTC")), "not-installed.myshopify.com")).toMatchObject({ ok: false, message: expect.stringContaining("offline session") });
  });
});
