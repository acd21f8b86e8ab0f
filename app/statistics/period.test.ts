import { describe, expect, it } from "vitest";
import { isValidTimeZone } from "~/shopify/time-zone";
import {
  addDays,
  dayStart,
  formatOffset,
  hasPartHourOffset,
  readPeriodParams,
  resolvePeriod,
  snapToHour,
  statisticsDay,
  timeZoneOffsetMs,
  zonedMidnight,
} from "./period";

const iso = (ms: number | Date | null) => (ms === null ? null : new Date(ms).toISOString());
const params = (search: string) => readPeriodParams(new URLSearchParams(search));

describe("time zone arithmetic", () => {
  it("knows offsets, including half and quarter hours and daylight saving time", () => {
    expect(timeZoneOffsetMs("America/New_York", Date.parse("2026-07-01T12:00:00Z"))).toBe(-4 * 3_600_000);
    expect(timeZoneOffsetMs("America/New_York", Date.parse("2026-12-01T12:00:00Z"))).toBe(-5 * 3_600_000);
    expect(timeZoneOffsetMs("Asia/Kolkata", Date.parse("2026-12-01T12:00:00Z"))).toBe(5.5 * 3_600_000);
    expect(formatOffset(timeZoneOffsetMs("Asia/Kathmandu", Date.parse("2026-12-01T12:00:00Z")))).toBe("UTC+5:45");
    expect(formatOffset(-5 * 3_600_000)).toBe("UTC−5");
    expect(hasPartHourOffset("Asia/Kolkata", Date.now())).toBe(true);
    expect(hasPartHourOffset("Europe/Berlin", Date.now())).toBe(false);
  });

  it("finds local midnight on ordinary days and on days the clocks change", () => {
    expect(iso(zonedMidnight("America/New_York", "2026-11-25"))).toBe("2026-11-25T05:00:00.000Z");
    expect(iso(zonedMidnight("America/New_York", "2026-03-08"))).toBe("2026-03-08T05:00:00.000Z");
    expect(iso(zonedMidnight("America/New_York", "2026-03-09"))).toBe("2026-03-09T04:00:00.000Z");
    expect(iso(zonedMidnight("America/New_York", "2026-11-02"))).toBe("2026-11-02T05:00:00.000Z");
    expect(iso(zonedMidnight("Asia/Kolkata", "2026-11-25"))).toBe("2026-11-24T18:30:00.000Z");
    // Santiago moves its clocks at midnight: 2026-09-06 has no 00:00, the day starts at 01:00 local.
    expect(iso(zonedMidnight("America/Santiago", "2026-09-06"))).toBe("2026-09-06T04:00:00.000Z");
  });

  it("moves day boundaries to the nearest whole UTC hour, a tie to the earlier one", () => {
    expect(iso(snapToHour(Date.parse("2026-11-24T18:30:00Z")))).toBe("2026-11-24T18:00:00.000Z");
    expect(iso(snapToHour(Date.parse("2026-11-24T18:15:00Z")))).toBe("2026-11-24T18:00:00.000Z");
    expect(iso(snapToHour(Date.parse("2026-11-24T18:45:00Z")))).toBe("2026-11-24T19:00:00.000Z");
    expect(iso(dayStart("Asia/Kolkata", "2026-11-25"))).toBe("2026-11-24T18:00:00.000Z");
    expect(iso(dayStart("Asia/Kathmandu", "2026-11-25"))).toBe("2026-11-24T18:00:00.000Z");
    expect(iso(dayStart("America/St_Johns", "2026-11-25"))).toBe("2026-11-25T03:00:00.000Z");
    expect(iso(dayStart("UTC", "2026-11-25"))).toBe("2026-11-25T00:00:00.000Z");
  });

  it("puts every UTC hour in exactly one statistics day", () => {
    // Kolkata: the hour 18:00–19:00 UTC (23:30–00:30 local) belongs to the next day.
    expect(statisticsDay("Asia/Kolkata", Date.parse("2026-11-24T17:00:00Z"))).toBe("2026-11-24");
    expect(statisticsDay("Asia/Kolkata", Date.parse("2026-11-24T18:00:00Z"))).toBe("2026-11-25");
    expect(statisticsDay("America/New_York", Date.parse("2026-11-25T04:00:00Z"))).toBe("2026-11-24");
    expect(statisticsDay("America/New_York", Date.parse("2026-11-25T05:00:00Z"))).toBe("2026-11-25");
    for (const zone of ["Asia/Kolkata", "America/New_York", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"]) {
      let hour = Date.parse("2026-01-01T00:00:00Z");
      let day = statisticsDay(zone, hour);
      for (let i = 0; i < 24 * 400; i++, hour += 3_600_000) {
        const next = statisticsDay(zone, hour);
        if (next !== day) {
          expect(next).toBe(addDays(day, 1));
          expect(dayStart(zone, next)).toBe(hour);
          day = next;
        }
      }
    }
  });

  it("accepts only real IANA zones", () => {
    expect(isValidTimeZone("Asia/Kolkata")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone(null)).toBe(false);
  });
});

describe("resolvePeriod", () => {
  const now = new Date("2026-11-25T15:20:00Z");

  it("defaults to the last 7 days in the shop's time zone, today included up to the current hour", () => {
    const p = resolvePeriod(params(""), "America/New_York", now);
    expect(p).toMatchObject({ key: "7d", fromDate: "2026-11-19", toDate: "2026-11-25", today: "2026-11-25", granularity: "day", problem: null });
    expect(iso(p.start)).toBe("2026-11-19T05:00:00.000Z");
    expect(iso(p.end)).toBe("2026-11-25T16:00:00.000Z");
    expect(iso(p.previousEnd)).toBe("2026-11-19T05:00:00.000Z");
    expect(iso(p.previousStart)).toBe("2026-11-12T18:00:00.000Z");
    expect(p.buckets.map((b) => b.date)).toEqual(["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]);
    expect(iso(p.buckets[6].start)).toBe("2026-11-25T05:00:00.000Z");
    expect(iso(p.buckets[6].end)).toBe("2026-11-25T16:00:00.000Z");
  });

  it("shows the last 24 hours by the hour, labelled in local time", () => {
    const p = resolvePeriod(params("?period=24h"), "Asia/Kolkata", now);
    expect(iso(p.start)).toBe("2026-11-24T16:00:00.000Z");
    expect(iso(p.end)).toBe("2026-11-25T16:00:00.000Z");
    expect(p.granularity).toBe("hour");
    expect(p.buckets).toHaveLength(24);
    expect(p.buckets[0].date).toBe("2026-11-24T21:30");
    expect(iso(p.previousStart)).toBe("2026-11-23T16:00:00.000Z");
  });

  it("counts a custom day across a clock change as 23 or 25 hours", () => {
    const spring = resolvePeriod(params("?period=custom&from=2026-03-08&to=2026-03-08"), "America/New_York", now);
    expect(iso(spring.start)).toBe("2026-03-08T05:00:00.000Z");
    expect(iso(spring.end)).toBe("2026-03-09T04:00:00.000Z");
    expect(spring.buckets).toHaveLength(23);
    expect(spring.buckets.map((b) => b.date.slice(11))).not.toContain("02:00");
    const autumn = resolvePeriod(params("?period=custom&from=2026-11-01&to=2026-11-01"), "America/New_York", now);
    expect(autumn.buckets).toHaveLength(25);
    expect(autumn.buckets.filter((b) => b.date.endsWith("T01:00"))).toHaveLength(2);
    expect(iso(autumn.previousStart)).toBe("2026-10-31T03:00:00.000Z");
  });

  it("makes daily buckets of 23 and 25 hours around clock changes", () => {
    const p = resolvePeriod(params("?period=custom&from=2026-10-31&to=2026-11-03"), "America/New_York", now);
    expect(p.granularity).toBe("day");
    expect(p.buckets.map((b) => (b.end.getTime() - b.start.getTime()) / 3_600_000)).toEqual([24, 25, 24, 24]);
  });

  it("uses whole-UTC-hour days in Asia/Kolkata (23:30 to 23:30 local)", () => {
    const p = resolvePeriod(params("?period=custom&from=2026-11-20&to=2026-11-21"), "Asia/Kolkata", now);
    expect(iso(p.start)).toBe("2026-11-19T18:00:00.000Z");
    expect(iso(p.end)).toBe("2026-11-21T18:00:00.000Z");
    expect(p.granularity).toBe("hour");
    expect(p.buckets[0].date).toBe("2026-11-19T23:30");
    // At 23:40 local the statistics day is already the next one (its first hour started at 23:30).
    expect(resolvePeriod(params(""), "Asia/Kolkata", new Date("2026-11-24T18:10:00Z")).today).toBe("2026-11-25");
  });

  it("cuts a custom range at the end of the current hour", () => {
    const p = resolvePeriod(params("?period=custom&from=2026-11-24&to=2026-11-25"), "UTC", now);
    expect(iso(p.end)).toBe("2026-11-25T16:00:00.000Z");
  });

  it("falls back, and says why, when the URL asks for something impossible", () => {
    const cases = [
      ["?period=custom&from=2026-11-20", "needs a start and an end"],
      ["?period=custom&from=2026-11-20&to=2026-11-10", "ends before it starts"],
      ["?period=custom&from=2025-01-01&to=2026-11-20", "at most 366 days"],
      ["?period=custom&from=2026-12-01&to=2026-12-02", "starts in the future"],
      ["?period=custom&from=2023-01-01&to=2023-01-02", "go back 730 days"],
      ["?period=custom&from=2026-02-30&to=2026-03-02", "needs a start and an end"],
    ] as const;
    for (const [search, message] of cases) {
      const p = resolvePeriod(params(search), "UTC", now);
      expect(p.key).toBe("7d");
      expect(p.problem).toContain(message);
    }
    expect(resolvePeriod(params("?period=yesterday"), "UTC", now).key).toBe("7d");
    expect(resolvePeriod(params("?period=all"), "UTC", now).problem).toBeTruthy();
  });

  it("has no bounds for 'all' where allowed (the event log)", () => {
    const p = resolvePeriod(params(""), "UTC", now, { fallback: "all", allowAll: true });
    expect(p).toMatchObject({ key: "all", start: null, end: null, problem: null });
  });
});
