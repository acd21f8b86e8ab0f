import { describe, expect, it } from "vitest";
import { EVENT_TYPE_NAMES, type EventType } from "./catalogue";
import { EVENT_TOPICS, mapEvent } from "../../tests/support/loop-fixtures";
import { customerActivationMapped, type MappedEvent } from "./mapping";
import { EVENT_PROPERTIES, propertiesFor, renderPropertyReferenceMarkdown, renderPropertyTable, renderPropertyTableMarkdown } from "./properties";

/** A wide set of fixtures: every topic × seeds × the generator's optional shapes. */
function fixtures(): MappedEvent[] {
  const out: MappedEvent[] = [];
  for (const topic of EVENT_TOPICS) {
    for (let seed = 0; seed < 30; seed++) {
      const portalLink = seed % 2 === 0;
      if (topic === "order/paymentFailed") {
        for (const retryInfo of ["paymentRetryCount", "attemptCount", "billingAttempt", "none"] as const) out.push(mapEvent(topic, { seed, portalLink, retryInfo }));
      } else {
        out.push(mapEvent(topic, { seed, portalLink }));
      }
    }
  }
  // placed orders (shopify ids) and cancellation comments appear for some seeds; a flow with a customer:
  out.push(mapEvent("flow/completed", { overrides: { customer: { id: 1, shopifyId: 2, email: "a@b.co", firstName: "A", lastName: "B" }, customerPortalLink: "https://x.example/p" } }));
  for (const m of [...out]) {
    if (m.type === "subscription_created") {
      const a = customerActivationMapped(m, { state: "DISABLED", accountActivationUrl: "https://demo-shop.myshopify.com/account/activate/1/x" });
      if (a) out.push(a);
    }
  }
  return out;
}

describe("property documentation matches the mapping", () => {
  const all = fixtures();
  const byType = new Map<EventType, MappedEvent[]>();
  for (const m of all) byType.set(m.type, [...(byType.get(m.type) ?? []), m]);

  it("has fixtures for all 17 types", () => {
    expect([...byType.keys()].sort()).toEqual([...EVENT_TYPE_NAMES].sort());
  });

  it("every property sent is documented for its type", () => {
    for (const m of all) {
      const documented = new Set(propertiesFor(m.type).map((d) => d.name));
      for (const name of Object.keys(m.event.properties ?? {})) expect(documented.has(name), `${m.type}: ${name} is sent but not documented`).toBe(true);
    }
  });

  it("every 'always' property is sent on every event of the type", () => {
    for (const m of all) {
      for (const d of propertiesFor(m.type)) {
        if (d.presence === "always") expect(m.event.properties, `${m.type}: ${d.name}`).toHaveProperty(d.name);
      }
    }
  });

  it("every documented property is sent by at least one fixture (no dead names)", () => {
    for (const type of EVENT_TYPE_NAMES) {
      const sent = new Set((byType.get(type) ?? []).flatMap((m) => Object.keys(m.event.properties ?? {})));
      for (const d of propertiesFor(type)) expect(sent.has(d.name), `${type}: ${d.name} is documented but never sent`).toBe(true);
    }
  });

  it("documented examples have the type the mapping sends", () => {
    for (const m of all) {
      const docs = new Map(propertiesFor(m.type).map((d) => [d.name, d]));
      for (const [name, value] of Object.entries(m.event.properties ?? {})) expect(typeof value, `${m.type}.${name}`).toBe(typeof docs.get(name)?.example);
    }
  });
});

describe("property names", () => {
  it("are snake_case, unique per type, with scalar examples and a description", () => {
    for (const type of EVENT_TYPE_NAMES) {
      const docs = EVENT_PROPERTIES[type];
      expect(docs.length).toBeGreaterThan(0);
      expect(new Set(docs.map((d) => d.name)).size).toBe(docs.length);
      for (const d of docs) {
        expect(d.name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
        expect(["string", "number", "boolean"]).toContain(typeof d.example);
        expect(d.description.length).toBeGreaterThan(5);
      }
    }
  });

  it("keep the contract: the names merchants' flows use do not change", () => {
    // Renaming any of these breaks merge tags and filters in live flows. Add names; never rename.
    expect(EVENT_PROPERTIES.order_upcoming.map((d) => d.name)).toEqual([
      "order_id",
      "order_status",
      "order_date",
      "subscription_id",
      "subscription_shopify_id",
      "next_order_date",
      "days_until_order",
      "product_titles",
      "first_product_title",
      "items_summary",
      "total_quantity",
      "line_count",
      "currency",
      "total_price",
      "total_price_formatted",
      "subtotal_price",
      "discount_amount",
      "shipping_price",
      "tax_price",
      "customer_first_name",
      "customer_last_name",
      "loop_customer_id",
      "shopify_customer_id",
      "customer_portal_link",
    ]);
    expect(EVENT_PROPERTIES.payment_attempt_failed.map((d) => d.name)).toContain("retries_left");
    expect(EVENT_PROPERTIES.order_processed.map((d) => d.name).slice(0, 3)).toEqual(["order_id", "shopify_order_id", "order_number"]);
    expect(EVENT_PROPERTIES.subscription_cancelled.map((d) => d.name)).toEqual(expect.arrayContaining(["cancellation_reason", "cancellation_comment"]));
    expect(EVENT_PROPERTIES.payment_method_expiring_soon.map((d) => d.name)).toEqual(
      expect.arrayContaining(["card_brand", "card_last4", "card_expiry", "card_expiry_date"]),
    );
    expect(EVENT_PROPERTIES.customer_activation.map((d) => d.name).slice(0, 2)).toEqual(["account_activation_url", "customer_account_state"]);
  });
});

describe("Markdown", () => {
  it("renders one table per type with every property", () => {
    const md = renderPropertyTableMarkdown();
    for (const type of EVENT_TYPE_NAMES) {
      expect(md).toContain(`### \`${type}\``);
      for (const d of propertiesFor(type)) expect(md).toContain(`| \`${d.name}\` |`);
    }
    expect(md).toContain("Source: Loop topic `order/paymentFailed`.");
    expect(md).toContain("no Loop topic");
    expect(renderPropertyTableMarkdown({ headingLevel: 4 })).toContain("#### `flow_completed`");
  });

  it("a table has a header, a separator and one row per property; pipes are escaped", () => {
    const lines = renderPropertyTable("flow_completed").split("\n");
    expect(lines[0]).toBe("| Property | Sent | Example | Description |");
    expect(lines[1]).toBe("|---|---|---|---|");
    expect(lines).toHaveLength(2 + EVENT_PROPERTIES.flow_completed.length);
    expect(lines[2]).toBe("| `flow_id` | when known | `482913` | Loop flow id |");
    for (const line of lines) expect(line.split(/(?<!\\)\|/).length).toBe(6);
  });

  it("the compact reference lists each property once per meaning, with the types that send it", () => {
    const md = renderPropertyReferenceMarkdown();
    const lines = md.trim().split("\n");
    expect(lines[0]).toBe("| Property | Example | Description | Sent with |");
    for (const type of EVENT_TYPE_NAMES) for (const d of propertiesFor(type)) expect(md).toContain(`| \`${d.name}\` | `);
    expect(lines).toContain("| `retries_left` | `2` | Payment retries still to come (0 = none: the last attempt failed) | `payment_attempt_failed_with_retries_left`, `payment_attempt_failed_last_retry_left`, `payment_attempt_failed` |");
    expect(md).toMatch(/\| `customer_first_name` \| `Ava` \| Customer's first name \| all \|/);
    expect(md).toContain("| `cancellation_reason` | `I have too much product` | The reason the customer picked when cancelling | `subscription_cancelled` |");
  });
});
