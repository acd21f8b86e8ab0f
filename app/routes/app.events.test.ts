// The event log's routes through the real authenticate.admin: the list, one event, the CSV download and the
// replay action, each for the session's shop only.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { adminDocumentRequest, adminFetchRequest, installShop, runRoute } from "../../tests/support/shopify";
import { seedEvent } from "~/statistics/seed.testutil";
import { loader as logLoader } from "./app.events._index";
import { loader as detailLoader } from "./app.events.$id";
import { action as exportAction, loader as exportLoader } from "./app.events.export";
import { EXPORT_TOKEN_TTL_MS, issueExportToken } from "~/statistics/export-token.server";
import { action as replayAction } from "./app.events.replay";

const SHOP = "events-route.myshopify.com";
const OTHER = "events-route-other.myshopify.com";
const PORTAL_TOKEN = "be82dc59d3494bce41cb30b15cb97ef6154a017c";
const PORTAL_LINK = `https://${SHOP}/a/loop_subscriptions/customer/61000001?sessionToken=${PORTAL_TOKEN}`;

// The network edge: the shop's time zone check must not reach Shopify from tests; every call is refused.
const network = await vi.hoisted(async () => (await import("../../tests/support/net")).refuseNetwork());

const form = (fields: Record<string, string>) => {
  const body = new URLSearchParams(fields);
  return { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } };
};

describe.each(databaseKinds)("event log routes (%s)", (kind) => {
  const database = withTestDatabase(kind);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const db = database.db;
    await installShop(db, SHOP);
    await installShop(db, OTHER);
    await db.shop.update({ where: { domain: SHOP }, data: { ianaTimezone: "America/New_York" } });
    const day = Date.now() - 24 * 3_600_000;
    ids.delivered = (await seedEvent(db, { shop: SHOP, receivedAt: new Date(day), outcome: "delivered", email: "ava.thompson@example.com", phone: "+12015550101", subscriptionKey: "555", reasonDetail: 'note, "quoted"' })).id;
    ids.failed = (await seedEvent(db, { shop: SHOP, receivedAt: new Date(day + 60_000), type: "order_processed", outcome: "failed", reason: "postscript_unavailable", email: "liam@example.com" })).id;
    ids.failed2 = (await seedEvent(db, { shop: SHOP, receivedAt: new Date(day + 120_000), type: "order_processed", outcome: "failed", reason: "postscript_unavailable" })).id;
    ids.other = (await seedEvent(db, { shop: OTHER, receivedAt: new Date(day), outcome: "failed", email: "other@example.com" })).id;
    ids.portal = (
      await seedEvent(db, {
        shop: SHOP,
        receivedAt: new Date(day - 60_000),
        outcome: "delivered",
        payload: { payload: { id: 556, customerPortalLink: PORTAL_LINK }, metaData: { myshopifyDomain: SHOP } },
        request: { type: "order_upcoming", external_id: "loop:portal", properties: { customer_portal_link: PORTAL_LINK } },
      })
    ).id;
  });

  it("lists the shop's events, newest first, with filters from the URL", async () => {
    const response = await runRoute(logLoader, await adminFetchRequest(SHOP, "/app/events?period=7d"));
    expect(response.status).toBe(200);
    const data = await response.json();
    expect(data.page.rows.map((r: { id: string }) => r.id)).toEqual([ids.failed2, ids.failed, ids.delivered, ids.portal]);
    expect(data.timeZone).toEqual({ name: "America/New_York", known: true });
    const failed = await (await runRoute(logLoader, await adminFetchRequest(SHOP, "/app/events?outcome=failed&q=liam@example.com"))).json();
    expect(failed.page.rows.map((r: { id: string }) => r.id)).toEqual([ids.failed]);
    const other = await (await runRoute(logLoader, await adminFetchRequest(OTHER, "/app/events"))).json();
    expect(other.page.rows.map((r: { id: string }) => r.id)).toEqual([ids.other]);
  });

  it("says when the period reaches back past the events' retention (the overview still counts those)", async () => {
    const retention = async (search: string) => (await (await runRoute(logLoader, await adminFetchRequest(SHOP, `/app/events?${search}`))).json()).retention;
    expect(await retention("period=7d")).toMatchObject({ days: 90, reachesPastCutoff: false });
    expect(await retention("period=90d")).toMatchObject({ reachesPastCutoff: false });
    expect(await retention("period=all")).toMatchObject({ reachesPastCutoff: true });
    const year = new Date().getUTCFullYear();
    expect(await retention(`period=custom&from=${year - 1}-01-01&to=${year - 1}-01-31`)).toMatchObject({ days: 90, reachesPastCutoff: true, cutoffLabel: expect.stringMatching(/^\w{3} \d{1,2}, \d{4}, /) });
  });

  it("shows one event with phones and emails masked, and never another shop's", async () => {
    const response = await runRoute(detailLoader, await adminFetchRequest(SHOP, `/app/events/${ids.delivered}?back=%3Fperiod%3D7d%26id_token%3Dsecret`), { id: ids.delivered });
    const { event, backUrl } = await response.json();
    expect(backUrl).toBe("/app/events?period=7d");
    expect(event.email).toBe("a•••@example.com");
    expect(JSON.stringify(event)).not.toMatch(/ava\.thompson@|2015550101/);
    expect(event.attemptList).toHaveLength(1);
    const stranger = await (await runRoute(detailLoader, await adminFetchRequest(OTHER, `/app/events/${ids.delivered}`), { id: ids.delivered })).json();
    expect(stranger.event).toBeNull();
  });

  it("shows the customer portal link with its session token masked, in the Loop webhook and the Postscript request", async () => {
    const { event } = await (await runRoute(detailLoader, await adminFetchRequest(SHOP, `/app/events/${ids.portal}`), { id: ids.portal })).json();
    const masked = `https://${SHOP}/a/loop_subscriptions/customer/61000001?sessionToken=••••017c`;
    expect(JSON.parse(event.payload).payload.customerPortalLink).toBe(masked);
    expect(JSON.parse(event.request).properties.customer_portal_link).toBe(masked);
    expect(JSON.stringify(event)).not.toContain(PORTAL_TOKEN.slice(0, 12));
  });

  async function exportLink(shop: string, search: string): Promise<string> {
    const response = await runRoute(exportAction, await adminFetchRequest(shop, "/app/events/export", form({ search })));
    expect(response.status).toBe(200);
    const { url } = await response.json();
    expect(url).toMatch(/^\/app\/events\/export\?token=[^&]+$/);
    return `https://my-test-app.myshopify.io${url}`;
  }
  const download = (url: string) => runRoute(exportLoader, new Request(url, { headers: { "User-Agent": "Mozilla/5.0 Chrome/131.0" } }));

  it("downloads the filtered log as CSV through a link whose token grants that download only (no session token in the URL)", async () => {
    const url = await exportLink(SHOP, "period=7d&outcome=failed");
    expect(url).not.toContain("id_token");
    const response = await download(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="loop-postscript-events-events-route-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = await response.text();
    const lines = text.trim().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(ids.failed2);
    expect(lines[2]).toContain("liam@example.com");
    expect(text).not.toContain(ids.other);
    expect(text).not.toContain(ids.delivered);
  });

  it("exports no portal link: the CSV carries no payload or request fields, so no session token", async () => {
    const text = await (await download(await exportLink(SHOP, "period=7d"))).text();
    expect(text).toContain(ids.portal);
    expect(text).not.toContain("sessionToken");
  });

  it("refuses a download link that is missing, altered, expired, or a session token in its place", async () => {
    const refused = async (url: string) => {
      const response = await download(url);
      expect(response.status).toBe(403);
      expect(response.headers.get("Content-Type") ?? "").not.toContain("text/csv");
    };
    await refused("https://my-test-app.myshopify.io/app/events/export");
    const url = new URL(await exportLink(SHOP, "period=7d"));
    const [payload, signature] = url.searchParams.get("token")!.split(".");
    // Another shop's name in a genuine token's payload breaks its signature.
    const forged = JSON.parse(Buffer.from(payload, "base64url").toString());
    url.searchParams.set("token", `${Buffer.from(JSON.stringify({ ...forged, shop: OTHER })).toString("base64url")}.${signature}`);
    await refused(url.toString());
    const expired = issueExportToken({ shop: SHOP, search: "period=7d" }, Date.now() - EXPORT_TOKEN_TTL_MS - 1);
    await refused(`https://my-test-app.myshopify.io/app/events/export?token=${encodeURIComponent(expired)}`);
    // The old way, a document request with the session token, no longer opens the CSV.
    const session = await adminDocumentRequest(SHOP, "/app/events/export?period=7d");
    await refused(session.url);
    // A link is asked for with the merchant's session only.
    const anonymous = await runRoute(exportAction, new Request("https://my-test-app.myshopify.io/app/events/export", { method: "POST", body: new URLSearchParams({ search: "" }), headers: { "User-Agent": "Mozilla/5.0 Chrome/131.0" } }));
    expect(anonymous.status).toBeGreaterThanOrEqual(300);
  });

  it("replays one failed event, then every failed event of a period, for its own shop only", async () => {
    const db = database.db;
    const stranger = await runRoute(replayAction, await adminFetchRequest(OTHER, "/app/events/replay", form({ intent: "replay-one", eventId: ids.failed })));
    expect(await stranger.json()).toMatchObject({ ok: false, replayed: 0 });
    expect((await db.event.findUniqueOrThrow({ where: { id: ids.failed } })).status).toBe("failed");

    const one = await runRoute(replayAction, await adminFetchRequest(SHOP, "/app/events/replay", form({ intent: "replay-one", eventId: ids.failed })));
    expect(await one.json()).toEqual({ ok: true, message: "Event queued to be sent again", replayed: 1 });
    expect((await db.event.findUniqueOrThrow({ where: { id: ids.failed } })).status).toBe("pending");

    const from = new Date(Date.now() - 7 * 24 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const range = await runRoute(replayAction, await adminFetchRequest(SHOP, "/app/events/replay", form({ intent: "replay-range", from, to })));
    expect(await range.json()).toEqual({ ok: true, message: "1 event queued to be sent again", replayed: 1 });
    expect((await db.event.findUniqueOrThrow({ where: { id: ids.failed2 } })).status).toBe("pending");
    expect((await db.event.findUniqueOrThrow({ where: { id: ids.other } })).status).toBe("failed");

    const bad = await runRoute(replayAction, await adminFetchRequest(SHOP, "/app/events/replay", form({ intent: "replay-range", from: to, to: from })));
    expect(await bad.json()).toMatchObject({ ok: false, message: "The replay period is not valid" });
    const nonsense = await runRoute(replayAction, await adminFetchRequest(SHOP, "/app/events/replay", form({ intent: "delete-everything" })));
    expect(await nonsense.json()).toMatchObject({ ok: false });
  });

  it("answers 401 to a request without a session", async () => {
    const response = await runRoute(logLoader, new Request("https://my-test-app.myshopify.io/app/events", { headers: { Authorization: "Bearer forged", "User-Agent": "Mozilla/5.0 Chrome/131.0" } }));
    expect(response.status).toBe(401);
    expect(network.calls.filter((url) => !url.includes("/admin/api/"))).toEqual([]);
  });
});
