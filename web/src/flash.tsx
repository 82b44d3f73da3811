/**
 * A one-time success message carried across a navigation (e.g. "Resource “db” deleted" on the
 * page the user lands on after deleting it). Kept in sessionStorage, shown once, then gone.
 */
import { useState } from "react";
import { Notice } from "./components/ui";

const KEY = "ktrlplane.flash";

export function setFlash(message: string): void {
  try {
    globalThis.sessionStorage?.setItem(KEY, message);
  } catch {
    // storage unavailable: the message is only a courtesy
  }
}

export function takeFlash(): string | null {
  try {
    const message = globalThis.sessionStorage?.getItem(KEY) ?? null;
    globalThis.sessionStorage?.removeItem(KEY);
    return message;
  } catch {
    return null;
  }
}

export function FlashNotice() {
  const [message] = useState(takeFlash);
  if (!message) return null;
  return (
    <Notice kind="success">
      <span data-testid="flash">{message}</span>
    </Notice>
  );
}
