// Pages of the Integrations screens that the overview and the event log send the merchant to.
export const OVERVIEW_PAGES = {
  postscriptSetup: "/app/integrations/postscript?tab=setup",
  postscriptSettings: "/app/integrations/postscript?tab=settings",
  loop: "/app/integrations/loop",
} as const;
