// Which field names in a Loop payload no schema of the app reads. Loop documents its payloads only in part, so
// the schemas accept the spellings known so far; a field under a new name (an out-of-stock list, a next-retry
// date) would otherwise be ignored without anyone noticing. Names only: values are never looked at or returned.
//
// Paths are relative to the envelope's `payload`, dotted, with [] for list items: `lines[].stockStatus`. An
// unknown object is reported once by its own name, not field by field: its insides are not the app's vocabulary,
// and descending would let a map keyed by data (ids, emails) turn values into "names".
import { z } from "zod";
import { PAYLOAD_SCHEMAS, topicEntity, type LoopEntity } from "./loop-payloads";

/**
 * A schema's known field names; a nested object (or list of objects) has its own tree, a plain value null. Each
 * tree sits at one place in the payload, so the prefix of the paths under it is computed once, not per event.
 */
interface FieldTree {
  fields: Map<string, FieldTree | null>;
  /** "" at the top, else "lines[]." / "customer." … */
  prefix: string;
}

/** A payload with hundreds of novel fields is reported by its first ones; the rest add nothing to notice. */
export const MAX_UNUSED_PATHS_PER_PAYLOAD = 50;
const MAX_PATH_LENGTH = 200;

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodArray) s = s.element;
    else return s;
  }
}

function isList(schema: z.ZodTypeAny): boolean {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
  return s instanceof z.ZodArray;
}

function fieldTree(schema: z.ZodTypeAny, prefix: string): FieldTree | null {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject)) return null;
  const tree: FieldTree = { fields: new Map(), prefix };
  for (const [name, field] of Object.entries(inner.shape as Record<string, z.ZodTypeAny>)) {
    tree.fields.set(name, fieldTree(field, `${prefix}${name}${isList(field) ? "[]" : ""}.`));
  }
  return tree;
}

/**
 * Fields Loop is known to send that the app has no use for: the Admin API objects' fields that third-party code
 * shows (webhooks very likely carry those objects). Known, so not news; listing them keeps the support card for
 * names nobody has seen before.
 */
const ADDRESS_FIELDS = ["firstName", "lastName", "address1", "city", "zip", "provinceCode"].map((f) => `shippingAddress.${f}`);
const LINE_IDS = ["productShopifyId", "variantShopifyId"].flatMap((f) => [`lines[].${f}`, `lineItems[].${f}`]);
export const KNOWN_UNREAD_FIELDS: Record<LoopEntity, readonly string[]> = {
  subscription: [
    ...["updatedAt", "pausedAt", "cancelledAt", "nextDeliveryDate", "deliveryPolicy", "lastPaymentStatus", "discounts", "customAttributes"],
    "customerPaymentMethodId",
    ...ADDRESS_FIELDS,
    ...LINE_IDS,
    ...["sellingPlanShopifyId", "variantImage"].flatMap((f) => [`lines[].${f}`, `lineItems[].${f}`]),
  ],
  order: [
    ...["fulfillmentStatus", "financialStatus", "totalPriceUsd", "isCheckoutOrder", "orderType", "updatedAt"],
    ...ADDRESS_FIELDS,
    ...LINE_IDS,
    "lines[].isOneTime",
    "lineItems[].isOneTime",
  ],
  paymentMethod: [],
  flow: [],
};

/** Adds a known-but-unread path to a tree as a plain value (a parent the schema lacks is added too). */
function addKnown(tree: FieldTree, path: string) {
  const [head, ...rest] = path.split(".");
  const name = head.replace(/\[\]$/, "");
  if (rest.length === 0) {
    if (!tree.fields.has(name)) tree.fields.set(name, null);
    return;
  }
  let sub = tree.fields.get(name);
  if (!sub) tree.fields.set(name, (sub = { fields: new Map(), prefix: `${tree.prefix}${head}.` }));
  addKnown(sub, rest.join("."));
}

const trees = new Map<LoopEntity, FieldTree>();

function treeFor(entity: LoopEntity): FieldTree {
  let tree = trees.get(entity);
  if (!tree) {
    tree = fieldTree(PAYLOAD_SCHEMAS[entity], "") ?? { fields: new Map(), prefix: "" };
    for (const path of KNOWN_UNREAD_FIELDS[entity]) addKnown(tree, path);
    trees.set(entity, tree);
  }
  return tree;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The payload's field paths that no schema of this topic reads, each once, at most MAX_UNUSED_PATHS_PER_PAYLOAD.
 * `body` is the webhook body as parsed JSON ({payload, metaData}); anything else, or a topic without a schema,
 * gives no paths.
 */
export function unusedFieldPaths(topic: string, body: unknown): string[] {
  const entity = topicEntity(topic);
  if (!entity || !isObject(body) || !isObject(body.payload)) return [];
  const found = new Set<string>();
  const visit = (value: unknown, tree: FieldTree) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, tree);
      return;
    }
    if (!isObject(value)) return;
    for (const key of Object.keys(value)) {
      const sub = tree.fields.get(key);
      if (sub === undefined) {
        if (found.size >= MAX_UNUSED_PATHS_PER_PAYLOAD) return;
        const path = tree.prefix + key;
        found.add(path.length > MAX_PATH_LENGTH ? path.slice(0, MAX_PATH_LENGTH) : path);
      } else if (sub !== null) visit(value[key], sub);
    }
  };
  visit(body.payload, treeFor(entity));
  return [...found];
}
