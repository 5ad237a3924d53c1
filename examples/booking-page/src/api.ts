// The API client, typed from the committed contract (openapi/planipref.json,
// generated into src/generated/ by openapi-typescript at each build), and
// the reading of its problem+json answers.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/planipref";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type Client = ReturnType<typeof createClient<paths>>;

/** A client of the API at `baseUrl`, asking for French answers. */
export function client(baseUrl: string): Client {
  return createClient<paths>({
    baseUrl,
    headers: { "Accept-Language": "fr" },
  });
}

/**
 * Where the API is: `api` in `config.json` beside the page (the préfecture's
 * deployment writes it), else the page's own origin. Not a query parameter:
 * a link must not be able to send applicants' data elsewhere.
 */
export async function apiBase(): Promise<string> {
  try {
    const answer = await fetch("config.json", { cache: "no-store" });
    if (answer.ok) {
      const config: unknown = await answer.json();
      if (typeof config === "object" && config !== null && "api" in config) {
        const api = config.api;
        if (typeof api === "string" && api !== "") {
          return api.replace(/\/+$/, "");
        }
      }
    }
  } catch {
    // No configuration: the page is served by the API's origin.
  }
  return window.location.origin;
}

/** Whether `value` is an RFC 9457 problem as the API writes them. */
export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    "title" in value &&
    typeof value.title === "string" &&
    "status" in value
  );
}

/** The problem of a failed answer, or one standing for it. */
export function problemOf(error: unknown, response: Response | undefined): Problem {
  if (isProblem(error)) {
    return error;
  }
  const status = response?.status ?? 0;
  return {
    type: "about:blank",
    title: "Le service de rendez-vous ne répond pas",
    status,
    detail:
      status === 0
        ? "Vérifiez votre connexion, puis réessayez."
        : `Réponse inattendue (${status}). Réessayez dans quelques instants.`,
  };
}

/** A fresh key, so that a retried write is done once (`Idempotency-Key`). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
