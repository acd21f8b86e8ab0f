// Shows each action's success message as an App Bridge toast (shopify.toast.show), once per submission. It
// lives at the route level and reads the forms' fetchers by key, because a successful action often replaces
// the form that sent it (connect → connected view) before the form could show anything. Errors are not
// toasted: they stay on the page, next to the field or in a banner, until the merchant fixes them.
import { useFetcher } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { useFetcherDone } from "./useFetcherDone";

export interface ActionResult {
  ok: boolean;
  message: string;
}

function FetcherToast({ fetcherKey }: { fetcherKey: string }) {
  const fetcher = useFetcher<ActionResult>({ key: fetcherKey });
  const shopify = useAppBridge();
  useFetcherDone(fetcher, (result) => {
    if (result.ok) shopify.toast.show(result.message);
  });
  return null;
}

export function FetcherToasts({ fetcherKeys }: { fetcherKeys: readonly string[] }) {
  return (
    <>
      {fetcherKeys.map((key) => (
        <FetcherToast key={key} fetcherKey={key} />
      ))}
    </>
  );
}
