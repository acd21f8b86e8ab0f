// The event log: keyset pages in both directions, every filter, one event in detail with phones and emails
// masked, the same rows for the merchant and for support staff (each masked as that viewer may see them), and
// the CSV export streamed page by page with proper escaping. Always one shop's events only.
import { describe, expect, it } from "vitest";
import { databaseKinds, withTestDatabase } from "../../tests/support/databases";
import { waitFor } from "../../tests/support/wait";
import type { Database } from "~/db.server";
import { csvField, csvLine, exportEventsCsv, getEventDetail, listEvents, readLogQuery, type LogPage, type Viewer } from "./event-log.server";
import { seedEvent, seedEvents } from "./seed.testutil";

const SHOP = "log.myshopify.com";
const OTHER = "log-other.myshopify.com";
const NOW = new Date("2026-11-25T15:20:00Z");
const query = (s: string, zone = "UTC", viewer: Viewer = "merchant") => readLogQuery(viewer, new URLSearchParams(s), zone, NOW);

/** Counts event.findMany calls, and those still running, to see when the CSV stream reads the database. */
function countingReads(db: Database) {
  const counter = { reads: 0, running: 0 };
  const event = new Proxy(db.event, {
    get(target, property, receiver) {
      if (property === "findMany") {
        return (...args: Parameters<typeof target.findMany>) => {
          counter.reads++;
          counter.running++;
          return target.findMany(...args).finally(() => counter.running--);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  const proxied = new Proxy(db, { get: (target, property, receiver) => (property === "event" ? event : Reflect.get(target, property, receiver)) });
  return { db: proxied as Database, counter };
}

/** Minimal RFC 4180 reader for checking the export. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  return rows;
}

describe("CSV fields", () => {
  it("quotes commas, quotes and line breaks, and defuses spreadsheet formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField(42)).toBe("42");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("+12015550101")).toBe("+12015550101");
    expect(csvField("-5")).toBe("-5");
    expect(csvLine(["a", "b,c", null])).toBe('a,"b,c",\r\n');
  });
});

describe.each(databaseKinds)("event log (%s)", (kind) => {
  const database = withTestDatabase(kind);

  it("pages through the shop's events newest first with a keyset cursor, both ways", async () => {
    const db = database.db;
    const same = "2026-11-24T09:00:00.000Z";
    const events = await seedEvents(db, [
      { shop: SHOP, receivedAt: "2026-11-20T10:00:00Z", outcome: "delivered" },
      { shop: SHOP, receivedAt: "2026-11-21T10:00:00Z", outcome: "delivered" },
      { shop: SHOP, receivedAt: same, outcome: "failed" },
      { shop: SHOP, receivedAt: same, outcome: "failed" },
      { shop: SHOP, receivedAt: same, outcome: "delivered" },
      { shop: SHOP, receivedAt: "2026-11-25T10:00:00Z", outcome: "received" },
      { shop: SHOP, receivedAt: "2026-11-25T11:00:00Z", outcome: "skipped", reason: "stale" },
      { shop: OTHER, receivedAt: "2026-11-22T10:00:00Z", outcome: "delivered" },
      { shop: OTHER, receivedAt: "2026-11-24T09:00:00Z", outcome: "delivered" },
    ]);
    const expected = events
      .filter((e) => e.shopDomain === SHOP)
      .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((e) => e.id);

    const pages: LogPage[] = [await listEvents(db, SHOP, query(""), 3)];
    while (pages[pages.length - 1].hasNext) pages.push(await listEvents(db, SHOP, query(`after=${pages[pages.length - 1].nextCursor}`), 3));
    expect(pages.map((p) => p.rows.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.rows.map((r) => r.id))).toEqual(expected);
    expect(pages.map((p) => [p.hasPrevious, p.hasNext])).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
    const back = await listEvents(db, SHOP, query(`before=${pages[2].previousCursor}`), 3);
    expect(back.rows.map((r) => r.id)).toEqual(pages[1].rows.map((r) => r.id));
    expect([back.hasPrevious, back.hasNext]).toEqual([true, true]);
    const first = await listEvents(db, SHOP, query(`before=${pages[1].previousCursor}`), 3);
    expect(first.rows.map((r) => r.id)).toEqual(pages[0].rows.map((r) => r.id));
    expect(first.hasPrevious).toBe(false);

    // A cursor that is not one of ours is ignored (first page), never an error.
    expect((await listEvents(db, SHOP, query("after=1;DROP TABLE"), 3)).rows.map((r) => r.id)).toEqual(expected.slice(0, 3));
    expect((await listEvents(db, OTHER, query(""), 10)).rows).toHaveLength(2);
    await db.event.deleteMany({});
  });

  it("filters by type, outcome, reason, period and search (email, phone, Loop subscription or order id)", async () => {
    const db = database.db;
    const [ava, liam, unmapped, , other] = await seedEvents(db, [
      { shop: SHOP, receivedAt: "2026-11-24T10:00:00Z", type: "subscription_created", outcome: "delivered", email: "ava.thompson@example.com", phone: "+12015550101", subscriptionKey: "S-555", loopOrderId: "O-9001" },
      { shop: SHOP, receivedAt: "2026-11-23T10:00:00Z", type: "order_upcoming", outcome: "failed", reason: "postscript_rejected", email: "liam@example.com", subscriptionKey: "S-556" },
      { shop: SHOP, receivedAt: "2026-11-25T10:00:00Z", outcome: "received" },
      { shop: SHOP, receivedAt: "2026-10-01T10:00:00Z", type: "order_upcoming", outcome: "delivered" },
      { shop: OTHER, receivedAt: "2026-11-24T10:00:00Z", type: "subscription_created", outcome: "delivered", email: "ava.thompson@example.com", subscriptionKey: "S-555" },
    ]);
    const ids = async (s: string) => (await listEvents(db, SHOP, query(s))).rows.map((r) => r.id);
    expect(await ids("type=subscription_created")).toEqual([ava.id]);
    expect(await ids("type=unknown")).toEqual([unmapped.id]);
    expect(await ids("outcome=failed")).toEqual([liam.id]);
    expect(await ids("outcome=waiting")).toEqual([unmapped.id]);
    expect(await ids("reason=postscript_rejected")).toEqual([liam.id]);
    // A reason no event has: the reason rollups say so, and no event row is read at all.
    const { db: counted, counter } = countingReads(db);
    expect((await listEvents(counted, SHOP, query("reason=ignored"))).rows).toEqual([]);
    expect(counter.reads).toBe(0);
    expect(await ids("period=7d")).toEqual([unmapped.id, ava.id, liam.id]);
    expect(await ids("period=7d&type=order_upcoming")).toEqual([liam.id]);
    expect(await ids("q=Ava.Thompson@example.com")).toEqual([ava.id]);
    expect(await ids("q=%2B1 (201) 555-0101")).toEqual([ava.id]);
    expect(await ids("q=2015550101")).toEqual([ava.id]);
    expect(await ids("q=S-555")).toEqual([ava.id]);
    expect(await ids("q=O-9001")).toEqual([ava.id]);
    expect(await ids("q=nobody@example.com")).toEqual([]);
    // Unreadable filters are ignored rather than failing the page.
    expect((await ids("type=bogus&outcome=maybe&reason=whatever")).length).toBe(4);
    // The other shop's identical customer never shows.
    expect((await listEvents(db, OTHER, query("q=ava.thompson@example.com"))).rows.map((r) => r.id)).toEqual([other.id]);
    const row = (await listEvents(db, SHOP, query("q=S-555"))).rows[0];
    expect(row).toMatchObject({ type: "subscription_created", outcome: "delivered", email: "a•••@example.com", phone: "+1••••••0101", subscriptionKey: "S-555", receivedLabel: "Nov 24, 10:00:00 AM" });
    await db.event.deleteMany({});
  });

  it("shows one event with its payload and request masked and every attempt", async () => {
    const db = database.db;
    const failed = await seedEvent(db, {
      shop: SHOP,
      receivedAt: "2026-11-24T10:00:00Z",
      type: "order_upcoming",
      outcome: "failed",
      reason: "postscript_rejected",
      reasonDetail: "phone: not a valid number",
      retries: 2,
      email: "ava.thompson@example.com",
      phone: "+12015550101",
      payload: { payload: { id: 1, customer: { email: "ava.thompson@example.com", phone: "+12015550101", firstName: "Ava" } } },
    });
    const detail = await getEventDetail(db, SHOP, failed.id, "merchant", "America/New_York");
    expect(detail).toMatchObject({ status: "failed", reasonTitle: "Postscript rejected the event", reasonDetail: "phone: not a valid number", canReplay: true, receivedFull: "Nov 24, 2026, 5:00:00 AM" });
    expect(detail!.payload).toContain('"email": "a•••@example.com"');
    expect(detail!.payload).toContain('"phone": "+1••••••0101"');
    expect(detail!.payload).toContain('"firstName": "Ava"');
    expect(detail!.request).toContain('"email": "a•••@example.com"');
    expect(`${detail!.payload}${detail!.request}`).not.toMatch(/ava\.thompson|5550101/);
    expect(detail!.attemptList.map((a) => [a.outcome, a.httpStatus, a.errorClass])).toEqual([
      ["retry", 503, "unavailable"],
      ["retry", 503, "unavailable"],
      ["failed", 422, "rejected"],
    ]);
    expect(await getEventDetail(db, OTHER, failed.id, "merchant", "UTC")).toBeNull();
    const delivered = await seedEvent(db, { shop: SHOP, receivedAt: "2026-11-24T11:00:00Z", outcome: "delivered" });
    expect((await getEventDetail(db, SHOP, delivered.id, "merchant", "UTC"))!.canReplay).toBe(false);
    await db.event.deleteMany({});
  });

  it("lists the same rows for the merchant and for support staff, with equal filters and pages, masked per viewer", async () => {
    const db = database.db;
    const key = "sk_live_51HxQ2eK9v7Tt0Pq";
    const opaque = "a".repeat(20) + "B".repeat(20);
    const portal = `https://${SHOP}/a/loop_subscriptions/customer/61000001?sessionToken=tok-4f2a9c7e1b`;
    const detailText = `Postscript answered 422 (Authorization: Bearer ${key}); request ${opaque}; link ${portal}`;
    const seeded = await seedEvents(db, [
      ...Array.from({ length: 5 }, (_, i) => ({ shop: SHOP, receivedAt: new Date(Date.parse("2026-11-24T10:00:00Z") + i * 60_000), outcome: "delivered" as const, email: `c${i}@example.com`, phone: "+12015550101", subscriptionKey: `S-${i}` })),
      { shop: SHOP, receivedAt: "2026-11-24T09:00:00Z", type: "order_upcoming", outcome: "failed", reason: "postscript_rejected", reasonDetail: detailText, email: "liam@example.com" },
      { shop: SHOP, receivedAt: "2026-11-24T08:00:00Z", outcome: "pending", retries: 1 },
      { shop: SHOP, receivedAt: "2026-11-24T07:00:00Z", type: null, outcome: "received" },
      { shop: OTHER, receivedAt: "2026-11-24T10:30:00Z", outcome: "delivered", email: "c0@example.com" },
    ]);
    const failed = seeded[5];
    const read = (viewer: Viewer, s: string, pageSize = 3) => listEvents(db, SHOP, query(`period=7d&${s}`, "UTC", viewer), pageSize);

    // Filters and pages: the same events, in the same order, with the same cursors, whoever looks.
    for (const s of ["", "status=failed", "status=pending", "outcome=waiting", "outcome=waiting&status=pending", "outcome=delivered&status=failed", "type=order_upcoming", "type=unknown", "reason=postscript_rejected", "q=c2@example.com", "q=S-4"]) {
      let cursor: string | null = null;
      for (let n = 0; n < 5; n++) {
        const after: string = cursor ? `&after=${cursor}` : "";
        const [merchant, support] = await Promise.all([read("merchant", s + after), read("support", s + after)]);
        expect(support.rows.map((r) => r.id), s).toEqual(merchant.rows.map((r) => r.id));
        expect({ ...support, rows: [] }, s).toEqual({ ...merchant, rows: [] });
        if (!merchant.hasNext) break;
        cursor = merchant.nextCursor;
      }
    }
    expect((await read("support", "status=failed")).rows.map((r) => r.id)).toEqual([failed.id]);
    expect((await read("support", "outcome=delivered&status=failed")).rows).toEqual([]);

    // Masking: customers' emails and phones partly hidden for both; support sees each row's last attempt.
    const [merchantRow, supportRow] = await Promise.all([read("merchant", "q=c2@example.com"), read("support", "q=c2@example.com")]).then((pages) => pages.map((p) => p.rows[0]));
    expect(merchantRow).toMatchObject({ email: "c•••@example.com", phone: "+1••••••0101", subscriptionKey: "S-2", outcome: "delivered" });
    expect(supportRow).toMatchObject({ email: "c•••@example.com", phone: "+1••••••0101", subscriptionKey: "S-2", outcome: "delivered", lastAttempt: { httpStatus: 201, outcome: "delivered" } });
    expect("lastAttempt" in merchantRow).toBe(false);
    const { lastAttempt: _, ...supportFields } = supportRow;
    expect({ ...supportFields, reasonTitle: null }).toEqual({ ...merchantRow, reasonTitle: null });

    // Free text: a credential never shows; support staff also lose long opaque tokens; a portal link's token is masked for both.
    const [merchantFailed, supportFailed] = await Promise.all([read("merchant", "status=failed"), read("support", "status=failed")]).then((pages) => pages.map((p) => p.rows[0]));
    expect(merchantFailed.reasonTitle).toBe("Postscript rejected the event");
    expect(supportFailed.reasonTitle).not.toBe(merchantFailed.reasonTitle);
    expect(merchantFailed.reasonDetail).toContain(opaque);
    expect(supportFailed.reasonDetail).not.toContain(opaque);
    expect(supportFailed.lastAttempt?.message).toBe(supportFailed.reasonDetail);
    // The HTTP status: support reads the code, the merchant what it means.
    expect(supportFailed.reasonDetail).toMatch(/^Postscript answered 422 /);
    expect(merchantFailed.reasonDetail).toMatch(/^Postscript refused the request \(Authorization/);
    for (const text of [merchantFailed.reasonDetail, supportFailed.reasonDetail]) {
      expect(text).toContain("Bearer [redacted]");
      expect(text).toContain("sessionToken=••••7e1b");
      expect(text).not.toMatch(/sk_live|tok-4f2a/);
    }

    // One event in detail: the payload and the request are the merchant's to see (masked), never support's.
    const [merchantDetail, supportDetail] = await Promise.all((["merchant", "support"] as const).map((viewer) => getEventDetail(db, SHOP, failed.id, viewer, "UTC", NOW)));
    expect(merchantDetail!.payload).toContain('"email": "l•••@example.com"');
    expect(merchantDetail!.request).toContain('"email": "l•••@example.com"');
    expect([supportDetail!.payload, supportDetail!.request]).toEqual([null, null]);
    expect(supportDetail!.attemptList.map((a) => a.message)).toEqual([supportFailed.reasonDetail]);
    expect(merchantDetail!.attemptList.map((a) => a.message)).toEqual([merchantFailed.reasonDetail]);
    expect(JSON.stringify([merchantDetail, supportDetail])).not.toMatch(/sk_live|tok-4f2a|liam@/);
    expect(await getEventDetail(db, OTHER, failed.id, "support", "UTC")).toBeNull();

    // Each viewer's own default period: everything the shop has for the merchant, the last 7 days for support.
    expect(query("", "UTC", "merchant").period.key).toBe("all");
    expect(query("", "UTC", "support").period.key).toBe("7d");
    // The export is the merchant's own data, unmasked: never made for support.
    expect(() => exportEventsCsv(db, SHOP, query("", "UTC", "support"))).toThrow();
    await db.event.deleteMany({});
  });

  it("streams the filtered log as CSV one page at a time, only as fast as it is read", async () => {
    const db = database.db;
    const tricky = 'Postscript said: "phone, invalid"\nsee docs';
    await seedEvents(db, [
      ...Array.from({ length: 4 }, (_, i) => ({ shop: SHOP, receivedAt: new Date(Date.parse("2026-11-24T10:00:00Z") + i * 60_000), outcome: "delivered" as const, email: `c${i}@example.com`, phone: "+12015550101" })),
      { shop: SHOP, receivedAt: "2026-11-24T09:00:00Z", outcome: "failed", reason: "postscript_rejected", reasonDetail: tricky, subscriptionKey: "=cmd|' /C calc'!A0" },
      { shop: OTHER, receivedAt: "2026-11-24T10:30:00Z", outcome: "delivered", email: "other@example.com" },
    ]);
    const { db: counted, counter } = countingReads(db);
    const reader = exportEventsCsv(counted, SHOP, query("period=7d"), 2).getReader();
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true }); // keep the BOM, to see it is there
    const chunks: string[] = [];
    // The stream keeps one page ready ahead of the reader, and no more: once it has read that page and stopped
    // (no read running), the count is exact. Reading everything eagerly would stop at 3.
    const readAhead = (reads: number) => waitFor(`the stream to read ${reads} page(s) and stop`, () => counter.reads >= reads && counter.running === 0, 10_000, 20);
    chunks.push(decoder.decode((await reader.read()).value));
    await readAhead(1);
    expect(counter.reads).toBe(1);
    chunks.push(decoder.decode((await reader.read()).value));
    await readAhead(2);
    expect(counter.reads).toBe(2);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(decoder.decode(value));
    }
    // Header, then pages of 2, 2 and 1 events, each read from the database when the previous one was taken.
    expect(chunks).toHaveLength(4);
    expect(counter.reads).toBe(3);
    const text = chunks.join("");
    expect(text.startsWith("\uFEFFevent_id,received_at_utc,")).toBe(true);
    const rows = parseCsv(text.slice(1));
    const [columns, ...records] = rows;
    expect(records).toHaveLength(5);
    const record = (i: number) => Object.fromEntries(columns.map((c, j) => [c, records[i][j]]));
    expect(record(0)).toMatchObject({ customer_email: "c3@example.com", customer_phone: "+12015550101", outcome: "delivered", received_at_utc: "2026-11-24T10:03:00.000Z", event_type: "order_upcoming" });
    expect(record(4)).toMatchObject({ outcome: "failed", reason: "postscript_rejected", reason_detail: tricky, loop_subscription_id: "'=cmd|' /C calc'!A0" });
    expect(text).not.toContain("other@example.com");
    // Nothing secret is in the columns.
    expect(columns.join(",")).not.toMatch(/key|token|secret/i);
    await db.event.deleteMany({});
  });
});
