// The booking journey on one page: démarche and commune → the competent
// site's first slot and the alternatives → a hold with its countdown → the
// applicant's form → the confirmation (reference, calendar file, cancel).

import {
  apiBase,
  client,
  idempotencyKey,
  problemOf,
  type Client,
  type Problem,
  type Schemas,
} from "./api";
import * as format from "./format";
import * as view from "./view";

type Offer = Schemas["SiteOffer"];
type Slot = Schemas["SlotResponse"];
type Hold = Schemas["Hold"];
type Created = Schemas["ReservationCreated"];

/** The site and motif whose slots are shown. */
interface Choice {
  siteName: string;
  address: string;
  timeZone: string;
  motifId: string;
  motif: Schemas["Motif"];
}

/** How many days of slots are offered after the first free one. */
const DAYS_SHOWN = 7;

/** Where the applicant stands (`undefined`: not yet, or no longer). */
const state: {
  api: Client | undefined;
  demarche: string;
  choice: Choice | undefined;
  hold: Hold | undefined;
  /** Server time minus this machine's, in milliseconds (from `Date`). */
  skew: number;
  countdown: number | undefined;
  created: Created | undefined;
  icsUrl: string | undefined;
} = {
  api: undefined,
  demarche: "",
  choice: undefined,
  hold: undefined,
  skew: 0,
  countdown: undefined,
  created: undefined,
  icsUrl: undefined,
};

function api(): Client {
  if (state.api === undefined) {
    throw new Error("the client is made first");
  }
  return state.api;
}

/** Shows a failed answer next to the fields of `form`. */
function failed(error: unknown, response: Response | undefined, form?: HTMLElement): Problem {
  const problem = problemOf(error, response);
  view.showProblem(problem, form);
  return problem;
}

/** Runs `action` with `button` disabled (no double submission). */
async function busy(button: HTMLButtonElement, action: () => Promise<void>): Promise<void> {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await action();
  } catch {
    view.showProblem(problemOf(undefined, undefined));
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// Step 1: the démarche and the commune.

async function loadDemarches(): Promise<void> {
  const select = view.element<HTMLSelectElement>("demarche");
  const { data, error, response } = await api().GET("/api/v1/demarches", {
    params: { query: { per_page: 200 } },
  });
  if (data === undefined) {
    failed(error, response);
    return;
  }
  const offered = data.items.filter((d) => d.site_ids.length > 0);
  const options = offered.map((d) => {
    const option = view.make("option", d.label);
    option.value = d.code;
    return option;
  });
  const prompt = view.make("option", "Choisissez votre démarche");
  prompt.value = "";
  select.replaceChildren(prompt, ...options);
}

async function search(): Promise<void> {
  const form = view.element("search-form");
  view.clearErrors(form);
  state.demarche = view.value("demarche");
  const { data, error, response } = await api().GET("/api/v1/orientation", {
    params: { query: { demarche: state.demarche, commune: view.value("commune") } },
  });
  if (data === undefined) {
    failed(error, response, form);
    return;
  }
  const offers = [data.competent, ...data.other_sites].filter(
    (o): o is Offer => o !== null && o !== undefined,
  );
  const first = offers[0];
  if (first === undefined) {
    view.alert("Aucun lieu d'accueil ne propose cette démarche dans votre département.");
    return;
  }
  renderOthers(offers.slice(1));
  view.show("step-slots");
  await choose(first.site, first.motif, first.first_slot ?? null);
}

// Step 2: a slot of the chosen site, or another site.

function renderOthers(others: Offer[]): void {
  const list = view.element("other-sites");
  const items = others.map((offer) => {
    const item = view.make("li");
    const slot = offer.first_slot;
    const text =
      slot === null || slot === undefined
        ? "aucun créneau libre pour le moment"
        : `premier créneau le ${format.when(slot.start, offer.site.time_zone)}`;
    item.append(view.make("strong", offer.site.name), view.make("span", ` — ${text}. `));
    const button = view.make("button", "Voir les créneaux de ce lieu", "secondary");
    button.type = "button";
    button.setAttribute("aria-label", `Voir les créneaux de ${offer.site.name}`);
    button.addEventListener("click", () => void busy(button, () => switchTo(offer)));
    item.append(button);
    return item;
  });
  view.element("others").hidden = items.length === 0;
  list.replaceChildren(...items);
}

/** Another site: its first slot asked again (it may have gone meanwhile). */
async function switchTo(offer: Offer): Promise<void> {
  const { data, error, response } = await api().GET("/api/v1/sites/{site_id}/first-slot", {
    params: { path: { site_id: offer.site.id }, query: { demarche: state.demarche } },
  });
  if (data === undefined) {
    failed(error, response);
    return;
  }
  await choose(offer.site, offer.motif, data.slot ?? null);
  view.element("choice-heading").focus();
}

async function choose(site: Schemas["Site"], motif: Schemas["Motif"], first: Slot | null): Promise<void> {
  const a = site.address;
  state.choice = {
    siteName: site.name,
    address: `${a.line}, ${a.postal_code} ${a.city}`,
    timeZone: site.time_zone,
    motifId: motif.id,
    motif,
  };
  view.element("choice-heading").textContent = `Créneaux disponibles — ${site.name}`;
  view.element("choice-address").textContent = state.choice.address;
  view.element("choice-motif").textContent = `${motif.label} (${motif.duration_minutes} minutes)`;
  await loadSlots(first);
}

/** The slots from the first free one's day, grouped by day, the first one chosen. */
async function loadSlots(first: Slot | null): Promise<void> {
  const choice = state.choice;
  const group = view.element("slot-choices");
  const submit = view.element<HTMLButtonElement>("hold-button");
  if (choice === undefined) {
    return;
  }
  if (first === null) {
    group.replaceChildren(view.make("p", "Aucun créneau n'est libre pour le moment dans ce lieu."));
    submit.hidden = true;
    return;
  }
  const from = format.localDate(first.start);
  const to = addDays(from, DAYS_SHOWN - 1);
  const { data, error, response } = await api().GET("/api/v1/motifs/{motif_id}/slots", {
    params: { path: { motif_id: choice.motifId }, query: { from, to } },
  });
  if (data === undefined) {
    failed(error, response);
    return;
  }
  const slots = data.slots.length > 0 ? data.slots : [first];
  const days = new Map<string, Slot[]>();
  for (const slot of slots) {
    const key = format.localDate(slot.start);
    days.set(key, [...(days.get(key) ?? []), slot]);
  }
  const sets = [...days.values()].map((daySlots) => daySet(daySlots, data.time_zone, first));
  group.replaceChildren(...sets);
  submit.hidden = false;
}

function daySet(slots: Slot[], timeZone: string, first: Slot): HTMLFieldSetElement {
  const set = view.make("fieldset", "", "day");
  const head = slots[0];
  set.append(view.make("legend", head === undefined ? "" : format.day(head.start, timeZone)));
  for (const slot of slots) {
    const id = `slot-${slot.start.replace(/[^0-9]/g, "")}`;
    const radio = view.make("input");
    radio.type = "radio";
    radio.name = "slot";
    radio.id = id;
    radio.value = slot.start;
    radio.checked = slot.start === first.start;
    const label = view.make("label", format.time(slot.start, timeZone));
    label.htmlFor = id;
    const option = view.make("span", "", "slot");
    option.append(radio, label);
    set.append(option);
  }
  return set;
}

function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

async function holdSlot(): Promise<void> {
  const form = view.element("slot-form");
  const choice = state.choice;
  const start = form.querySelector<HTMLInputElement>('input[name="slot"]:checked')?.value;
  if (choice === undefined || start === undefined) {
    view.alert("Choisissez un créneau.");
    return;
  }
  const { data, error, response } = await api().POST("/api/v1/holds", {
    params: { header: { "Idempotency-Key": idempotencyKey() } },
    body: { motif_id: choice.motifId, start, persons: 1 },
  });
  if (data === undefined) {
    const problem = failed(error, response, form);
    if (problem.status === 409) {
      await refreshChoice();
    }
    return;
  }
  const serverDate = response.headers.get("Date");
  state.skew = serverDate === null ? 0 : Date.parse(serverDate) - Date.now();
  state.hold = data;
  view.element("held-slot").textContent =
    `${format.when(data.start, choice.timeZone)} — ${choice.siteName}, ${choice.address}`;
  view.clearErrors(view.element("applicant-form"));
  view.element<HTMLButtonElement>("book-button").disabled = false;
  view.show("step-form");
  startCountdown(data.expires_at);
}

/** The chosen site's slots again, after one was taken meanwhile. */
async function refreshChoice(): Promise<void> {
  const choice = state.choice;
  if (choice === undefined) {
    return;
  }
  const { data } = await api().GET("/api/v1/sites/{site_id}/first-slot", {
    params: {
      path: { site_id: choice.motif.site_id },
      query: { motif_id: choice.motifId },
    },
  });
  await loadSlots(data?.slot ?? null);
}

// Step 3: the countdown and the applicant's form.

function startCountdown(expiresAt: string): void {
  stopCountdown();
  const shown = view.element("countdown");
  const spoken = view.element("countdown-live");
  spoken.textContent = "";
  const tick = (): void => {
    const seconds = (Date.parse(expiresAt) - (Date.now() + state.skew)) / 1000;
    shown.textContent = format.remaining(seconds);
    const said = format.milestone(seconds);
    if (said !== null && said !== spoken.textContent) {
      spoken.textContent = said;
    }
    if (seconds <= 0) {
      expired();
    }
  };
  tick();
  state.countdown = window.setInterval(tick, 1000);
}

function stopCountdown(): void {
  if (state.countdown !== undefined) {
    window.clearInterval(state.countdown);
    state.countdown = undefined;
  }
}

function expired(): void {
  stopCountdown();
  state.hold = undefined;
  view.element<HTMLButtonElement>("book-button").disabled = true;
  view.alert(
    "Le délai est écoulé : le créneau n'est plus réservé pour vous.",
    "Choisissez de nouveau un créneau ; vos saisies sont conservées.",
  );
  view.element("again").hidden = false;
}

function applicant(): Schemas["ApplicantRequest"] {
  const fileNumber = view.value("file_number");
  return {
    last_name: view.value("last_name"),
    first_names: view.value("first_names"),
    birth_date: view.value("birth_date"),
    email: view.value("email"),
    phone: view.value("phone"),
    file_number: fileNumber === "" ? null : fileNumber,
  };
}

async function book(): Promise<void> {
  const form = view.element("applicant-form");
  const hold = state.hold;
  if (hold === undefined) {
    expired();
    return;
  }
  view.clearErrors(form);
  const { data, error, response } = await api().POST("/api/v1/reservations", {
    params: { header: { "Idempotency-Key": idempotencyKey() } },
    body: { hold_id: hold.hold_id, applicant: applicant(), language: "fr" },
  });
  if (data === undefined) {
    const problem = failed(error, response, form);
    if (problem.status === 410) {
      expired();
    }
    return;
  }
  stopCountdown();
  state.hold = undefined;
  state.created = data;
  renderDone(data);
  view.show("step-done");
  await prepareCalendar(data);
}

async function release(): Promise<void> {
  const hold = state.hold;
  stopCountdown();
  state.hold = undefined;
  if (hold !== undefined) {
    await api().DELETE("/api/v1/holds/{hold_id}", {
      params: { path: { hold_id: hold.hold_id } },
    });
  }
  await backToSlots();
}

async function backToSlots(): Promise<void> {
  view.element("again").hidden = true;
  view.show("step-slots");
  await refreshChoice();
}

// Step 4: the confirmation.

function renderDone(created: Created): void {
  const r = created.reservation;
  const a = r.site.address;
  view.element("reference").textContent = created.reference;
  view.element("done-when").textContent = format.when(r.start, r.site.time_zone);
  view.element("done-where").textContent = `${r.site.name}, ${a.line}, ${a.postal_code} ${a.city}`;
  view.element("done-motif").textContent = r.motif.label;
  const documents = state.choice?.motif.documents ?? [];
  view.element("done-documents").replaceChildren(...documents.map((d) => view.make("li", d)));
  view.element("documents").hidden = documents.length === 0;
  const cancel = view.element<HTMLButtonElement>("cancel-button");
  cancel.disabled = false;
  cancel.hidden = false;
  view.element("cancel-status").textContent = "";
}

/** The calendar file, fetched with the management token, as a link. */
async function prepareCalendar(created: Created): Promise<void> {
  const link = view.element<HTMLAnchorElement>("ics-link");
  const { data } = await api().GET("/api/v1/reservations/{reference}/ics", {
    params: {
      path: { reference: created.reference },
      header: { "X-Management-Token": created.management_token },
    },
    parseAs: "blob",
  });
  if (data === undefined) {
    link.hidden = true;
    return;
  }
  if (state.icsUrl !== undefined) {
    URL.revokeObjectURL(state.icsUrl);
  }
  state.icsUrl = URL.createObjectURL(new Blob([data], { type: "text/calendar" }));
  link.href = state.icsUrl;
  link.download = `rendez-vous-${created.reference}.ics`;
  link.hidden = false;
}

async function cancel(): Promise<void> {
  const created = state.created;
  if (created === undefined) {
    return;
  }
  const { data, error, response } = await api().POST("/api/v1/reservations/{reference}/cancel", {
    params: {
      path: { reference: created.reference },
      header: {
        "X-Management-Token": created.management_token,
        "Idempotency-Key": idempotencyKey(),
      },
    },
  });
  if (data === undefined) {
    failed(error, response);
    return;
  }
  view.element("cancel-button").hidden = true;
  view.element("cancel-status").textContent =
    `Le rendez-vous ${data.reference} est annulé. Le créneau est rendu aux autres usagers.`;
  await prepareCalendar(created);
}

// Wiring.

function onSubmit(formId: string, buttonId: string, action: () => Promise<void>): void {
  view.element(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    void busy(view.element<HTMLButtonElement>(buttonId), action);
  });
}

function onClick(buttonId: string, action: () => Promise<void>): void {
  const button = view.element<HTMLButtonElement>(buttonId);
  button.addEventListener("click", () => void busy(button, action));
}

async function main(): Promise<void> {
  state.api = client(await apiBase());
  onSubmit("search-form", "search-button", search);
  onSubmit("slot-form", "hold-button", holdSlot);
  onSubmit("applicant-form", "book-button", book);
  onClick("release-button", release);
  onClick("again-button", backToSlots);
  onClick("cancel-button", cancel);
  onClick("change-search", async () => view.show("step-search"));
  // The API out of reach (or not allowing this page's origin) is said.
  await busy(view.element<HTMLButtonElement>("search-button"), loadDemarches);
  document.body.dataset["ready"] = "true";
}

void main();
