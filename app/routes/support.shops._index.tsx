// Support console home: find a shop by domain, Postscript shop name or Loop subscription id; without a search,
// every shop, the ones with problems first.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, IndexTable, InlineStack, Link, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { ConnectionBadge, ProblemBadge } from "~/components/support/badges";
import { SupportFrame } from "~/components/support/SupportFrame";
import { Time } from "~/components/support/Time";
import { EmptyRows } from "~/components/support/EmptyRows";
import { getDatabase } from "~/db.server";
import { recordAudit } from "~/support/audit.server";
import { clientOf, requireStaff } from "~/support/auth.server";
import { listShops, RECENT_DAYS } from "~/support/shops.server";

export const meta: MetaFunction = () => [{ title: "Shops · Support console" }, { name: "robots", content: "noindex, nofollow" }];

export const loader = async (args: LoaderFunctionArgs) => {
  const db = getDatabase();
  const staff = await requireStaff(args, "viewer", db);
  const query = (new URL(args.request.url).searchParams.get("q") ?? "").slice(0, 200);
  const list = await listShops(db, query);
  await recordAudit(db, {
    user: { id: staff.userId, email: staff.email },
    action: "shops.listed",
    outcome: "success",
    details: { query: list.query || null, results: list.total },
    client: clientOf(args),
  });
  return { staff: { email: staff.email, role: staff.role, csrf: staff.csrfToken }, list, recentDays: RECENT_DAYS };
};

export default function SupportShops() {
  const { staff, list, recentDays } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const [query, setQuery] = useState(list.query);
  const searching = navigation.state === "loading" && navigation.location?.pathname === "/support/shops";
  return (
    <SupportFrame staff={staff}>
      <Page title="Shops" subtitle="Find the merchant's shop, then open its record. Shops with problems come first.">
        <BlockStack gap="400">
          <Card>
            <Form method="get" role="search">
              <InlineStack gap="200" blockAlign="end" wrap={false}>
                <div style={{ flex: 1 }}>
                  <TextField
                    label="Search shops"
                    name="q"
                    value={query}
                    onChange={setQuery}
                    autoComplete="off"
                    placeholder="Shop domain, Postscript shop name or Loop subscription id"
                    clearButton
                    onClearButtonClick={() => setQuery("")}
                  />
                </div>
                <Button submit variant="primary" loading={searching}>
                  Search
                </Button>
              </InlineStack>
            </Form>
          </Card>
          {list.query ? (
            <Text as="p" tone="subdued">
              {list.total === 0 ? `No shop matches “${list.query}”.` : `${list.total} shop${list.total === 1 ? "" : "s"} match “${list.query}”.`}{" "}
              <Link url="/support/shops">Show all shops</Link>
            </Text>
          ) : null}
          {list.truncated ? <Banner tone="info">Showing the first {list.rows.length} of {list.total} shops. Search to narrow the list.</Banner> : null}
          <Card padding="0">
            <IndexTable
              resourceName={{ singular: "shop", plural: "shops" }}
              itemCount={list.rows.length}
              selectable={false}
              emptyState={
                <EmptyRows>No shops to show.</EmptyRows>
              }
              headings={[
                { title: "Shop" },
                { title: "Postscript" },
                { title: "Loop" },
                { title: `Failed (${recentDays} days)`, alignment: "end" },
                { title: "Waiting now", alignment: "end" },
                { title: "Attention" },
                { title: "Installed" },
              ]}
            >
              {list.rows.map((row, index) => (
                <IndexTable.Row id={row.domain} key={row.domain} position={index}>
                  <IndexTable.Cell>
                    <BlockStack gap="050">
                      <Link url={`/support/shops/${encodeURIComponent(row.domain)}`} removeUnderline>
                        <Text as="span" fontWeight="semibold">
                          {row.domain}
                        </Text>
                      </Link>
                      {row.postscript.shopName ? (
                        <Text as="span" tone="subdued" variant="bodySm">
                          Postscript: {row.postscript.shopName}
                        </Text>
                      ) : null}
                      {row.matched.length ? (
                        <Text as="span" tone="subdued" variant="bodySm">
                          Matched by {row.matched.join(", ")}
                        </Text>
                      ) : null}
                    </BlockStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <ConnectionBadge status={row.postscript.status} />
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <ConnectionBadge status={row.loop.status} />
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric tone={row.failedRecent ? "critical" : undefined}>
                      {row.failedRecent}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {row.pausedNow}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <InlineStack gap="100">
                      {row.uninstalledAt ? <ProblemBadge problem="uninstalled" /> : null}
                      {row.problems.map((p) => (
                        <ProblemBadge key={p} problem={p} />
                      ))}
                    </InlineStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {row.uninstalledAt ? (
                      <Text as="span" tone="subdued">
                        Uninstalled <Time iso={row.uninstalledAt} />
                      </Text>
                    ) : (
                      <Time iso={row.installedAt} />
                    )}
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </BlockStack>
      </Page>
    </SupportFrame>
  );
}
