// DEVELOPMENT ONLY. Stands in for the part of Shopify admin and App Bridge that the app's pages need, so the
// admin screens can be used in a plain browser without Shopify and without internet (`npm run demo`).
// It is mounted only when DEV_APP_BRIDGE_SHIM is on, which the configuration refuses when NODE_ENV=production,
// and it mints session tokens for one development shop (DEV_SHOP_DOMAIN) only. The tokens are real ones,
// checked by the app exactly as Shopify's are.
import type { Express } from "express";
import type { AppConfig } from "../app/config/env.server";
import { adminHostParam, signSessionToken } from "./session-token";

export const DEV_SHIM_APP_BRIDGE_PATH = "/dev/app-bridge.js";

export function mountDevShim(app: Express, config: AppConfig) {
  if (config.NODE_ENV === "production") throw new Error("the development shim cannot run in production");
  const shop = config.DEV_SHOP_DOMAIN;
  const token = () => signSessionToken({ shop, apiKey: config.SHOPIFY_API_KEY, apiSecret: config.SHOPIFY_API_SECRET });

  // What a merchant's click on the app in Shopify admin does: open /app embedded, with a fresh id token.
  app.get("/dev/open", (req, res) => {
    const target = typeof req.query.path === "string" && req.query.path.startsWith("/app") ? req.query.path : "/app";
    const url = new URL(target, config.SHOPIFY_APP_URL);
    url.searchParams.set("embedded", "1");
    url.searchParams.set("shop", shop);
    url.searchParams.set("host", adminHostParam(shop));
    url.searchParams.set("id_token", token());
    res.redirect(url.pathname + url.search);
  });

  app.get("/dev/session-token", (_req, res) => {
    res.set("Cache-Control", "no-store").json({ token: token() });
  });

  // The library announces Shopify's CDN App Bridge in a Link preload header; there is no CDN here.
  app.use((_req, res, next) => {
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) =>
      name.toLowerCase() === "link" ? setHeader(name, withoutCdnAppBridge(value)) : setHeader(name, value);
    next();
  });

  app.get(DEV_SHIM_APP_BRIDGE_PATH, (_req, res) => {
    res.type("application/javascript").set("Cache-Control", "no-store").send(shimScript(shop));
  });
}

function withoutCdnAppBridge(value: number | string | readonly string[]) {
  if (typeof value === "number") return value;
  const links = (Array.isArray(value) ? value : String(value).split(",")) as string[];
  return links.filter((link) => !link.includes("cdn.shopify.com/shopifycloud/app-bridge.js")).join(",");
}

/** The browser half: window.shopify with idToken(), toast, the save bar and modals, fetch with the session token, nav menu, bounce. */
function shimScript(shop: string) {
  return `(() => {
  const SHOP = ${JSON.stringify(shop)};
  let cached = null;
  async function idToken() {
    if (cached && cached.expires > Date.now() + 5000) return cached.token;
    const res = await originalFetch("/dev/session-token", { cache: "no-store" });
    const { token } = await res.json();
    cached = { token, expires: Date.now() + 55000 };
    return token;
  }
  const originalFetch = window.fetch.bind(window);
  // App Bridge adds the session token to the app's own fetch requests; so does this shim.
  window.fetch = async (input, init = {}) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/dev/")) return originalFetch(input, init);
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Authorization")) headers.set("Authorization", "Bearer " + (await idToken()));
    return originalFetch(input, { ...init, headers });
  };

  function toast(message, options = {}) {
    const el = document.createElement("div");
    el.setAttribute("role", "status");
    el.dataset.devToast = options.isError ? "error" : "info";
    el.textContent = message;
    el.style.cssText = "position:fixed;left:50%;bottom:32px;transform:translateX(-50%);z-index:99999;" +
      "padding:10px 16px;border-radius:10px;font:500 14px/20px system-ui,sans-serif;color:#fff;box-shadow:0 4px 12px rgba(0,0,0,.25);" +
      "background:" + (options.isError ? "#8e1f0b" : "#303030");
    document.body.appendChild(el);
    setTimeout(() => el.remove(), options.duration || 5000);
    return "toast-" + Date.now();
  }

  // The contextual save bar: Shopify admin draws it over its top bar from the page's ui-save-bar element (its
  // child buttons are Save and Discard); the shim shows the element itself there, with the same buttons.
  class UISaveBar extends HTMLElement {
    get showing() { return this.hasAttribute("data-showing"); }
    async show() { if (!this.showing) { this.setAttribute("data-showing", ""); this.dispatchEvent(new Event("show")); } }
    async hide() { if (this.showing) { this.removeAttribute("data-showing"); this.dispatchEvent(new Event("hide")); } }
    async toggle() { return this.showing ? this.hide() : this.show(); }
  }
  if (!customElements.get("ui-save-bar")) customElements.define("ui-save-bar", UISaveBar);
  const saveBar = (id) => document.getElementById(id);
  const saveBars = {
    show: async (id) => saveBar(id)?.show(),
    hide: async (id) => saveBar(id)?.hide(),
    toggle: async (id) => saveBar(id)?.toggle(),
    // As in admin: resolves once the merchant agrees to leave (at once when no save bar shows); never if they stay.
    leaveConfirmation: () => new Promise((resolve) => {
      if (!document.querySelector("ui-save-bar[data-showing]")) return resolve();
      if (confirm("Leave page with unsaved changes? Leaving this page will delete all unsaved changes.")) resolve();
    }),
  };

  // App Bridge's modal: Shopify admin draws the page's ui-modal over the whole admin, titled by its
  // ui-title-bar, whose buttons become the modal's footer (a click on one clicks the app's own button, so its
  // handler runs). App Bridge React renders the modal's other children into the element's content.
  class UIModal extends HTMLElement {
    constructor() { super(); this._content = document.createElement("div"); }
    get content() { return this._content; }
    get showing() { return Boolean(this._backdrop); }
    get _titleBar() { return this.querySelector(":scope > ui-title-bar"); }
    async show() {
      if (this._backdrop) return;
      this._opener = document.activeElement;
      const backdrop = document.createElement("div");
      backdrop.dataset.devModal = this.id;
      const box = document.createElement("div");
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-modal", "true");
      box.tabIndex = -1;
      const header = document.createElement("div");
      header.dataset.part = "header";
      const heading = document.createElement("h2");
      heading.id = (this.id || "modal") + "-dev-title";
      box.setAttribute("aria-labelledby", heading.id);
      const close = document.createElement("button");
      close.type = "button";
      close.setAttribute("aria-label", "Close");
      close.textContent = "\u00d7";
      close.onclick = () => this.hide();
      header.append(heading, close);
      const footer = document.createElement("div");
      footer.dataset.part = "footer";
      box.append(header, this._content, footer);
      backdrop.append(box);
      backdrop.addEventListener("keydown", (event) => { if (event.key === "Escape") this.hide(); });
      document.body.append(backdrop);
      this._backdrop = backdrop;
      this._heading = heading;
      this._footer = footer;
      this._render();
      // The app changes its buttons while the modal is open (loading, disabled): the footer follows.
      this._observer = new MutationObserver(() => this._render());
      this._observer.observe(this, { subtree: true, childList: true, attributes: true, characterData: true });
      box.focus();
      this.dispatchEvent(new Event("show"));
    }
    async hide() {
      if (!this._backdrop) return;
      this._observer.disconnect();
      this._backdrop.remove();
      this._backdrop = null;
      if (this._opener && this._opener.isConnected) this._opener.focus();
      this.dispatchEvent(new Event("hide"));
    }
    async toggle() { return this.showing ? this.hide() : this.show(); }
    disconnectedCallback() { this.hide(); }
    _render() {
      const bar = this._titleBar;
      this._heading.textContent = (bar && bar.getAttribute("title")) || "";
      const buttons = bar ? [...bar.querySelectorAll(":scope > button")] : [];
      // Admin puts the primary action last, on the right.
      buttons.sort((a, b) => (a.getAttribute("variant") === "primary") - (b.getAttribute("variant") === "primary"));
      this._footer.replaceChildren(...buttons.map((original) => {
        const copy = document.createElement("button");
        copy.type = "button";
        copy.textContent = original.textContent;
        for (const name of ["variant", "tone"]) if (original.hasAttribute(name)) copy.setAttribute(name, original.getAttribute(name));
        const loading = original.hasAttribute("loading");
        copy.disabled = original.disabled || loading;
        if (loading) copy.setAttribute("aria-busy", "true");
        copy.onclick = () => original.click();
        return copy;
      }));
    }
  }
  if (!customElements.get("ui-modal")) customElements.define("ui-modal", UIModal);
  const modal = (id) => document.getElementById(id);

  window.shopify = {
    config: { apiKey: document.currentScript && document.currentScript.dataset.apiKey, shop: SHOP },
    environment: { embedded: true, mobile: false, pos: false },
    idToken,
    toast: { show: toast, hide: () => {} },
    saveBar: saveBars,
    modal: { show: async (id) => modal(id)?.show(), hide: async (id) => modal(id)?.hide(), toggle: async (id) => modal(id)?.toggle() },
    loading: () => {},
  };

  // The bounce page (/auth/session-token) asks App Bridge for a token and reloads the target with it.
  if (location.pathname === "/auth/session-token") {
    const params = new URLSearchParams(location.search);
    const reload = params.get("shopify-reload");
    if (reload) idToken().then((token) => {
      const target = new URL(reload, location.href);
      target.searchParams.set("id_token", token);
      location.replace(target.pathname + target.search);
    });
  }

  // Shopify admin shows the app's ui-nav-menu links in its sidebar; the shim shows them as a bar on top.
  // Constructed style sheets change nothing in the DOM, so React's hydration of the page is undisturbed.
  const base = new CSSStyleSheet();
  base.replaceSync("ui-nav-menu{display:flex;gap:16px;align-items:center;padding:10px 20px;background:#1a1a1a;" +
    "font:500 13px/20px system-ui,sans-serif}ui-nav-menu a{color:#e3e3e3;text-decoration:none;padding:4px 8px;border-radius:6px}" +
    "ui-nav-menu a[rel=home]{color:#fff;font-weight:650}ui-nav-menu a:hover{background:#303030}" +
    "ui-nav-menu::before{content:'Shopify admin (development shim) · " + SHOP + "';color:#8a8a8a;margin-right:8px}" +
    "ui-save-bar{display:none}ui-save-bar[data-showing]{display:flex;position:fixed;top:0;left:0;right:0;z-index:9999;gap:8px;" +
    "align-items:center;justify-content:flex-end;padding:10px 20px;background:#1a1a1a;font:500 13px/20px system-ui,sans-serif}" +
    "ui-save-bar[data-showing]::before{content:'Unsaved changes';color:#fff;margin-right:auto}" +
    "ui-save-bar button{font:600 13px/20px system-ui,sans-serif;border-radius:8px;padding:4px 12px;border:1px solid #8a8a8a;background:#303030;color:#fff;cursor:pointer}" +
    "ui-save-bar button[variant=primary]{background:#fff;color:#1a1a1a;border-color:#fff}ui-save-bar button[loading]{opacity:.6}" +
    "ui-modal,ui-title-bar{display:none}" +
    "[data-dev-modal]{position:fixed;inset:0;z-index:9998;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center;padding:16px}" +
    "[data-dev-modal]>[role=dialog]{background:#fff;border-radius:12px;width:min(620px,100%);max-height:calc(100vh - 32px);overflow:auto;" +
    "box-shadow:0 8px 32px rgba(0,0,0,.3);outline:none;font:450 13px/20px system-ui,sans-serif}" +
    "[data-dev-modal] [data-part=header]{display:flex;align-items:center;justify-content:space-between;padding:12px 16px;background:#f3f3f3;border-bottom:1px solid #e3e3e3}" +
    "[data-dev-modal] h2{margin:0;font:650 14px/20px system-ui,sans-serif;color:#303030}" +
    "[data-dev-modal] [data-part=header] button{border:0;background:none;font-size:20px;line-height:20px;cursor:pointer;color:#4a4a4a}" +
    "[data-dev-modal] [data-part=footer]{display:flex;justify-content:flex-end;gap:8px;padding:12px 16px;border-top:1px solid #e3e3e3}" +
    "[data-dev-modal] [data-part=footer] button{font:600 13px/20px system-ui,sans-serif;border-radius:8px;padding:6px 12px;border:1px solid #c9c9c9;background:#fff;color:#303030;cursor:pointer}" +
    "[data-dev-modal] [data-part=footer] button[variant=primary]{background:#303030;color:#fff;border-color:#303030}" +
    "[data-dev-modal] [data-part=footer] button[variant=primary][tone=critical]{background:#c70a24;border-color:#c70a24}" +
    "[data-dev-modal] [data-part=footer] button:disabled{opacity:.6;cursor:default}");
  const current = new CSSStyleSheet();
  const markCurrent = () => current.replaceSync('ui-nav-menu a[href="' + CSS.escape(location.pathname) + '"]{background:#303030}');
  markCurrent();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, base, current];
  for (const method of ["pushState", "replaceState"]) {
    const original = history[method].bind(history);
    history[method] = (...args) => { const result = original(...args); markCurrent(); return result; };
  }
  addEventListener("popstate", markCurrent);
})();
`;
}
