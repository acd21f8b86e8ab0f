// Every Flow extension in extensions/ must pass Shopify CLI's documented checks, and the triggers must declare
// the payload fields the app sends (app/flow/triggers.ts names them).
import { describe, expect, it } from "vitest";
import { FLOW_ACTION_HANDLE, FLOW_ACTION_RUNTIME_PATH, FLOW_LIFECYCLE_PATH, TRIGGER_FIELDS } from "../../app/flow/triggers";
import { extensionProblems, loadFlowExtensions, readExtensionFiles, toExtension, triggerPayloadProblems } from "./flow-extensions";

const files = readExtensionFiles();

describe("extensions/*/shopify.extension.toml", () => {
  it("has the three triggers, the action and the lifecycle callback", () => {
    expect(files.map((f) => f.folder).sort()).toEqual(
      ["deliveries-back-to-normal", "flow-trigger-usage", "loop-event-not-delivered", "postscript-needs-action", "send-postscript-event"].sort(),
    );
  });

  it.each(files.map((f) => [f.folder, f] as const))("%s follows the documented schema", (_folder, file) => {
    expect(extensionProblems(file)).toEqual([]);
  });

  it("uses unique handles, each its folder's name", () => {
    const handles = files.map((f) => toExtension(f).handle);
    expect(new Set(handles).size).toBe(handles.length);
    for (const f of files) expect(toExtension(f).handle).toBe(f.folder);
  });

  it("declares exactly the payload keys the app sends for each trigger", () => {
    const triggers = loadFlowExtensions().filter((e) => e.type === "flow_trigger");
    expect(triggers.map((t) => t.handle).sort()).toEqual(Object.keys(TRIGGER_FIELDS).sort());
    for (const trigger of triggers) {
      const keys = trigger.fields.map((f) => (f.type === "customer_reference" ? "customer_id" : f.key));
      expect(keys.sort(), trigger.handle).toEqual([...TRIGGER_FIELDS[trigger.handle as keyof typeof TRIGGER_FIELDS]].sort());
    }
  });

  it("points the action and the lifecycle callback at the app's routes", () => {
    const all = loadFlowExtensions();
    expect(all.find((e) => e.type === "flow_action")).toMatchObject({ handle: FLOW_ACTION_HANDLE, runtime_url: FLOW_ACTION_RUNTIME_PATH });
    expect(all.find((e) => e.type === "flow_trigger_lifecycle_callback")?.url).toBe(FLOW_LIFECYCLE_PATH);
  });
});

describe("the schema checks themselves", () => {
  const trigger = (fields: unknown[], extra: Record<string, unknown> = {}) => ({
    folder: "t",
    raw: { extensions: [{ name: "T", type: "flow_trigger", handle: "t", description: "d", ...extra }], settings: { fields } },
  });

  it("refuses bad handles, unknown types, missing keys and duplicate keys", () => {
    expect(extensionProblems(trigger([{ type: "url", key: "a" }], { handle: "x".repeat(31) }))).toContain("extensions/t: handle exceeds 30 characters");
    expect(extensionProblems(trigger([{ type: "url", key: "a" }], { handle: "bad_handle" }))).toContain("extensions/t: handle must contain only letters, digits and hyphens");
    expect(extensionProblems(trigger([{ type: "colour", key: "a" }]))).toContain("extensions/t: settings.fields[0]: type colour is not a Flow field type");
    expect(extensionProblems(trigger([{ type: "url" }]))).toContain("extensions/t: settings.fields[0]: key is required");
    expect(extensionProblems(trigger([{ type: "url", key: "a" }, { type: "email", key: "a" }]))).toContain("extensions/t: settings.fields[1]: a appears twice");
    expect(extensionProblems(trigger([{ type: "customer_reference", key: "c" }]))).toContain("extensions/t: settings.fields[0]: a reference field has no key");
    expect(extensionProblems(trigger([], { description: undefined }))).toEqual(
      expect.arrayContaining(["extensions/t: description is required", "extensions/t: a trigger needs at least one field"]),
    );
    expect(extensionProblems({ folder: "a", raw: { extensions: [{ name: "Send it!", type: "flow_action", handle: "a", description: "d" }] } })).toEqual(
      expect.arrayContaining(["extensions/a: runtime_url must be an https URL or a path", "extensions/a: an action's name is sentence case without punctuation"]),
    );
  });

  it("checks a trigger payload's keys and value types", () => {
    const ext = toExtension(trigger([{ type: "customer_reference" }, { type: "number_integer", key: "n" }, { type: "url", key: "u" }]));
    expect(triggerPayloadProblems(ext, { n: 2, u: "https://x.test/a" })).toEqual([]);
    expect(triggerPayloadProblems(ext, { customer_id: 42, n: 2, u: "https://x.test/a" })).toEqual([]);
    expect(triggerPayloadProblems(ext, { n: "2", u: "not a url", extra: 1 })).toEqual(["extra is not a field of trigger t", "n is not a valid number_integer", "u is not a valid url"]);
    expect(triggerPayloadProblems(ext, { u: "https://x.test" })).toEqual(["n is missing"]);
    expect(triggerPayloadProblems(ext, { customer_id: "gid://shopify/Customer/1", n: 1, u: "https://x.test" })).toEqual(["customer_id is not a valid customer_reference"]);
  });
});
