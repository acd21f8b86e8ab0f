// The app's Shopify Flow extensions (extensions/<handle>/shopify.extension.toml) read and checked against the
// rules Shopify documents for them (Flow trigger and action reference): the checks Shopify CLI makes before
// `shopify app deploy`, and the payload check Flow makes on `flowTriggerReceive`, for the Shopify stand-in
// and the tests. Where Shopify's pages leave a rule open, the stricter reading is taken and said so below.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "toml";

export const EXTENSIONS_DIR = fileURLToPath(new URL("../../extensions", import.meta.url));

/** Value types a trigger or action field may have, and how Flow sends each in a payload. */
const FIELD_VALUE_CHECKS: Record<string, (value: unknown) => boolean> = {
  single_line_text_field: (v) => typeof v === "string" && !v.includes("\n"),
  multi_line_text_field: (v) => typeof v === "string",
  number_integer: (v) => typeof v === "number" && Number.isInteger(v),
  number_decimal: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
  email: (v) => typeof v === "string" && /^[^\s@]+@[^\s@]+$/.test(v),
  url: (v) => typeof v === "string" && /^https?:\/\/\S+$/.test(v),
  date: (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v),
  date_time: (v) => typeof v === "string" && !Number.isNaN(Date.parse(v)),
};

/** Reference fields carry a resource id under a fixed payload key, and have no key of their own. */
export const REFERENCE_PAYLOAD_KEYS: Record<string, string> = {
  customer_reference: "customer_id",
  order_reference: "order_id",
  product_reference: "product_id",
};

const EXTENSION_TYPES = ["flow_trigger", "flow_action", "flow_trigger_lifecycle_callback"] as const;
export type FlowExtensionType = (typeof EXTENSION_TYPES)[number];

export interface FlowField {
  type: string;
  key?: string;
  name?: string;
  description?: string;
  required?: boolean;
}

export interface FlowExtension {
  /** The folder under extensions/. */
  folder: string;
  name: string;
  type: FlowExtensionType;
  handle: string;
  description?: string;
  runtime_url?: string;
  url?: string;
  fields: FlowField[];
}

export interface LoadedExtension {
  folder: string;
  raw: unknown;
}

export function readExtensionFiles(dir = EXTENSIONS_DIR): LoadedExtension[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ folder: entry.name, raw: parse(readFileSync(path.join(dir, entry.name, "shopify.extension.toml"), "utf8")) as unknown }));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.trim().length > 0;

/**
 * What is wrong with one extension file, in Shopify CLI's terms (empty when nothing is). Handle: at most 30
 * characters, letters, digits and hyphens. Names of actions: sentence case without punctuation. Field keys:
 * Shopify allows spaces in them; this app keeps to letters, digits and underscores so a key is also a valid
 * GraphQL-free JSON name everywhere (a stricter rule, not Shopify's).
 */
export function extensionProblems({ folder, raw }: LoadedExtension): string[] {
  const problems: string[] = [];
  const where = `extensions/${folder}`;
  if (!isRecord(raw) || !Array.isArray(raw.extensions) || raw.extensions.length !== 1) return [`${where}: exactly one [[extensions]] entry is needed`];
  const ext = raw.extensions[0] as Record<string, unknown>;
  for (const key of ["name", "type", "handle"]) if (!isText(ext[key])) problems.push(`${where}: ${key} is required`);
  if (!EXTENSION_TYPES.includes(ext.type as FlowExtensionType)) problems.push(`${where}: type ${String(ext.type)} is not a Flow extension type`);
  const handle = String(ext.handle ?? "");
  if (handle.length > 30) problems.push(`${where}: handle exceeds 30 characters`);
  if (!/^[A-Za-z0-9-]+$/.test(handle)) problems.push(`${where}: handle must contain only letters, digits and hyphens`);
  const type = ext.type as FlowExtensionType;
  if (type === "flow_trigger_lifecycle_callback") {
    if (!isText(ext.url) || !/^(\/[^/]|https:\/\/)/.test(ext.url)) problems.push(`${where}: url must be an https URL or a path`);
    return problems;
  }
  if (!isText(ext.description)) problems.push(`${where}: description is required`);
  if (type === "flow_action") {
    if (!isText(ext.runtime_url) || !/^(\/[^/]|https:\/\/)/.test(ext.runtime_url)) problems.push(`${where}: runtime_url must be an https URL or a path`);
    if (/[^\w ]/.test(String(ext.name)) || !/^[A-Z]/.test(String(ext.name))) problems.push(`${where}: an action's name is sentence case without punctuation`);
  }
  const settings = raw.settings;
  const fields = isRecord(settings) && Array.isArray(settings.fields) ? (settings.fields as unknown[]) : [];
  const keys = new Set<string>();
  for (const [i, field] of fields.entries()) {
    const at = `${where}: settings.fields[${i}]`;
    if (!isRecord(field) || !isText(field.type)) {
      problems.push(`${at}: type is required`);
      continue;
    }
    const reference = field.type in REFERENCE_PAYLOAD_KEYS;
    if (!reference && !(field.type in FIELD_VALUE_CHECKS)) problems.push(`${at}: type ${field.type} is not a Flow field type`);
    if (reference && field.key !== undefined) problems.push(`${at}: a reference field has no key`);
    if (!reference && !isText(field.key)) problems.push(`${at}: key is required`);
    if (isText(field.key) && !/^[a-z][a-z0-9_]*$/.test(field.key)) problems.push(`${at}: key ${field.key} must be lower case letters, digits and underscores`);
    const payloadKey = reference ? REFERENCE_PAYLOAD_KEYS[field.type] : String(field.key);
    if (keys.has(payloadKey)) problems.push(`${at}: ${payloadKey} appears twice`);
    keys.add(payloadKey);
    if (field.required !== undefined && typeof field.required !== "boolean") problems.push(`${at}: required must be true or false`);
    if (type === "flow_action" && !reference && !isText(field.name)) problems.push(`${at}: an action field needs a name`);
    if (type === "flow_trigger" && field.required !== undefined) problems.push(`${at}: trigger fields have no required flag`);
  }
  if (type === "flow_trigger" && fields.length === 0) problems.push(`${where}: a trigger needs at least one field`);
  return problems;
}

export function toExtension({ folder, raw }: LoadedExtension): FlowExtension {
  const record = raw as { extensions: Record<string, unknown>[]; settings?: { fields?: FlowField[] } };
  const ext = record.extensions[0];
  return {
    folder,
    name: String(ext.name),
    type: ext.type as FlowExtensionType,
    handle: String(ext.handle),
    ...(typeof ext.description === "string" ? { description: ext.description } : {}),
    ...(typeof ext.runtime_url === "string" ? { runtime_url: ext.runtime_url } : {}),
    ...(typeof ext.url === "string" ? { url: ext.url } : {}),
    fields: record.settings?.fields ?? [],
  };
}

/** The app's extensions that pass the checks (the stand-in knows only those). */
export function loadFlowExtensions(dir = EXTENSIONS_DIR): FlowExtension[] {
  return readExtensionFiles(dir)
    .filter((file) => extensionProblems(file).length === 0)
    .map(toExtension);
}

/**
 * Why Flow would refuse a trigger payload for this extension (empty when it accepts it): keys the trigger does
 * not declare, values of the wrong type, missing fields. A reference field ("where known") may be left out;
 * Shopify's pages do not say whether Flow requires it, so the stand-in accepts its absence.
 */
export function triggerPayloadProblems(extension: FlowExtension, payload: unknown): string[] {
  if (!isRecord(payload)) return ["payload must be a JSON object"];
  const problems: string[] = [];
  const declared = new Map<string, FlowField>();
  for (const field of extension.fields) declared.set(field.type in REFERENCE_PAYLOAD_KEYS ? REFERENCE_PAYLOAD_KEYS[field.type] : field.key!, field);
  for (const key of Object.keys(payload)) if (!declared.has(key)) problems.push(`${key} is not a field of trigger ${extension.handle}`);
  for (const [key, field] of declared) {
    const value = payload[key];
    const reference = field.type in REFERENCE_PAYLOAD_KEYS;
    if (value === undefined || value === null) {
      if (!reference) problems.push(`${key} is missing`);
      continue;
    }
    const valid = reference ? typeof value === "number" && Number.isInteger(value) && value > 0 : FIELD_VALUE_CHECKS[field.type](value);
    if (!valid) problems.push(`${key} is not a valid ${field.type}`);
  }
  return problems;
}
