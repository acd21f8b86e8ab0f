import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EVENT_TYPE_NAMES } from "../app/events/catalogue";
import { readmeWithEvents } from "./docs-events";

describe("README events block", () => {
  const readme = readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
  it("is what the code says (run `npm run docs:events` after changing events)", () => {
    expect(readmeWithEvents(readme)).toBe(readme);
  });
  it("lists all 17 event types", () => {
    for (const type of EVENT_TYPE_NAMES) expect(readme).toContain(`| \`${type}\` |`);
  });
});
