// Dates and times as applicants read them: in French, at the site's time.

/** "mardi 1 décembre 2026 à 09:00", read in the site's time zone. */
export function when(instant: string, timeZone: string): string {
  const at = new Date(instant);
  const day = new Intl.DateTimeFormat("fr-FR", {
    timeZone,
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  }).format(at);
  return `${day} à ${time(instant, timeZone)}`;
}

/** "09:00" in the site's time zone. */
export function time(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat("fr-FR", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(instant));
}

/** "Mardi 1 décembre" in the site's time zone (a heading: capital first). */
export function day(instant: string, timeZone: string): string {
  const text = new Intl.DateTimeFormat("fr-FR", {
    timeZone,
    weekday: "long",
    day: "numeric",
    month: "long",
  }).format(new Date(instant));
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The day (`YYYY-MM-DD`) of an instant given with the site's offset. */
export function localDate(instant: string): string {
  return instant.slice(0, 10);
}

/** "4 min 05 s" (or "45 s") for a countdown. */
export function remaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const rest = String(s % 60).padStart(2, "0");
  return minutes > 0 ? `${minutes} min ${rest} s` : `${s % 60} s`;
}

/** What a screen reader announces as time runs out, or nothing. */
export function milestone(seconds: number): string | null {
  const s = Math.floor(seconds);
  if (s > 0 && s % 60 === 0) {
    const m = s / 60;
    return `Il vous reste ${m} minute${m > 1 ? "s" : ""} pour confirmer.`;
  }
  if (s === 30) {
    return "Il vous reste 30 secondes pour confirmer.";
  }
  return null;
}
