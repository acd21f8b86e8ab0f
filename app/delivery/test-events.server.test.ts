import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostscriptStandIn } from "../../sandbox/postscript/server";
import { DEMO_SHOP_KEY } from "../../sandbox/postscript/seed";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { EVENT_TYPE_NAMES } from "~/events/catalogue";
import { PostscriptClient } from "~/postscript/client.server";
import { validateCustomEvent } from "~/postscript/protocol";
import { sendTestEvent, sendTestEventToNewRecipient, testEventRequest } from "./test-events.server";

const SHOP = "tests.myshopify.com";

describe("test event requests", () => {
  it.each(EVENT_TYPE_NAMES)("%s is a valid Custom Event with the documented example properties", (type) => {
    const request = testEventRequest(type, { email: "me@example.com" }, new Date("2026-11-25T10:00:00Z"));
    expect(validateCustomEvent(request)).toMatchObject({ ok: true });
    expect(request).toMatchObject({ type, email: "me@example.com", occurred_at: "2026-11-25 10:00:00.000", external_id: `test:${type}:1795600800000` });
    expect(request.properties?.is_test).toBe(true);
  });

  it("uses dates around today, at the documented examples' distances", () => {
    const request = testEventRequest("order_upcoming", { email: "me@example.com" }, new Date("2026-11-25T10:00:00Z"));
    // The example upcoming order is two days after the examples' day: two days after today here.
    expect(request.properties).toMatchObject({ next_order_date: "2026-11-27" });
    const card = testEventRequest("payment_method_expiring_soon", { email: "me@example.com" }, new Date("2026-11-25T10:00:00Z"));
    // The example card expires at the end of next month (July, written in June): December here, every form alike.
    expect(card.properties).toMatchObject({ card_expiry_month: 12, card_expiry_year: 2026, card_expiry: "12/2026", card_expiry_date: "2026-12-31" });
    // No example date is in the past, whatever the day.
    for (const now of ["2026-12-03T00:00:00Z", "2031-02-28T23:00:00Z"]) {
      const dates = Object.values(testEventRequest("payment_attempt_failed_with_retries_left", {}, new Date(now)).properties ?? {}).filter((v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v));
      expect(dates.length).toBeGreaterThan(0);
      for (const date of dates) expect(date >= now.slice(0, 10), `${date} on ${now}`).toBe(true);
    }
  });
});

describe.each(databaseKinds)("send test event (%s)", (kind) => {
  const database = withTestDatabase(kind);
  let ps: Awaited<ReturnType<typeof startPostscriptStandIn>>;
  beforeAll(async () => {
    ps = await startPostscriptStandIn();
  });
  afterAll(() => ps.close());
  const client = async () => new PostscriptClient({ baseUrl: ps.url, apiKey: DEMO_SHOP_KEY });

  it("asks for a test recipient first", async () => {
    expect(await sendTestEvent(database.db, SHOP, "order_upcoming", client)).toMatchObject({ ok: false, message: expect.stringMatching(/test recipient/) });
  });

  it("sends to the test recipient, records it as a test, and keeps it out of the statistics", async () => {
    await database.db.shopSettings.create({ data: { shopDomain: SHOP, testEmail: "owner@example.com", testPhone: "+12015550101" } });
    const result = await sendTestEvent(database.db, SHOP, "payment_attempt_failed", client);
    expect(result).toMatchObject({ ok: true, message: expect.stringMatching(/Flow Builder/) });
    const events = (await (await fetch(`${ps.url}/__sandbox/events`)).json()).events;
    expect(events.at(-1)).toMatchObject({ type: "payment_attempt_failed", email: "owner@example.com", phone: "+12015550101" });
    const row = await database.db.event.findFirstOrThrow({ where: { shopDomain: SHOP, isTest: true }, include: { attempts: true } });
    expect(row).toMatchObject({ status: "delivered", eventType: "payment_attempt_failed" });
    expect(row.attempts).toHaveLength(1);
    expect(await database.db.eventRollup.count({ where: { shopDomain: SHOP } })).toBe(0);
  });

  it("asks for the recipient with the test when none is set, saves them as the test recipient, then sends to them", async () => {
    await database.db.shopSettings.deleteMany({ where: { shopDomain: SHOP } });
    const send = (testEmail: string, testPhone: string) => sendTestEventToNewRecipient(database.db, SHOP, "order_upcoming", { testEmail, testPhone }, client);
    expect(await send("", " ")).toMatchObject({ ok: false, field: "testEmail", message: expect.stringMatching(/Postscript subscriber/) });
    expect(await send("not-an-email", "")).toMatchObject({ ok: false, field: "testEmail" });
    expect(await database.db.shopSettings.findUnique({ where: { shopDomain: SHOP } })).toBeNull();
    const before = (await (await fetch(`${ps.url}/__sandbox/events`)).json()).events.length;
    expect(await send("", "+1 201 555 0123")).toMatchObject({ ok: true, message: expect.stringMatching(/^Test order_upcoming sent/) });
    expect(await database.db.shopSettings.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({ testEmail: null, testPhone: "+12015550123" });
    const events = (await (await fetch(`${ps.url}/__sandbox/events`)).json()).events;
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ type: "order_upcoming", phone: "+12015550123" });
  });

  it("says what Postscript answered when it refuses, and refuses unknown types and missing connections", async () => {
    await ps.setFaults({ revokedKeys: [DEMO_SHOP_KEY] });
    expect(await sendTestEvent(database.db, SHOP, "order_upcoming", client)).toMatchObject({ ok: false, message: expect.stringMatching(/did not accept/) });
    ps.resetFaults();
    expect(await sendTestEvent(database.db, SHOP, "nope", client)).toEqual({ ok: false, message: "Unknown event type." });
    expect(await sendTestEvent(database.db, SHOP, "order_upcoming", async () => null)).toMatchObject({ ok: false, message: expect.stringMatching(/Connect Postscript/) });
  });
});
