import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form } from "@remix-run/react";

// The public landing page. Shopify admin opens the app with ?shop=…; send that straight into the app.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return null;
};

export default function Landing() {
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 560, margin: "64px auto", lineHeight: 1.5 }}>
      <h1>Loop → Postscript</h1>
      <p>
        Sends every Loop Subscriptions event (subscription created, paused, cancelled, upcoming order, payment
        failed and more) to Postscript as a Custom Event, so your SMS automation flows can react to it.
      </p>
      <Form method="post" action="/auth/login">
        <label>
          Shop domain <input type="text" name="shop" placeholder="example.myshopify.com" />
        </label>{" "}
        <button type="submit">Log in</button>
      </Form>
    </main>
  );
}
