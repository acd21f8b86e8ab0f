import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EVENT_TYPE_NAMES } from "../app/events/catalogue";
import { SUBSCRIBER_PROPERTIES } from "../app/events/subscriber-properties";
import { docWithEvents, EVENTS_DOC } from "./docs-events";

describe("docs/events.md events block", () => {
  const doc = readFileSync(EVENTS_DOC, "utf8");
  it("is what the code says (run `npm run docs:events` after changing events)", () => {
    expect(docWithEvents(doc)).toBe(doc);
  });
  it("lists all 17 event types", () => {
    for (const type of EVENT_TYPE_NAMES) expect(doc).toContain(`| \`${type}\` |`);
  });
  it("and the README name every subscriber property", () => {
    const readme = readFileSync(EVENTS_DOC.replace(/docs[/\\]events\.md$/, "README.md"), "utf8");
    for (const { name } of SUBSCRIBER_PROPERTIES) expect(readme).toContain(`\`${name}\``);
  });
});
