// Settings is one form, as Shopify's own settings pages are: each section (events, payment retries, test
// recipient) says whether it has unsaved changes and how to save or discard them, and Shopify's contextual save
// bar (App Bridge ui-save-bar) offers Save and Discard for all of them while any has changes. Leaving the page
// with unsaved changes asks first (App Bridge's leave confirmation). Each section still saves through its own
// action, so its answer and field errors stay with it.
import { useBlocker, useNavigate, type Location } from "@remix-run/react";
import { SaveBar, useAppBridge } from "@shopify/app-bridge-react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

interface Section {
  dirty: boolean;
  saving: boolean;
  save(): void;
  discard(): void;
}

const SettingsFormContext = createContext<((id: string, section: Section | null) => void) | null>(null);

export const SETTINGS_SAVE_BAR_ID = "settings-save-bar";

/** A section of the Settings form: registers its state with the form while mounted. */
export function useSettingsSection(id: string, section: Section) {
  const register = useContext(SettingsFormContext);
  const { dirty, saving, save, discard } = section;
  useEffect(() => {
    register?.(id, { dirty, saving, save, discard });
  }, [register, id, dirty, saving, save, discard]);
  useEffect(() => () => register?.(id, null), [register, id]);
}

export function SettingsForm({ children }: { children: ReactNode }) {
  const [sections, setSections] = useState<Record<string, Section>>({});
  const register = useCallback((id: string, section: Section | null) => {
    setSections((current) => {
      const next = { ...current };
      if (section) next[id] = section;
      else delete next[id];
      return next;
    });
  }, []);
  const dirty = useMemo(() => Object.values(sections).filter((s) => s.dirty), [sections]);
  const saving = Object.values(sections).some((s) => s.saving);

  const shopify = useAppBridge();
  const navigate = useNavigate();
  // Set once the merchant agreed to leave, so the navigation that follows is let through.
  const leaving = useRef(false);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty.length > 0 && !leaving.current && href(currentLocation) !== href(nextLocation));
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    const next = blocker.location;
    blocker.reset();
    void shopify.saveBar.leaveConfirmation().then(() => {
      leaving.current = true;
      navigate(href(next));
    });
  }, [blocker, navigate, shopify]);

  return (
    <SettingsFormContext.Provider value={register}>
      <SaveBar id={SETTINGS_SAVE_BAR_ID} open={dirty.length > 0}>
        <button variant="primary" onClick={() => dirty.forEach((s) => s.save())} {...(saving ? { loading: "" } : {})}>
          Save
        </button>
        <button onClick={() => dirty.forEach((s) => s.discard())} disabled={saving}>
          Discard
        </button>
      </SaveBar>
      {children}
    </SettingsFormContext.Provider>
  );
}

const href = (location: Pick<Location, "pathname" | "search">) => `${location.pathname}${location.search}`;
