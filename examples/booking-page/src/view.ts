// The page's parts: one step shown at a time (focus on its heading), the
// alert region, and each problem's messages next to the fields they name.

import type { Problem } from "./api";

export const STEPS = ["step-search", "step-slots", "step-form", "step-done"] as const;
export type Step = (typeof STEPS)[number];

/** The element `id`, which the page must have. */
export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) {
    throw new Error(`#${id} is missing from the page`);
  }
  return found as T;
}

/** The value of the input, select or textarea `id`, trimmed. */
export function value(id: string): string {
  return element<HTMLInputElement>(id).value.trim();
}

/** A new element with a text (never HTML: the API's texts are data). */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = "",
  className = "",
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  made.textContent = text;
  if (className !== "") {
    made.className = className;
  }
  return made;
}

/** Shows `step` alone, marks it in the progress list and focuses its heading. */
export function show(step: Step): void {
  const index = STEPS.indexOf(step);
  STEPS.forEach((s, i) => {
    element(s).hidden = s !== step;
    const marker = element(`progress-${i + 1}`);
    if (i === index) {
      marker.setAttribute("aria-current", "step");
    } else {
      marker.removeAttribute("aria-current");
    }
  });
  clearAlert();
  const heading = element(step).querySelector<HTMLElement>("h2");
  heading?.focus();
}

/** Empties the alert region. */
export function clearAlert(): void {
  element("alert").replaceChildren();
}

/** Says `message` in the alert region (read at once by screen readers). */
export function alert(title: string, detail = ""): void {
  const region = element("alert");
  const lines: HTMLElement[] = [make("strong", title)];
  if (detail !== "") {
    lines.push(make("p", detail));
  }
  region.replaceChildren(...lines);
}

/**
 * The input showing an API field (`applicant.email` → `#email`), or null.
 * Each input that can be named carries `data-field`.
 */
function inputFor(field: string, scope: ParentNode): HTMLElement | null {
  return scope.querySelector<HTMLElement>(`[data-field="${CSS.escape(field)}"]`);
}

/** Removes the messages and marks of the fields of `form`. */
export function clearErrors(form: HTMLElement): void {
  for (const marked of form.querySelectorAll("[aria-invalid]")) {
    marked.removeAttribute("aria-invalid");
  }
  for (const message of form.querySelectorAll(".field-error")) {
    message.textContent = "";
  }
}

/**
 * Shows `problem`: its title and detail in the alert region, each of its
 * `errors[]` next to the field it names in `form` (marked invalid, the
 * first one focused), the others in the alert region.
 */
export function showProblem(problem: Problem, form?: HTMLElement): void {
  if (form !== undefined) {
    clearErrors(form);
  }
  alert(problem.title, problem.detail);
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const { field, message } of problem.errors ?? []) {
    const input = form === undefined ? null : inputFor(field, form);
    const slot = input === null ? null : document.getElementById(`${input.id}-error`);
    if (input === null || slot === null) {
      unplaced.push(`${field} : ${message}`);
      continue;
    }
    slot.textContent = message;
    input.setAttribute("aria-invalid", "true");
    first ??= input;
  }
  if (unplaced.length > 0) {
    const list = make("ul");
    list.append(...unplaced.map((line) => make("li", line)));
    element("alert").append(list);
  }
  first?.focus();
}
