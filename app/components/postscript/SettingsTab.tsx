// Settings, as Shopify's own settings pages lay them out: a title and explanation on the left, the controls on
// the right. Connection management, the event types, the payment retry count, the test recipient and Shopify Flow;
// the event types, payment retries and test recipient are one form with Shopify's contextual save bar (SettingsForm).
import { BlockStack, Layout } from "@shopify/polaris";
import { ConnectionSettings } from "./ConnectionSettings";
import { PaymentRetrySettings, TestRecipientSettings } from "./DeliverySettings";
import { EventSettings } from "./EventSettings";
import { FlowSettings, type FlowTriggerData } from "./FlowSettings";
import { BackfillCard } from "./BackfillCard";
import { PropertySettings } from "./PropertySettings";
import { SettingsForm } from "./SettingsForm";
import type { BackfillProgress } from "~/delivery/property-backfill.server";
import type { PostscriptConnectionData } from "./types";

export interface SettingsData {
  disabledEventTypes: string[];
  paymentRetryCount: number;
  testEmail: string | null;
  testPhone: string | null;
  eventsReviewedAt: string | null;
  propertySyncEnabled: boolean;
}

function testUnavailableReason(connection: PostscriptConnectionData, settings: SettingsData): string | null {
  if (connection.status !== "connected") return "Test events can be sent once Postscript is connected and working.";
  if (!settings.testEmail && !settings.testPhone) return "To send test events, add a test recipient below first.";
  return null;
}

/** Layout sections (render inside a Polaris Layout). Keys remount a form after a save, so it shows what was stored. */
export function SettingsTab({
  connection,
  settings,
  flowTriggers,
  backfill,
}: {
  connection: PostscriptConnectionData;
  settings: SettingsData;
  flowTriggers: FlowTriggerData[];
  backfill: BackfillProgress | null;
}) {
  return (
    <SettingsForm>
      <Layout.AnnotatedSection
        id="connection"
        title="Connection"
        description="The private API key the app sends your events with. Replace it when you create a new key in Postscript; the old one stays in use until Postscript accepts the new one."
      >
        <ConnectionSettings key={`${connection.status}-${connection.keyMasked}`} connection={connection} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="events"
        title="Events sent to Postscript"
        description="Each event reaches Postscript as a Custom Event with exactly this name, so flows built for Loop's own Postscript integration keep working. Turn off the ones you do not use."
      >
        <EventSettings
          key={`${settings.eventsReviewedAt}`}
          disabledEventTypes={settings.disabledEventTypes}
          eventsReviewedAt={settings.eventsReviewedAt}
          testUnavailableReason={testUnavailableReason(connection, settings)}
        />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="payment-retries"
        title="Payment retries"
        description="A failed payment becomes payment_attempt_failed_with_retries_left, payment_attempt_failed_last_retry_left or payment_attempt_failed. When Loop's payload does not say how many retries are left, the app counts against this number: set it to the retries configured in Loop (Retain → Payment recovery)."
      >
        <PaymentRetrySettings key={`retry-${settings.paymentRetryCount}`} paymentRetryCount={settings.paymentRetryCount} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="test-recipient"
        title="Test recipient"
        description="Test events are sent as this subscriber, so you can check your Postscript flows without a real customer. Use a subscriber that exists in Postscript; leave both fields empty to clear it."
      >
        <TestRecipientSettings key={`${settings.testEmail}|${settings.testPhone}`} testEmail={settings.testEmail} testPhone={settings.testPhone} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="subscriber-properties"
        title="Subscriber properties"
        description="Each subscriber's Loop subscriptions as properties in Postscript, kept up to date from every Loop event, for segments such as “has an active subscription” or “next order within 3 days”. Updates use only what your events leave of Postscript's rate limit, so events are never delayed."
      >
        <BlockStack gap="400">
          <PropertySettings key={`properties-${settings.propertySyncEnabled}`} propertySyncEnabled={settings.propertySyncEnabled} />
          <BackfillCard initial={backfill} propertySyncEnabled={settings.propertySyncEnabled} />
        </BlockStack>
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="shopify-flow"
        title="Shopify Flow"
        description="Automate around this integration in Shopify Flow: triggers tell your workflows when events cannot reach Postscript and when things are back to normal; the action sends any Flow event to Postscript."
      >
        <FlowSettings triggers={flowTriggers} />
      </Layout.AnnotatedSection>
    </SettingsForm>
  );
}
