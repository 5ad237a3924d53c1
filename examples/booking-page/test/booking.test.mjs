// The booking page in headless Chromium against a real Planipref server on
// another origin (CORS): démarche and commune (a wrong commune first, its
// message next to the field), the first slot held with its countdown, the
// form (a wrong phone first), the confirmation with its reference and its
// calendar file, read back through the API, then cancelled from the page.
//
// Run by scripts/browser-test.sh, which starts the server and the static
// server and sets PAGE_URL, API_URL, CHROMIUM and SCREENSHOT (the
// confirmation; steps 2 and 3 beside it, `-step2.png`…). Fails loudly
// when the browser cannot start: it never skips.

import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const { PAGE_URL, API_URL, SCREENSHOT } = process.env;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const LIMIT_MS = 120_000;

if (!PAGE_URL || !API_URL || !SCREENSHOT) {
  console.error("browser test: PAGE_URL, API_URL and SCREENSHOT must be set");
  process.exit(2);
}
const started = Date.now();
setTimeout(() => {
  console.error(`browser test: not done after ${LIMIT_MS / 1000} s`);
  process.exit(1);
}, LIMIT_MS).unref();

let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Root in CI containers: Chromium's sandbox needs user namespaces.
    args: ["--no-sandbox"],
    timeout: 30_000,
  });
} catch (error) {
  console.error(`browser test: Chromium (${CHROMIUM}) could not start:\n${error.message}`);
  process.exit(1);
}

/** Where the screenshot of step `n` goes, beside the final one. */
const step = (n) => SCREENSHOT.replace(/\.png$/, `-step${n}.png`);

/** The id of the element that has the focus. */
const focused = (page) => page.evaluate(() => document.activeElement?.id ?? "");

/** The reservation as the API tells it to the holder of its token. */
async function readBack(reference, token) {
  const answer = await fetch(`${API_URL}/api/v1/reservations/${reference}`, {
    headers: { "X-Management-Token": token },
  });
  assert.equal(answer.status, 200, `reading ${reference} back`);
  return answer.json();
}

let reference;
try {
  const page = await browser.newPage({ locale: "fr-FR", timezoneId: "Europe/Paris" });
  page.setDefaultTimeout(15_000);
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });

  await page.goto(PAGE_URL);
  await page.waitForSelector("body[data-ready=true]");
  assert.notEqual(new URL(PAGE_URL).origin, new URL(API_URL).origin, "two origins");

  // 1. The démarche and the commune; a malformed commune is named by the API.
  await page.getByLabel("Démarche", { exact: true }).selectOption("sejour-renouvellement");
  const commune = page.getByLabel("Code INSEE de votre commune de résidence", { exact: true });
  await commune.fill("9300");
  await page.getByRole("button", { name: "Rechercher un créneau" }).click();
  await page.locator("#commune-error:not(:empty)").waitFor();
  assert.equal(await commune.getAttribute("aria-invalid"), "true");
  assert.equal(await focused(page), "commune");
  assert.notEqual((await page.locator("#alert").innerText()).trim(), "");
  await commune.fill("93008");
  await page.getByRole("button", { name: "Rechercher un créneau" }).click();

  // 2. The competent site's slots, its first one chosen; focus on the step.
  await page.locator("#step-slots:not([hidden])").waitFor();
  assert.equal(await focused(page), "slots-title");
  await page.locator('#slot-choices input[type="radio"]:checked').waitFor();
  const slotCount = await page.locator('#slot-choices input[type="radio"]').count();
  assert.ok(slotCount > 1, `alternatives offered (${slotCount} slots)`);
  assert.match(await page.locator("#choice-heading").innerText(), /Bobigny/);
  await page.screenshot({ path: step(2), fullPage: true });
  const [hold] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${API_URL}/api/v1/holds` && r.request().method() === "POST"),
    page.getByRole("button", { name: "Réserver ce créneau" }).click(),
  ]);
  assert.equal(hold.status(), 201, await hold.text());
  assert.equal(hold.headers()["access-control-allow-origin"], new URL(PAGE_URL).origin);

  // 3. The countdown runs; a wrong phone is named next to its field.
  await page.locator("#step-form:not([hidden])").waitFor();
  assert.equal(await focused(page), "form-title");
  assert.match(await page.locator("#countdown").innerText(), /^\d+ min \d{2} s$/);
  await page.getByLabel("Nom de famille", { exact: true }).fill("N'Diaye");
  await page.getByLabel("Prénoms", { exact: true }).fill("Aïssata Marie");
  await page.getByLabel("Date de naissance", { exact: true }).fill("1990-04-12");
  await page.getByLabel("Adresse électronique", { exact: true }).fill("aissata.ndiaye@example.org");
  const phone = page.getByLabel("Téléphone portable", { exact: true });
  await phone.fill("12");
  await page.getByRole("button", { name: "Confirmer le rendez-vous" }).click();
  await page.locator("#phone-error:not(:empty)").waitFor();
  assert.equal(await phone.getAttribute("aria-invalid"), "true");
  assert.equal(await focused(page), "phone");
  await page.screenshot({ path: step(3), fullPage: true });
  await phone.fill("06 12 34 56 78");
  const [booked] = await Promise.all([
    page.waitForResponse(
      (r) => r.url() === `${API_URL}/api/v1/reservations` && r.request().method() === "POST" && r.status() === 201,
    ),
    page.getByRole("button", { name: "Confirmer le rendez-vous" }).click(),
  ]);
  const created = await booked.json();
  reference = created.reference;

  // 4. The confirmation: the reference, the calendar file; read back.
  await page.locator("#step-done:not([hidden])").waitFor();
  assert.equal(await focused(page), "done-title");
  assert.equal((await page.locator("#reference").innerText()).trim(), reference);
  const ics = page.locator("#ics-link");
  await ics.waitFor();
  assert.match((await ics.getAttribute("href")) ?? "", /^blob:/);
  const calendar = await page.evaluate(async () => {
    const link = document.getElementById("ics-link");
    return (await fetch(link.href)).text();
  });
  assert.match(calendar, /^BEGIN:VCALENDAR/);
  assert.ok(calendar.includes(reference), "the calendar file names the reference");
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  const stored = await readBack(reference, created.management_token);
  assert.equal(stored.status, "booked");
  assert.equal(stored.applicant.last_name, "N'Diaye");

  // Cancelled from the page, with the management token.
  await page.getByRole("button", { name: "Annuler ce rendez-vous" }).click();
  await page.locator("#cancel-status:not(:empty)").waitFor();
  assert.match(await page.locator("#cancel-status").innerText(), /annulé/);
  assert.equal((await readBack(reference, created.management_token)).status, "cancelled");
  assert.deepEqual(pageErrors.filter((e) => !/status of 4\d\d/.test(e)), [], "no script error");
} catch (error) {
  console.error("browser test: FAILED");
  console.error(error);
  process.exitCode = 1;
} finally {
  await browser.close();
}
if (process.exitCode !== 1) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`browser test: booked ${reference}, read it back and cancelled it in ${seconds} s; screenshot ${SCREENSHOT}`);
}
