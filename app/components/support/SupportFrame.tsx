// The console's chrome: a bar with its name, the sections the member of staff may open, who is signed in, and
// sign-out (a form post carrying the session's CSRF token).
import { Form, Link, useLocation } from "@remix-run/react";
import { Badge, Box, Button, InlineStack, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

export interface StaffView {
  email: string;
  role: "viewer" | "operator";
  csrf: string;
}

export function SupportFrame({ staff, children }: { staff: StaffView | null; children: ReactNode }) {
  const location = useLocation();
  const current = (path: string) => location.pathname.startsWith(path);
  return (
    <div style={{ minHeight: "100vh", background: "var(--p-color-bg)" }}>
      <header style={{ background: "var(--p-color-bg-inverse)", color: "var(--p-color-text-inverse)" }}>
        <Box paddingInline="600" paddingBlock="300">
          <InlineStack align="space-between" blockAlign="center" gap="400" wrap={false}>
            <InlineStack gap="600" blockAlign="center" wrap={false}>
              <Text as="span" variant="headingMd" tone="text-inverse">
                Loop → Postscript · Support console
              </Text>
              {staff ? (
                <nav aria-label="Support console">
                  <InlineStack gap="400">
                    <NavLink to="/support/shops" active={current("/support/shops")}>
                      Shops
                    </NavLink>
                    {staff.role === "operator" ? (
                      <NavLink to="/support/audit" active={current("/support/audit")}>
                        Audit log
                      </NavLink>
                    ) : null}
                  </InlineStack>
                </nav>
              ) : null}
            </InlineStack>
            {staff ? (
              <InlineStack gap="300" blockAlign="center" wrap={false}>
                <Text as="span" tone="text-inverse">
                  {staff.email}
                </Text>
                <Badge tone={staff.role === "operator" ? "attention" : "info"}>{staff.role === "operator" ? "Operator" : "Viewer"}</Badge>
                <Form method="post" action="/support/sign-out">
                  <input type="hidden" name="csrf" value={staff.csrf} />
                  <Button submit size="slim">
                    Sign out
                  </Button>
                </Form>
              </InlineStack>
            ) : null}
          </InlineStack>
        </Box>
      </header>
      <main>
        <Box paddingBlockEnd="1600">{children}</Box>
      </main>
    </div>
  );
}

function NavLink({ to, active, children }: { to: string; active: boolean; children: ReactNode }) {
  return (
    <Link
      to={to}
      prefetch="none"
      aria-current={active ? "page" : undefined}
      style={{
        color: "inherit",
        textDecoration: active ? "underline" : "none",
        textUnderlineOffset: "6px",
        fontWeight: active ? 650 : 450,
      }}
    >
      {children}
    </Link>
  );
}
