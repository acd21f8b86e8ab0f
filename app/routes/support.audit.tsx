// The audit log, for operators: every sign-in, every shop record viewed, every action, newest first. Read
// only: nothing in the app changes or removes an entry. Below it, requests refused before anyone signed in,
// counted per address and minute (they are not entries: anyone can send them).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, IndexTable, InlineStack, Link, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { SupportFrame } from "~/components/support/SupportFrame";
import { Time } from "~/components/support/Time";
import { EmptyRows } from "~/components/support/EmptyRows";
import { getDatabase } from "~/db.server";
import { listAudit, listRefusals, recordAudit, type RefusalCountView } from "~/support/audit.server";
import { clientOf, requireStaff } from "~/support/auth.server";

export const meta: MetaFunction = () => [{ title: "Audit log · Support console" }, { name: "robots", content: "noindex, nofollow" }];

export const loader = async (args: LoaderFunctionArgs) => {
  const db = getDatabase();
  const staff = await requireStaff(args, "operator", db);
  const search = new URL(args.request.url).searchParams;
  const email = (search.get("email") ?? "").trim().toLowerCase().slice(0, 254);
  const shop = (search.get("shop") ?? "").trim().toLowerCase().slice(0, 255);
  const action = (search.get("action") ?? "").trim().slice(0, 60);
  const beforeRaw = search.get("before") ?? "";
  const match = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)_([a-z0-9]+)$/.exec(beforeRaw);
  const before = match ? { at: new Date(match[1]), id: match[2] } : undefined;
  await recordAudit(db, {
    user: { id: staff.userId, email: staff.email },
    action: "audit.viewed",
    outcome: "success",
    details: { email: email || null, shop: shop || null, action: action || null },
    client: clientOf(args),
  });
  const { entries, more } = await listAudit(db, { email: email || undefined, shopDomain: shop || undefined, action: action || undefined, before, limit: 100 });
  const last = entries[entries.length - 1];
  const refusals = await listRefusals(db, 50);
  return {
    staff: { email: staff.email, role: staff.role, csrf: staff.csrfToken },
    filter: { email, shop, action },
    entries,
    next: more && last ? `${last.at}_${last.id}` : null,
    refusals,
  };
};

const OUTCOME_TONE: Record<string, "success" | "critical" | "warning" | "info" | undefined> = {
  success: "success",
  failure: "critical",
  denied: "critical",
  rejected: "critical",
  locked: "warning",
  second_factor_required: "info",
};

export default function SupportAudit() {
  const { staff, filter, entries, next, refusals } = useLoaderData<typeof loader>();
  const [email, setEmail] = useState(filter.email);
  const [shop, setShop] = useState(filter.shop);
  const [action, setAction] = useState(filter.action);
  const nextParams = new URLSearchParams({ ...(filter.email ? { email: filter.email } : {}), ...(filter.shop ? { shop: filter.shop } : {}), ...(filter.action ? { action: filter.action } : {}) });
  if (next) nextParams.set("before", next);
  return (
    <SupportFrame staff={staff}>
      <Page fullWidth title="Audit log" subtitle="Every sign-in, shop record viewed and action taken in the support console. Entries cannot be changed or removed.">
        <BlockStack gap="400">
          <Card>
            <Form method="get">
              <InlineStack gap="300" blockAlign="end">
                <TextField label="Staff email" name="email" value={email} onChange={setEmail} autoComplete="off" />
                <TextField label="Shop domain" name="shop" value={shop} onChange={setShop} autoComplete="off" />
                <TextField label="Action" name="action" value={action} onChange={setAction} autoComplete="off" placeholder="e.g. deliveries.hold" />
                <Button submit>Filter</Button>
                <Link url="/support/audit">Clear</Link>
              </InlineStack>
            </Form>
          </Card>
          <Card padding="0">
            <IndexTable
              resourceName={{ singular: "entry", plural: "entries" }}
              itemCount={entries.length}
              selectable={false}
              emptyState={
                <EmptyRows>No entries match.</EmptyRows>
              }
              headings={[{ title: "When (UTC)" }, { title: "Who" }, { title: "Action" }, { title: "Outcome" }, { title: "Shop" }, { title: "Details" }, { title: "From" }]}
            >
              {entries.map((e, index) => (
                <IndexTable.Row id={e.id} key={e.id} position={index}>
                  <IndexTable.Cell>
                    <Time iso={e.at} seconds />
                  </IndexTable.Cell>
                  <IndexTable.Cell>{e.email}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" fontWeight="medium">
                      {e.action}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge tone={OUTCOME_TONE[e.outcome]}>{e.outcome}</Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{e.shopDomain ? <Link url={`/support/shops/${encodeURIComponent(e.shopDomain)}`}>{e.shopDomain}</Link> : "—"}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <div style={{ minWidth: 260, maxWidth: 420, whiteSpace: "normal" }}>
                      <Text as="span" variant="bodySm" breakWord>
                        {Object.entries(e.details)
                          .filter(([, v]) => v !== null && v !== undefined)
                          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
                          .join(" · ") || "—"}
                      </Text>
                    </div>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <div style={{ maxWidth: 180 }} title={e.userAgent ?? undefined}>
                      <BlockStack gap="050">
                        <Text as="span" variant="bodySm">
                          {e.ip ?? "—"}
                        </Text>
                        <Text as="span" variant="bodySm" tone="subdued" truncate>
                          {e.userAgent ?? ""}
                        </Text>
                      </BlockStack>
                    </div>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
          {next ? (
            <InlineStack align="center">
              <Button url={`/support/audit?${nextParams.toString()}`}>Older entries</Button>
            </InlineStack>
          ) : null}
          <RefusalCounts refusals={refusals} />
        </BlockStack>
      </Page>
    </SupportFrame>
  );
}

const REFUSAL_KIND: Record<string, string> = {
  "csrf.rejected": "Sign-in form with a bad or missing token",
  "sign_in.locked": "Sign-in while locked",
};

function RefusalCounts({ refusals }: { refusals: RefusalCountView[] }) {
  return (
    <Card padding="0">
      <Box padding="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Refused while signed out
          </Text>
          <Text as="p" tone="subdued">
            Requests refused before anyone signed in, counted per address and minute (latest 50). Throttled: more came in that minute and were answered “too many requests” without being counted.
          </Text>
        </BlockStack>
      </Box>
      <IndexTable
        resourceName={{ singular: "count", plural: "counts" }}
        itemCount={refusals.length}
        selectable={false}
        emptyState={
          <EmptyRows>Nothing refused.</EmptyRows>
        }
        headings={[{ title: "Minute (UTC)" }, { title: "From" }, { title: "Refused" }, { title: "Count" }, { title: "" }]}
      >
        {refusals.map((r, index) => (
          <IndexTable.Row id={`${r.minute}_${r.ip}_${r.kind}`} key={`${r.minute}_${r.ip}_${r.kind}`} position={index}>
            <IndexTable.Cell>
              <Time iso={r.minute} />
            </IndexTable.Cell>
            <IndexTable.Cell>{r.ip}</IndexTable.Cell>
            <IndexTable.Cell>{REFUSAL_KIND[r.kind] ?? r.kind}</IndexTable.Cell>
            <IndexTable.Cell>{r.count}</IndexTable.Cell>
            <IndexTable.Cell>{r.throttled ? <Badge tone="warning">throttled</Badge> : null}</IndexTable.Cell>
          </IndexTable.Row>
        ))}
      </IndexTable>
    </Card>
  );
}
